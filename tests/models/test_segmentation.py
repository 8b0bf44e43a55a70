"""The Dice + BCE loss (value and gradient), Dice / IoU scores and mask overlays for U-Net."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass import models


def test_dice_bce_loss_value_and_gradient():
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((2, 1, 4, 4))
    target = (rng.random((2, 1, 4, 4)) > 0.5).astype(np.float64)
    p = 1 / (1 + np.exp(-logits))
    inter, total = (p * target).sum(axis=(1, 2, 3)), p.sum(axis=(1, 2, 3)) + target.sum(axis=(1, 2, 3))
    dice = np.mean(1 - (2 * inter + 1) / (total + 1))
    bce = -np.mean(target * np.log(p) + (1 - target) * np.log(1 - p))
    assert models.DiceBCELoss(bce_weight=0.0)(dg.tensor(logits), target).item() == pytest.approx(dice, rel=1e-10)
    loss_fn = models.DiceBCELoss(bce_weight=0.5)
    assert loss_fn(dg.tensor(logits), target[:, 0]).item() == pytest.approx(dice + 0.5 * bce, rel=1e-10)
    dg.gradcheck(lambda z: loss_fn(z, target), dg.tensor(logits, requires_grad=True))
    with pytest.raises(ValueError, match="mask has shape"):
        loss_fn(dg.zeros(1, 1, 4, 4), np.zeros((1, 1, 4, 3)))


def test_dice_and_iou_of_hard_masks():
    target = np.zeros((1, 1, 4, 4))
    target[0, 0, :2] = 1  # 8 pixels
    pred = np.zeros((1, 1, 4, 4))
    pred[0, 0, 1:3] = 1  # 8 pixels, 4 shared
    assert models.dice_score(pred, target) == pytest.approx(0.5)
    assert models.iou_score(pred, target) == pytest.approx(4 / 12)
    assert models.dice_score(np.full((1, 1, 4, 4), -5.0), np.zeros((1, 1, 4, 4))) == 1.0  # both empty (logits)


def test_overlay_tints_only_the_mask():
    image = np.linspace(0, 1, 16).reshape(1, 4, 4)
    mask = np.zeros((4, 4))
    mask[0, 0] = 1
    out = models.overlay_mask(image, mask, color=(1, 0, 0), alpha=0.5)
    assert out.shape == (4, 4, 3)
    np.testing.assert_allclose(out[0, 0], [0.5, 0, 0])
    np.testing.assert_allclose(out[3, 3], [1, 1, 1])
