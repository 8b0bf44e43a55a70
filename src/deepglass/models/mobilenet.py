"""MobileNetV2 (Sandler et al., 2018): inverted residual blocks of 1x1 expand, 3x3 depthwise, 1x1 project.

Attribute names mirror torchvision.models.mobilenet_v2 (features.0.0 stem conv, features.N.conv.M,
features.18 the 1x1 head conv, classifier.1), so its state dicts load unchanged. Depthwise convs are
Conv2d with groups=channels; activations are ReLU6; the projection has no activation ("linear bottleneck").
"""

from __future__ import annotations

from .. import nn
from .head import GlobalPool, check_top_options
from .weights import build

# expansion t, output channels c, repeats n, first stride s (the paper's Table 2)
INVERTED_RESIDUAL_SETTING = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1],
                             [6, 160, 3, 2], [6, 320, 1, 1]]  # fmt: skip


def make_divisible(value: float, divisor: int = 8) -> int:
    """Round a channel count to a multiple of `divisor`, never dropping more than 10% (torchvision's rule)."""
    new = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return new + divisor if new < 0.9 * value else new


def conv_bn_relu6(in_channels: int, out_channels: int, kernel_size: int = 3, stride: int = 1,
                  groups: int = 1) -> nn.Sequential:
    """torchvision's Conv2dNormActivation: conv (no bias, 'same' padding) -> BN -> ReLU6, as .0/.1/.2."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size, stride, (kernel_size - 1) // 2, groups=groups, bias=False),
        nn.BatchNorm2d(out_channels), nn.ReLU6(),
    )  # fmt: skip


class InvertedResidual(nn.Module):
    """Expand 1x1 (unless t=1), depthwise 3x3 with the stride, project 1x1 without activation; skip if shapes match."""

    def __init__(self, inp: int, oup: int, stride: int, expand_ratio: int):
        super().__init__()
        hidden = int(round(inp * expand_ratio))
        self.use_res_connect = stride == 1 and inp == oup
        layers: list[nn.Module] = [conv_bn_relu6(inp, hidden, kernel_size=1)] if expand_ratio != 1 else []
        layers += [conv_bn_relu6(hidden, hidden, stride=stride, groups=hidden),
                   nn.Conv2d(hidden, oup, 1, 1, 0, bias=False), nn.BatchNorm2d(oup)]  # fmt: skip
        self.conv = nn.Sequential(*layers)

    def forward(self, x):
        return x + self.conv(x) if self.use_res_connect else self.conv(x)


class MobileNetV2(nn.Module):
    """Stem, 17 inverted residual blocks, a 1x1 conv to 1280 channels, global average pool, dropout, Linear.

    Shape: (N, in_channels, H, W) -> (N, num_classes); 3,504,872 parameters at width 1.0 with 1000 classes.
    """

    head_name = "classifier.1"

    def __init__(self, num_classes: int = 1000, in_channels: int = 3, include_top: bool = True,
                 pooling: str | None = None, width_mult: float = 1.0, dropout: float = 0.2):
        super().__init__()
        check_top_options("MobileNetV2", include_top, pooling)
        self.include_top, self.pooling = include_top, pooling
        channels = make_divisible(32 * width_mult)
        self.num_features = make_divisible(1280 * max(1.0, width_mult))
        features: list[nn.Module] = [conv_bn_relu6(in_channels, channels, stride=2)]
        for t, c, n, s in INVERTED_RESIDUAL_SETTING:
            out = make_divisible(c * width_mult)
            for i in range(n):
                features.append(InvertedResidual(channels, out, s if i == 0 else 1, t))
                channels = out
        features.append(conv_bn_relu6(channels, self.num_features, kernel_size=1))
        self.features = nn.Sequential(*features)
        if include_top:
            self.avgpool = GlobalPool("avg")
            self.classifier = nn.Sequential(nn.Dropout(dropout), nn.Linear(self.num_features, num_classes))
        else:
            self.avgpool = GlobalPool(pooling) if pooling else None
        self._init_weights()

    def _init_weights(self) -> None:
        """torchvision's init: He-normal (fan_out) convs; Linear N(0, 0.01) with zero bias."""
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out")
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0.0, 0.01)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        x = self.features(x)
        if self.include_top:
            return self.classifier(self.avgpool(x))
        return x if self.avgpool is None else self.avgpool(x)


def mobilenet_v2(num_classes: int = 1000, in_channels: int = 3, include_top: bool = True,
                 pooling: str | None = None, width_mult: float = 1.0, weights=None) -> MobileNetV2:
    """MobileNetV2 at width `width_mult` (1.0 matches torchvision's pretrained weights)."""
    return build("mobilenet_v2", MobileNetV2(num_classes, in_channels, include_top, pooling, width_mult), weights)
