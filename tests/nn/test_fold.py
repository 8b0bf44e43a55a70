"""F.unfold / F.fold (im2col / col2im) and nn.Unfold / nn.Fold: PyTorch's layout, values and gradients."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass import nn
from deepglass.nn import functional as F

CONFIGS = [dict(kernel_size=3), dict(kernel_size=(2, 3), stride=2, padding=1),
           dict(kernel_size=3, dilation=2, padding=(2, 1), stride=(1, 2)), dict(kernel_size=1, stride=3)]


@pytest.mark.parametrize("cfg", CONFIGS, ids=str)
def test_unfold_and_fold_match_torch(torch, cfg):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 7, 8))
    xd, xt = dg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    cols, expected = F.unfold(xd, **cfg), torch.nn.functional.unfold(xt, **cfg)
    np.testing.assert_array_equal(cols.numpy(), expected.detach().numpy())
    g = rng.standard_normal(expected.shape)
    cols.backward(dg.tensor(g))
    expected.backward(torch.tensor(g))
    np.testing.assert_allclose(xd.grad.numpy(), xt.grad.numpy(), rtol=1e-12, atol=1e-12)
    c = rng.standard_normal(expected.shape)
    cd, ct = dg.tensor(c, requires_grad=True), torch.tensor(c, requires_grad=True)
    image, expected_image = F.fold(cd, (7, 8), **cfg), torch.nn.functional.fold(ct, (7, 8), **cfg)
    np.testing.assert_allclose(image.numpy(), expected_image.detach().numpy(), rtol=1e-12, atol=1e-12)
    g = rng.standard_normal(expected_image.shape)
    image.backward(dg.tensor(g))
    expected_image.backward(torch.tensor(g))
    np.testing.assert_array_equal(cd.grad.numpy(), ct.grad.numpy())


@pytest.mark.parametrize("cfg", CONFIGS, ids=str)
def test_gradcheck(cfg):
    x = dg.tensor(np.random.default_rng(1).standard_normal((1, 2, 5, 6)), requires_grad=True)
    dg.gradcheck(lambda a: F.unfold(a, **cfg), x)
    cols = F.unfold(x.detach(), **cfg).detach().requires_grad_()
    dg.gradcheck(lambda a: F.fold(a, (5, 6), **cfg), cols)


def test_convolution_is_a_matrix_product_of_the_unfolded_input():
    """The course's im2col: conv2d(x, W) == W (Cout × C·kh·kw) @ unfold(x), reshaped."""
    x, weight = dg.randn(2, 3, 9, 7), dg.randn(4, 3, 3, 3)
    columns = nn.Unfold(3, padding=1, stride=2)(x)
    out = (weight.reshape(4, -1) @ columns).reshape(2, 4, 5, 4)
    np.testing.assert_allclose(out.numpy(), F.conv2d(x, weight, padding=1, stride=2).numpy(), rtol=1e-5, atol=1e-5)
    ones = nn.Fold((9, 7), 3, padding=1, stride=2)(nn.Unfold(3, padding=1, stride=2)(dg.ones(1, 1, 9, 7)))
    assert ones.numpy().max() == 4.0  # a pixel seen by four windows is counted four times


def test_bad_shapes_are_clear_errors():
    with pytest.raises(ValueError, match=r"unfold: input \(1, 1, 2, 2\) is smaller than the dilated kernel \(3, 3\)"):
        F.unfold(dg.ones(1, 1, 2, 2), 3)
    with pytest.raises(ValueError, match=r"fold: expects \(N, C·9, 16\) columns for output \(6, 6\).*got shape"):
        F.fold(dg.ones(1, 9, 15), (6, 6), 3)
    with pytest.raises(ValueError, match=r"unfold: expects \(N, C, H, W\)"):
        F.unfold(dg.ones(3, 4, 4), 2)
