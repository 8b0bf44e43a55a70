"""AlexNet (Krizhevsky et al., 2012) in torchvision's single-tower form (features.N, classifier.1/4/6).

Five convs with ReLU and overlapping 3x3 max-pools, a 6x6 adaptive average pool, then two 4096-wide
dropout layers. The smallest input it accepts is 63x63 (the three stride-2 pools need a 3x3 map).
"""

from __future__ import annotations

from .. import nn
from .head import GlobalPool, check_top_options
from .weights import build


class AlexNet(nn.Module):
    """Shape: (N, in_channels, H, W) -> (N, num_classes); 61,100,840 parameters with the 1000-class top."""

    head_name = "classifier.6"

    def __init__(self, num_classes: int = 1000, in_channels: int = 3, include_top: bool = True,
                 pooling: str | None = None, dropout: float = 0.5):
        super().__init__()
        check_top_options("AlexNet", include_top, pooling)
        self.include_top, self.pooling = include_top, pooling
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 64, kernel_size=11, stride=4, padding=2), nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(64, 192, kernel_size=5, padding=2), nn.ReLU(), nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(192, 384, kernel_size=3, padding=1), nn.ReLU(),
            nn.Conv2d(384, 256, kernel_size=3, padding=1), nn.ReLU(),
            nn.Conv2d(256, 256, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(kernel_size=3, stride=2),
        )  # fmt: skip
        self.num_features = 256
        if include_top:
            self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
            self.classifier = nn.Sequential(
                nn.Dropout(dropout), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(),
                nn.Dropout(dropout), nn.Linear(4096, 4096), nn.ReLU(), nn.Linear(4096, num_classes),
            )  # fmt: skip
        else:
            self.avgpool = GlobalPool(pooling) if pooling else None

    def forward(self, x):
        x = self.features(x)
        if self.include_top:
            return self.classifier(self.avgpool(x).flatten(1))
        return x if self.avgpool is None else self.avgpool(x)


def alexnet(num_classes: int = 1000, in_channels: int = 3, include_top: bool = True,
            pooling: str | None = None, weights=None) -> AlexNet:
    """AlexNet as in torchvision (one GPU tower, 64-192-384-256-256 channels)."""
    return build("alexnet", AlexNet(num_classes, in_channels, include_top, pooling), weights)
