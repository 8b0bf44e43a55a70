"""LeNet-5 (LeCun et al., 1998): two conv + pool stages and three fully connected layers.

The classic layout on 32x32 digits: conv 5x5 (6) -> pool -> conv 5x5 (16) -> pool -> 120 -> 84 -> 10,
61,706 parameters. For 28x28 MNIST the first conv pads by 2, which gives the same 32x32 geometry.
The 1998 network used tanh and average pooling; activation='relu' / pool='max' is the modern variant.
"""

from __future__ import annotations

from .. import nn
from .head import GlobalPool, check_top_options


class LeNet5(nn.Module):
    """Shape: (N, in_channels, 28 or 32, same) -> (N, num_classes)."""

    head_name = "classifier.5"

    def __init__(self, num_classes: int = 10, in_channels: int = 1, input_size: int = 28, activation: str = "tanh",
                 pool: str = "avg", include_top: bool = True, pooling: str | None = None):
        super().__init__()
        check_top_options("LeNet5", include_top, pooling)
        if input_size not in (28, 32):
            raise ValueError(f"LeNet5: input_size must be 28 or 32, got {input_size}")
        if activation not in ("tanh", "relu") or pool not in ("avg", "max"):
            raise ValueError(f"LeNet5: activation must be 'tanh' or 'relu' and pool 'avg' or 'max', "
                             f"got {activation!r}, {pool!r}")
        self.include_top, self.pooling = include_top, pooling
        act = nn.Tanh if activation == "tanh" else nn.ReLU
        pool_layer = nn.AvgPool2d if pool == "avg" else nn.MaxPool2d
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 6, kernel_size=5, padding=2 if input_size == 28 else 0), act(), pool_layer(2, 2),
            nn.Conv2d(6, 16, kernel_size=5), act(), pool_layer(2, 2),
        )  # fmt: skip
        self.num_features = 16
        if include_top:
            self.classifier = nn.Sequential(
                nn.Flatten(), nn.Linear(16 * 5 * 5, 120), act(), nn.Linear(120, 84), act(), nn.Linear(84, num_classes)
            )
        else:
            self.avgpool = GlobalPool(pooling) if pooling else None

    def forward(self, x):
        x = self.features(x)
        if self.include_top:
            return self.classifier(x)
        return x if self.avgpool is None else self.avgpool(x)


def lenet5(num_classes: int = 10, in_channels: int = 1, input_size: int = 28, activation: str = "tanh",
           pool: str = "avg", include_top: bool = True, pooling: str | None = None) -> LeNet5:
    """LeNet-5 for 28x28 (padded) or 32x32 inputs; 61,706 parameters with 10 classes."""
    return LeNet5(num_classes, in_channels, input_size, activation, pool, include_top, pooling)
