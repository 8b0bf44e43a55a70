"""summary(): output shapes, parameter counts equal PyTorch's, and the (W−F+2P)/S+1 arithmetic."""

from __future__ import annotations

import deepglass as dg
from deepglass import nn
from deepglass.keras import Sequential
from deepglass.keras.layers import (
    Activation,
    BatchNormalization,
    Conv2D,
    Dense,
    Dropout,
    GlobalAveragePooling2D,
    MaxPooling2D,
)
from deepglass.training.summary import summarize


def _course_cnn():
    return Sequential([
        Conv2D(32, (3, 3), input_shape=(28, 28, 1)), BatchNormalization(momentum=0.95), Activation("relu"),
        MaxPooling2D((2, 2)), Conv2D(64, (3, 3), strides=2, padding="same"), BatchNormalization(momentum=0.95),
        Activation("relu"), GlobalAveragePooling2D(), Dense(128, activation="relu"), Dropout(0.5),
        Dense(10, activation="softmax"),
    ])  # fmt: skip


def test_parameter_counts_equal_pytorch(torch):
    tn = torch.nn
    reference = tn.Sequential(
        tn.Conv2d(1, 32, 3), tn.BatchNorm2d(32), tn.ReLU(), tn.MaxPool2d(2), tn.Conv2d(32, 64, 3, 2, 1),
        tn.BatchNorm2d(64), tn.ReLU(), tn.AdaptiveAvgPool2d(1), tn.Flatten(), tn.Linear(64, 128), tn.ReLU(),
        tn.Dropout(0.5), tn.Linear(128, 10),
    )  # fmt: skip
    expected = sum(p.numel() for p in reference.parameters())
    _, totals = summarize(_course_cnn())
    assert totals["total"] == totals["trainable"] == expected
    assert totals["buffers"] == sum(b.numel() for name, b in reference.named_buffers() if "running" in name)
    module = nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.BatchNorm2d(32), nn.ReLU(), nn.Flatten(), nn.Linear(32 * 26 * 26, 10)
    )
    ref = tn.Sequential(tn.Conv2d(1, 32, 3), tn.BatchNorm2d(32), tn.ReLU(), tn.Flatten(), tn.Linear(32 * 26 * 26, 10))
    assert summarize(module, input_shape=(1, 28, 28))[1]["total"] == sum(p.numel() for p in ref.parameters())


def test_summary_text_shapes_and_arithmetic():
    lines = []
    dg.keras.clear_session()  # automatic names restart at 'conv2d', 'dense', ...
    model = _course_cnn()
    model.layers[0].trainable = False
    model.summary(show_arithmetic=True, print_fn=lines.append)
    text = lines[0]
    assert "conv2d (Conv2D)" in text and "(None, 26, 26, 32)" in text and "(None, 7, 7, 64)" in text
    assert "(28−3+2·0)/1+1 = 26" in text and "(26−2+2·0)/2+1 = 13" in text
    assert "(None, 10)" in text and "Non-trainable params: 320" in text
    rows = [line for line in text.splitlines() if line.startswith("dense ")]
    assert rows and rows[0].rstrip().endswith("8,320")


def test_summary_of_a_plain_module_needs_a_shape_or_sample():
    model = dg.Model(nn.Sequential(nn.Conv2d(3, 8, 5, stride=2, padding=1), nn.MaxPool2d(2)))
    lines = []
    model.summary(input_shape=(3, 32, 32), show_arithmetic=True, print_fn=lines.append)
    assert "(None, 8, 15, 15)" in lines[0] and "(32−5+2·1)/2+1 = 15" in lines[0] and "(15−2+2·0)/2+1 = 7" in lines[0]
    lines.clear()
    model.summary(sample=dg.zeros(2, 3, 16, 16), print_fn=lines.append)
    assert "(2, 8, 7, 7)" in lines[0]
