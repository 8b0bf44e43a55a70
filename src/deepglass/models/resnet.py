"""ResNet-18/34/50 (He et al., 2015): residual blocks with skip connections and batch norm.

Attribute names mirror torchvision.models.resnet, so a torchvision state dict loads unchanged
(conv1, bn1, layer1.0.conv1, layer2.0.downsample.0/1, fc). `small_input=True` swaps the 7x7 stride-2
stem and its max-pool for one 3x3 stride-1 conv, the usual variant for 28x28 (MedMNIST) or 32x32
(CIFAR) images, where the original stem would shrink the image 4x before the first block.
"""

from __future__ import annotations

from .. import nn
from .head import GlobalPool, check_top_options
from .weights import build


def conv3x3(in_planes: int, out_planes: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=1, bias=False)


def conv1x1(in_planes: int, out_planes: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False)


class BasicBlock(nn.Module):
    """Two 3x3 convs plus the input: relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))."""

    expansion = 1

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: nn.Module | None = None):
        super().__init__()
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU()
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample  # 1x1 conv + BN when the shape changes, else the identity

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.bn2(self.conv2(out)) + identity)


class Bottleneck(nn.Module):
    """1x1 reduce, 3x3 (carries the stride, as torchvision's v1.5), 1x1 expand by 4, plus the input."""

    expansion = 4

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: nn.Module | None = None):
        super().__init__()
        self.conv1 = conv1x1(inplanes, planes)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = conv3x3(planes, planes, stride)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = conv1x1(planes, planes * self.expansion)
        self.bn3 = nn.BatchNorm2d(planes * self.expansion)
        self.relu = nn.ReLU()
        self.downsample = downsample

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        return self.relu(self.bn3(self.conv3(out)) + identity)


class ResNet(nn.Module):
    """A stem, four stages of residual blocks (64, 128, 256, 512 planes), global average pool, fc.

    Shape: (N, in_channels, H, W) -> (N, num_classes) with the top; see `models.head` without it.
    """

    head_name = "fc"  # the classifier layer transfer.replace_head swaps

    def __init__(self, block: type, layers: list[int], num_classes: int = 1000, in_channels: int = 3,
                 include_top: bool = True, pooling: str | None = None, small_input: bool = False):
        super().__init__()
        check_top_options(type(self).__name__, include_top, pooling)
        self.include_top, self.pooling, self.small_input = include_top, pooling, small_input
        self.inplanes = 64
        if small_input:
            self.conv1 = nn.Conv2d(in_channels, 64, kernel_size=3, stride=1, padding=1, bias=False)
        else:
            self.conv1 = nn.Conv2d(in_channels, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU()
        self.maxpool = None if small_input else nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, 64, layers[0])
        self.layer2 = self._make_layer(block, 128, layers[1], stride=2)
        self.layer3 = self._make_layer(block, 256, layers[2], stride=2)
        self.layer4 = self._make_layer(block, 512, layers[3], stride=2)
        self.num_features = 512 * block.expansion
        if include_top:
            self.avgpool = GlobalPool("avg")
            self.fc = nn.Linear(self.num_features, num_classes)
        else:
            self.avgpool = GlobalPool(pooling) if pooling else None
        self._init_weights()

    def _make_layer(self, block: type, planes: int, blocks: int, stride: int = 1) -> nn.Sequential:
        downsample = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(conv1x1(self.inplanes, planes * block.expansion, stride),
                                       nn.BatchNorm2d(planes * block.expansion))  # fmt: skip
        layers = [block(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes * block.expansion
        layers += [block(self.inplanes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def _init_weights(self) -> None:
        """torchvision's init: He-normal (fan_out) convs; BN weight 1, bias 0."""
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward_features(self, x):
        """The last feature map: (N, C, H, W) -> (N, 512 * expansion, H/32, W/32) (H/8 with small_input)."""
        x = self.relu(self.bn1(self.conv1(x)))
        if self.maxpool is not None:
            x = self.maxpool(x)
        return self.layer4(self.layer3(self.layer2(self.layer1(x))))

    def forward(self, x):
        x = self.forward_features(x)
        if self.include_top:
            return self.fc(self.avgpool(x))
        return x if self.avgpool is None else self.avgpool(x)


def _resnet(arch: str, block: type, layers: list[int], num_classes, in_channels, include_top, pooling, small_input,
            weights) -> ResNet:
    return build(arch, ResNet(block, layers, num_classes, in_channels, include_top, pooling, small_input), weights)


def resnet18(num_classes: int = 1000, in_channels: int = 3, include_top: bool = True, pooling: str | None = None,
             small_input: bool = False, weights=None) -> ResNet:
    """ResNet-18: BasicBlocks [2, 2, 2, 2]; 11,689,512 parameters with the 1000-class top.

    `weights`: None (random), 'imagenet' (downloaded), or a .safetensors/.pth path (see models.weights).
    """
    return _resnet("resnet18", BasicBlock, [2, 2, 2, 2], num_classes, in_channels, include_top, pooling, small_input,
                   weights)


def resnet34(num_classes: int = 1000, in_channels: int = 3, include_top: bool = True, pooling: str | None = None,
             small_input: bool = False, weights=None) -> ResNet:
    """ResNet-34: BasicBlocks [3, 4, 6, 3]; 21,797,672 parameters with the 1000-class top."""
    return _resnet("resnet34", BasicBlock, [3, 4, 6, 3], num_classes, in_channels, include_top, pooling, small_input,
                   weights)


def resnet50(num_classes: int = 1000, in_channels: int = 3, include_top: bool = True, pooling: str | None = None,
             small_input: bool = False, weights=None) -> ResNet:
    """ResNet-50: Bottlenecks [3, 4, 6, 3]; 25,557,032 parameters with the 1000-class top."""
    return _resnet("resnet50", Bottleneck, [3, 4, 6, 3], num_classes, in_channels, include_top, pooling, small_input,
                   weights)
