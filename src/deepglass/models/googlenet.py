"""GoogLeNet / Inception v1 (Szegedy et al., 2014): blocks of parallel 1x1, 3x3, "5x5" and pool branches.

Attribute names mirror torchvision.models.googlenet (conv1.conv/bn, inception3a.branch2.1.conv, fc), so its
state dicts load unchanged. Like torchvision, the "5x5" branch uses a 3x3 kernel (its weights were trained
that way) and every conv is conv + BN(eps=0.001) + ReLU. The auxiliary classifiers are optional; torchvision's
pretrained file carries them, and weights.py drops them when the model has none.
"""

from __future__ import annotations

from .. import nn, ops
from .head import GlobalPool, check_top_options
from .weights import build


class BasicConv2d(nn.Module):
    """conv (no bias) -> BatchNorm(eps=0.001) -> ReLU."""

    def __init__(self, in_channels: int, out_channels: int, **kwargs):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, bias=False, **kwargs)
        self.bn = nn.BatchNorm2d(out_channels, eps=0.001)
        self.relu = nn.ReLU()

    def forward(self, x):
        return self.relu(self.bn(self.conv(x)))


class Inception(nn.Module):
    """Four branches joined on channels: ch1x1 + ch3x3 + ch5x5 + pool_proj output channels."""

    def __init__(self, in_channels: int, ch1x1: int, ch3x3red: int, ch3x3: int, ch5x5red: int, ch5x5: int,
                 pool_proj: int):
        super().__init__()
        self.branch1 = BasicConv2d(in_channels, ch1x1, kernel_size=1)
        self.branch2 = nn.Sequential(BasicConv2d(in_channels, ch3x3red, kernel_size=1),
                                     BasicConv2d(ch3x3red, ch3x3, kernel_size=3, padding=1))  # fmt: skip
        self.branch3 = nn.Sequential(BasicConv2d(in_channels, ch5x5red, kernel_size=1),
                                     BasicConv2d(ch5x5red, ch5x5, kernel_size=3, padding=1))  # fmt: skip
        self.branch4 = nn.Sequential(nn.MaxPool2d(kernel_size=3, stride=1, padding=1, ceil_mode=True),
                                     BasicConv2d(in_channels, pool_proj, kernel_size=1))  # fmt: skip

    def forward(self, x):
        return ops.cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], 1)


class InceptionAux(nn.Module):
    """The auxiliary classifier after inception4a/4d: 4x4 average pool, 1x1 conv, two Linear layers."""

    def __init__(self, in_channels: int, num_classes: int, dropout: float = 0.7):
        super().__init__()
        self.avgpool = nn.AdaptiveAvgPool2d((4, 4))
        self.conv = BasicConv2d(in_channels, 128, kernel_size=1)
        self.fc1 = nn.Linear(2048, 1024)
        self.fc2 = nn.Linear(1024, num_classes)
        self.relu = nn.ReLU()
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        x = self.conv(self.avgpool(x)).flatten(1)
        return self.fc2(self.dropout(self.relu(self.fc1(x))))


class GoogLeNet(nn.Module):
    """Stem, nine Inception blocks (3a-5b), global average pool, dropout, fc.

    Shape: (N, in_channels, H, W) -> (N, num_classes). With aux_logits, training-mode forward returns
    (logits, aux2, aux1) as torchvision does; in eval mode it returns the logits alone.
    transform_input=True maps ImageNet-normalized input to the (x - 0.5) / 0.5 scale torchvision's
    pretrained weights expect (weights.py sets it when loading them).
    """

    head_name = "fc"

    def __init__(self, num_classes: int = 1000, in_channels: int = 3, include_top: bool = True,
                 pooling: str | None = None, aux_logits: bool = False, transform_input: bool = False,
                 dropout: float = 0.2):
        super().__init__()
        check_top_options("GoogLeNet", include_top, pooling)
        self.include_top, self.pooling = include_top, pooling
        self.transform_input, self.aux_logits = transform_input, aux_logits and include_top
        self.conv1 = BasicConv2d(in_channels, 64, kernel_size=7, stride=2, padding=3)
        self.maxpool1 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.conv2 = BasicConv2d(64, 64, kernel_size=1)
        self.conv3 = BasicConv2d(64, 192, kernel_size=3, padding=1)
        self.maxpool2 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.inception3a = Inception(192, 64, 96, 128, 16, 32, 32)
        self.inception3b = Inception(256, 128, 128, 192, 32, 96, 64)
        self.maxpool3 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.inception4a = Inception(480, 192, 96, 208, 16, 48, 64)
        self.inception4b = Inception(512, 160, 112, 224, 24, 64, 64)
        self.inception4c = Inception(512, 128, 128, 256, 24, 64, 64)
        self.inception4d = Inception(512, 112, 144, 288, 32, 64, 64)
        self.inception4e = Inception(528, 256, 160, 320, 32, 128, 128)
        self.maxpool4 = nn.MaxPool2d(2, stride=2, ceil_mode=True)
        self.inception5a = Inception(832, 256, 160, 320, 32, 128, 128)
        self.inception5b = Inception(832, 384, 192, 384, 48, 128, 128)
        self.num_features = 1024
        self.aux1 = InceptionAux(512, num_classes) if self.aux_logits else None
        self.aux2 = InceptionAux(528, num_classes) if self.aux_logits else None
        if include_top:
            self.avgpool = GlobalPool("avg")
            self.dropout = nn.Dropout(dropout)
            self.fc = nn.Linear(1024, num_classes)
        else:
            self.avgpool = GlobalPool(pooling) if pooling else None

    def _transform_input(self, x):
        """ImageNet mean/std normalization -> torchvision's pretrained GoogLeNet scale, per channel."""
        mean, std = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
        channels = [x[:, c : c + 1] * (std[c] / 0.5) + (mean[c] - 0.5) / 0.5 for c in range(3)]
        return ops.cat(channels, 1)

    def forward_features(self, x, aux: list | None = None):
        """The last feature map: (N, C, H, W) -> (N, 1024, H/32, W/32). Collects aux logits into `aux`."""
        if self.transform_input:
            x = self._transform_input(x)
        x = self.maxpool1(self.conv1(x))
        x = self.maxpool2(self.conv3(self.conv2(x)))
        x = self.maxpool3(self.inception3b(self.inception3a(x)))
        x = self.inception4a(x)
        if aux is not None:
            aux.append(self.aux1(x))
        x = self.inception4d(self.inception4c(self.inception4b(x)))
        if aux is not None:
            aux.append(self.aux2(x))
        x = self.maxpool4(self.inception4e(x))
        return self.inception5b(self.inception5a(x))

    def forward(self, x):
        aux = [] if (self.aux_logits and self.training) else None
        x = self.forward_features(x, aux)
        if not self.include_top:
            return x if self.avgpool is None else self.avgpool(x)
        logits = self.fc(self.dropout(self.avgpool(x)))
        return (logits, aux[1], aux[0]) if aux is not None else logits


def googlenet(num_classes: int = 1000, in_channels: int = 3, include_top: bool = True, pooling: str | None = None,
              aux_logits: bool = False, transform_input: bool | None = None, weights=None) -> GoogLeNet:
    """GoogLeNet (Inception v1): 6,624,904 parameters with the 1000-class top and no aux classifiers.

    transform_input defaults to True only for weights='imagenet' (torchvision's pretrained weights need it).
    """
    if transform_input is None:
        transform_input = weights == "imagenet"
    model = GoogLeNet(num_classes, in_channels, include_top, pooling, aux_logits, transform_input)
    return build("googlenet", model, weights)
