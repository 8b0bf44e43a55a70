"""Fast runs of the model-zoo examples (PneumoniaMNIST ResNet, cat-vs-non-cat transfer, U-Net shapes)."""

from __future__ import annotations

import pytest
from _examples import load_example


def test_resnet_pneumonia_fast(shared_data, capsys):
    result = load_example("resnet_pneumonia").main(["--data", str(shared_data / "medmnist"), "--fast"])
    assert 0.0 <= result["test_acc"] <= 1.0 and 0.0 <= result["test_auc"] <= 1.0
    assert "test ROC AUC" in capsys.readouterr().out


def test_transfer_learning_catvnoncat_fast(shared_data):
    result = load_example("transfer_learning_catvnoncat").main(["--data", str(shared_data), "--fast"])
    assert result["frozen_unchanged"]  # training the head never touched the frozen backbone
    assert 0.0 <= result["tuned_acc"] <= 1.0


def test_unet_shapes_fast(tmp_path):
    pytest.importorskip("matplotlib")
    plot = tmp_path / "unet.png"
    result = load_example("unet_shapes").main(["--epochs", "1", "--train", "64", "--plot", str(plot)])
    assert 0.0 <= result["dice"] <= 1.0 and plot.stat().st_size > 0
