"""VGG-11/16 (Simonyan & Zisserman, 2014), with or without batch norm: stacks of 3x3 convs and max-pools.

Attribute names mirror torchvision.models.vgg (features.N, classifier.0/3/6), so its state dicts load
unchanged. The 7x7 adaptive average pool lets any input of at least 32x32 reach the 25,088-wide classifier.
"""

from __future__ import annotations

from .. import nn
from .head import GlobalPool, check_top_options
from .weights import build

CFGS = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],  # VGG-11
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],  # VGG-16
}


def make_layers(cfg: list, batch_norm: bool = False, in_channels: int = 3) -> nn.Sequential:
    """The conv body: each number is a 3x3 conv (+ BN) + ReLU with that many channels, 'M' a 2x2 max-pool."""
    layers: list[nn.Module] = []
    for v in cfg:
        if v == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            continue
        layers.append(nn.Conv2d(in_channels, v, kernel_size=3, padding=1))
        if batch_norm:
            layers.append(nn.BatchNorm2d(v))
        layers.append(nn.ReLU())
        in_channels = v
    return nn.Sequential(*layers)


class VGG(nn.Module):
    """features -> 7x7 average pool -> 4096 -> 4096 -> num_classes. Shape: (N, C, H, W) -> (N, num_classes)."""

    head_name = "classifier.6"

    def __init__(self, cfg: str = "D", batch_norm: bool = False, num_classes: int = 1000, in_channels: int = 3,
                 include_top: bool = True, pooling: str | None = None, dropout: float = 0.5):
        super().__init__()
        check_top_options(type(self).__name__, include_top, pooling)
        self.include_top, self.pooling = include_top, pooling
        self.features = make_layers(CFGS[cfg], batch_norm, in_channels)
        self.num_features = 512
        if include_top:
            self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
            self.classifier = nn.Sequential(
                nn.Linear(512 * 7 * 7, 4096), nn.ReLU(), nn.Dropout(dropout),
                nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(dropout), nn.Linear(4096, num_classes),
            )  # fmt: skip
        else:
            self.avgpool = GlobalPool(pooling) if pooling else None
        self._init_weights()

    def _init_weights(self) -> None:
        """torchvision's init: He-normal (fan_out) convs with zero bias; Linear N(0, 0.01) with zero bias."""
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0.0, 0.01)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        x = self.features(x)
        if self.include_top:
            return self.classifier(self.avgpool(x).flatten(1))
        return x if self.avgpool is None else self.avgpool(x)


def _vgg(arch: str, cfg: str, batch_norm: bool, num_classes, in_channels, include_top, pooling, weights) -> VGG:
    return build(arch, VGG(cfg, batch_norm, num_classes, in_channels, include_top, pooling), weights)


def vgg11(num_classes: int = 1000, in_channels: int = 3, include_top: bool = True, pooling: str | None = None,
          weights=None) -> VGG:
    """VGG-11 (configuration A): 132,863,336 parameters with the 1000-class top."""
    return _vgg("vgg11", "A", False, num_classes, in_channels, include_top, pooling, weights)


def vgg11_bn(num_classes: int = 1000, in_channels: int = 3, include_top: bool = True,
             pooling: str | None = None, weights=None) -> VGG:
    """VGG-11 with batch norm after every conv: 132,868,840 parameters."""
    return _vgg("vgg11_bn", "A", True, num_classes, in_channels, include_top, pooling, weights)


def vgg16(num_classes: int = 1000, in_channels: int = 3, include_top: bool = True, pooling: str | None = None,
          weights=None) -> VGG:
    """VGG-16 (configuration D): 138,357,544 parameters with the 1000-class top."""
    return _vgg("vgg16", "D", False, num_classes, in_channels, include_top, pooling, weights)


def vgg16_bn(num_classes: int = 1000, in_channels: int = 3, include_top: bool = True,
             pooling: str | None = None, weights=None) -> VGG:
    """VGG-16 with batch norm after every conv: 138,365,992 parameters."""
    return _vgg("vgg16_bn", "D", True, num_classes, in_channels, include_top, pooling, weights)
