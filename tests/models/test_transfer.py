"""Transfer learning: a backbone trained on one task, frozen, with a new head trained on another task."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass import models
from deepglass.models import transfer


def blobs(n: int, task: str, seed: int):
    """8x8 gray images with one bright square; task 'quadrant' (4 classes) or 'size' (2 classes)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 0.3, (n, 1, 8, 8)).astype(np.float32)
    y = rng.integers(0, 4 if task == "quadrant" else 2, n)
    for i, label in enumerate(y):
        side = (1 if label == 0 else 3) if task == "size" else 2
        r0, c0 = ((label // 2) * 4, (label % 2) * 4) if task == "quadrant" else (0, 0)
        r, c = r0 + rng.integers(0, 4 - side + 1), c0 + rng.integers(0, 4 - side + 1)
        x[i, 0, r : r + side, c : c + side] += 2.0
    return dg.tensor(x), dg.tensor(y)


def train(model, x, y, steps: int, lr: float) -> list[float]:
    opt = dg.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=1e-3)  # frozen ones included
    losses = []
    model.train()
    for _ in range(steps):
        loss = dg.nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def bn_layers(module):
    return [m for m in module.modules() if type(m).__name__ == "BatchNorm2d"]


def test_frozen_backbone_keeps_weights_and_batchnorm_statistics():
    backbone = models.resnet18(in_channels=1, include_top=False, small_input=True)
    task_a = models.TransferModel(backbone, num_classes=4, hidden=0)
    train(task_a, *blobs(16, "quadrant", 0), steps=2, lr=0.05)  # pretraining moves weights and BN statistics
    before = backbone.state_dict()
    assert any(np.any(before[k] != 0) for k in before if k.endswith("running_mean"))

    transfer.freeze(backbone)
    task_b = models.TransferModel(backbone, num_classes=2, hidden=16)
    head_before = task_b.head.state_dict()
    losses = train(task_b, *blobs(16, "size", 1), steps=4, lr=0.05)

    after = backbone.state_dict()
    for key in before:  # weights, BN gamma/beta and running mean/var: bit-for-bit unchanged
        np.testing.assert_array_equal(after[key], before[key], err_msg=key)
    assert all(p.grad is None for p in backbone.parameters())
    assert task_b.training and not any(m.training for m in bn_layers(backbone))  # BN stays in inference mode
    assert any(np.any(task_b.head.state_dict()[k] != v) for k, v in head_before.items())
    assert losses[-1] < losses[0]


def test_unfreeze_last_block_fine_tunes_it_but_keeps_batchnorm_statistics():
    backbone = models.resnet18(in_channels=1, include_top=False, small_input=True)
    transfer.freeze(backbone)
    model = models.TransferModel(backbone, num_classes=2, hidden=0)
    before = backbone.state_dict()
    blocks = transfer.unfreeze_last(backbone, 1)
    assert blocks == [backbone.layer4]
    train(model, *blobs(8, "size", 2), steps=1, lr=0.001)
    after = backbone.state_dict()
    assert np.any(after["layer4.0.conv1.weight"] != before["layer4.0.conv1.weight"])
    np.testing.assert_array_equal(after["layer3.0.conv1.weight"], before["layer3.0.conv1.weight"])
    for key in (k for k in before if "running" in k):
        np.testing.assert_array_equal(after[key], before[key], err_msg=key)
    transfer.unfreeze(backbone, train_bn=True)
    model.train()
    assert all(m.training for m in bn_layers(backbone))


def test_replace_head_and_stages():
    model = models.resnet18(num_classes=1000)
    head = transfer.replace_head(model, 3)
    assert model.fc is head and head.weight.shape == (3, 512)
    lenet = models.lenet5()
    transfer.replace_head(lenet, 2)
    assert lenet.classifier[5].weight.shape == (2, 84)
    assert len(transfer.stages(models.vgg11(include_top=False))) == 5
    assert len(transfer.stages(models.googlenet())) == 9
    assert len(transfer.stages(models.mobilenet_v2())) == 19
    with pytest.raises(ValueError, match="no classifier head"):
        transfer.replace_head(models.resnet18(include_top=False), 2)


def test_keras_style_fit_leaves_the_frozen_backbone_alone():
    backbone = transfer.freeze(models.resnet18(in_channels=1, include_top=False, small_input=True))
    before = backbone.state_dict()
    model = dg.Model(models.TransferModel(backbone, num_classes=2, hidden=8))
    model.compile(optimizer="adam", loss=dg.nn.CrossEntropyLoss(), metrics=["accuracy"])
    x, y = blobs(16, "size", 3)
    history = model.fit(x.numpy(), y.numpy(), epochs=2, batch_size=8, verbose=0)
    assert len(history.history["loss"]) == 2
    after = backbone.state_dict()
    for key in before:
        np.testing.assert_array_equal(after[key], before[key], err_msg=key)
