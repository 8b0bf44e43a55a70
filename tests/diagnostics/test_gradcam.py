"""Grad-CAM on a CNN whose answer is known: it must look at the top-left quadrant, and the map lands there."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass.diagnostics import grad_cam, resize_bilinear

SIZE, HALF = 12, 6


def _images(n, rng, top_left=None, distractors=True):
    """Noise plus bright 3x3 squares, each quadrant holding one with probability 1/2.

    The label is 1 when the top-left quadrant holds a square: the other quadrants are distractors,
    so the model must look at the top-left quadrant only. Returns images, labels, top-left corners.
    """
    x = rng.normal(0, 0.1, (n, 1, SIZE, SIZE)).astype(np.float32)
    present = rng.random((n, 4)) < 0.5
    if not distractors:
        present[:, 1:] = False
    if top_left is not None:
        present[:, 0] = top_left
    corners = np.zeros((n, 2), np.int64)
    for i in range(n):
        for q in np.flatnonzero(present[i]):
            r = (q // 2) * HALF + rng.integers(0, HALF - 2)
            c = (q % 2) * HALF + rng.integers(0, HALF - 2)
            x[i, 0, r: r + 3, c: c + 3] += 1.0
            if q == 0:
                corners[i] = r, c
    return x, present[:, 0].astype(np.int64), corners


class Flatten(dg.nn.Module):
    def forward(self, x):
        return x.reshape(len(x), -1)


@pytest.fixture(scope="module")
def trained():
    dg.manual_seed(0)
    rng = np.random.default_rng(0)
    x, y, _ = _images(256, rng)
    nn = dg.nn
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 4, 3, padding=1), nn.ReLU(),
                          Flatten(), nn.Linear(4 * SIZE * SIZE, 2))
    opt = dg.optim.Adam(model.parameters(), lr=0.01)
    xt = dg.tensor(x)
    for _ in range(50):
        opt.zero_grad()
        loss = -(dg.log_softmax(model(xt), axis=1)[np.arange(len(y)), y]).mean()
        loss.backward()
        opt.step()
    x_test, y_test, _ = _images(200, rng)
    with dg.no_grad():
        accuracy = (model(dg.tensor(x_test)).numpy().argmax(1) == y_test).mean()
    assert accuracy > 0.95, f"the quadrant CNN did not learn its task (accuracy {accuracy})"
    return model


def _top_left_share(cams):
    return cams[:, :HALF, :HALF].sum(axis=(1, 2)) / np.maximum(cams.sum(axis=(1, 2)), 1e-12)


def test_gradcam_highlights_the_quadrant_the_model_must_look_at(trained):
    rng = np.random.default_rng(1)
    x, _, corners = _images(40, rng, top_left=True, distractors=False)
    cams = grad_cam(trained, x, class_idx=1)
    assert cams.shape == (40, SIZE, SIZE)
    assert cams.min() >= 0 and cams.max() <= 1
    assert np.median(_top_left_share(cams)) > 0.6
    # and within the quadrant, the peak sits on the square
    peaks = np.array([np.unravel_index(c.argmax(), c.shape) for c in cams])
    near = np.abs(peaks - (corners + 1)).max(axis=1) <= 2
    assert near.mean() > 0.8


def test_hirescam_ignores_the_distractors_that_gradcam_lights_up(trained):
    """With squares in other quadrants too, Grad-CAM's averaged gradients light up every square (its
    channels fire there), while HiResCAM keeps the gradient per position: only the top-left counts."""
    x, _, _ = _images(60, np.random.default_rng(3), top_left=True)
    x = x[(x[:, 0, HALF:, :] > 0.8).any(axis=(1, 2)) | (x[:, 0, :, HALF:] > 0.8).any(axis=(1, 2))]
    assert len(x) > 20  # images with at least one distractor
    hires = _top_left_share(grad_cam(trained, x, class_idx=1, method="hirescam"))
    plain = _top_left_share(grad_cam(trained, x, class_idx=1))
    assert np.median(hires) > 0.7
    assert np.median(hires) > np.median(plain)


def test_gradcam_follows_the_square(trained):
    """Two squares in the top-left quadrant at different places: the maps differ accordingly."""
    x = np.zeros((2, 1, SIZE, SIZE), np.float32)
    x[0, 0, 0:3, 0:3] = 1
    x[1, 0, 3:6, 3:6] = 1
    cams = grad_cam(trained, x, class_idx=1)
    assert cams[0, :3, :3].mean() > cams[0, 3:6, 3:6].mean()
    assert cams[1, 3:6, 3:6].mean() > cams[1, :3, :3].mean()


def test_gradcam_options_and_no_side_effects(trained):
    x, _, _ = _images(3, np.random.default_rng(2), top_left=True)
    grads_before = [p.grad.numpy().copy() for p in trained.parameters()]
    low = grad_cam(trained, x, layer="0", upsample=False)  # first conv, by name, at its own resolution
    assert low.shape == (3, SIZE, SIZE)
    one = grad_cam(trained, x[0])  # one image, predicted class
    assert one.shape == (SIZE, SIZE)
    for p, before in zip(trained.parameters(), grads_before):  # the training gradients are untouched
        np.testing.assert_array_equal(p.grad.numpy(), before)
    assert trained.training  # the model's mode is restored
    with pytest.raises(KeyError, match="no layer named"):
        grad_cam(trained, x, layer="nope")
    with pytest.raises(ValueError, match="outputs"):
        grad_cam(trained, x, class_idx=5)
    with pytest.raises(ValueError, match="method"):
        grad_cam(trained, x, method="cam++")


def test_resize_bilinear_matches_torch(torch):
    maps = np.random.default_rng(0).random((2, 3, 4))
    ours = resize_bilinear(maps, (7, 9))
    theirs = torch.nn.functional.interpolate(torch.tensor(maps)[:, None], size=(7, 9), mode="bilinear",
                                             align_corners=False)[:, 0].numpy()
    np.testing.assert_allclose(ours, theirs, atol=1e-12)
