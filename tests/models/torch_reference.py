"""torchvision's classifiers rebuilt with plain torch.nn, with torchvision's exact module names.

torchvision will not install beside torch 2.13 here, so these builders stand in for it: the
state-dict keys, shapes, parameter counts and forward passes match torchvision.models exactly
(alexnet, vgg11/16(_bn), resnet18/34/50, googlenet without aux heads, mobilenet_v2).
`torch` is passed in so this module imports without PyTorch.
"""

from __future__ import annotations

VGG_CFGS = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
}


def alexnet(torch, num_classes: int = 1000):
    nn = torch.nn

    class AlexNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(
                nn.Conv2d(3, 64, 11, stride=4, padding=2), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2),
                nn.Conv2d(64, 192, 5, padding=2), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2),
                nn.Conv2d(192, 384, 3, padding=1), nn.ReLU(inplace=True),
                nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(inplace=True),
                nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2),
            )  # fmt: skip
            self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
            self.classifier = nn.Sequential(
                nn.Dropout(0.5), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(inplace=True),
                nn.Dropout(0.5), nn.Linear(4096, 4096), nn.ReLU(inplace=True), nn.Linear(4096, num_classes),
            )  # fmt: skip

        def forward(self, x):
            return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))

    return AlexNet()


def vgg(torch, cfg: str = "D", batch_norm: bool = False, num_classes: int = 1000):
    nn = torch.nn

    class VGG(nn.Module):
        def __init__(self):
            super().__init__()
            layers, c = [], 3
            for v in VGG_CFGS[cfg]:
                if v == "M":
                    layers.append(nn.MaxPool2d(2, 2))
                    continue
                layers.append(nn.Conv2d(c, v, 3, padding=1))
                if batch_norm:
                    layers.append(nn.BatchNorm2d(v))
                layers.append(nn.ReLU(inplace=True))
                c = v
            self.features = nn.Sequential(*layers)
            self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
            self.classifier = nn.Sequential(
                nn.Linear(512 * 7 * 7, 4096), nn.ReLU(True), nn.Dropout(0.5),
                nn.Linear(4096, 4096), nn.ReLU(True), nn.Dropout(0.5), nn.Linear(4096, num_classes),
            )  # fmt: skip

        def forward(self, x):
            return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))

    return VGG()


def resnet(torch, depth: int = 18, num_classes: int = 1000):
    nn = torch.nn

    class BasicBlock(nn.Module):
        expansion = 1

        def __init__(self, inplanes, planes, stride=1, downsample=None):
            super().__init__()
            self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(planes)
            self.relu = nn.ReLU(inplace=True)
            self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(planes)
            self.downsample = downsample

        def forward(self, x):
            identity = x if self.downsample is None else self.downsample(x)
            out = self.relu(self.bn1(self.conv1(x)))
            return self.relu(self.bn2(self.conv2(out)) + identity)

    class Bottleneck(nn.Module):
        expansion = 4

        def __init__(self, inplanes, planes, stride=1, downsample=None):
            super().__init__()
            self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(planes)
            self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(planes)
            self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
            self.bn3 = nn.BatchNorm2d(planes * 4)
            self.relu = nn.ReLU(inplace=True)
            self.downsample = downsample

        def forward(self, x):
            identity = x if self.downsample is None else self.downsample(x)
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.relu(self.bn2(self.conv2(out)))
            return self.relu(self.bn3(self.conv3(out)) + identity)

    block, layers = {18: (BasicBlock, [2, 2, 2, 2]), 34: (BasicBlock, [3, 4, 6, 3]),
                     50: (Bottleneck, [3, 4, 6, 3])}[depth]  # fmt: skip

    class ResNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.inplanes = 64
            self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
            self.bn1 = nn.BatchNorm2d(64)
            self.relu = nn.ReLU(inplace=True)
            self.maxpool = nn.MaxPool2d(3, 2, 1)
            self.layer1 = self._make_layer(64, layers[0])
            self.layer2 = self._make_layer(128, layers[1], 2)
            self.layer3 = self._make_layer(256, layers[2], 2)
            self.layer4 = self._make_layer(512, layers[3], 2)
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(512 * block.expansion, num_classes)

        def _make_layer(self, planes, blocks, stride=1):
            downsample = None
            if stride != 1 or self.inplanes != planes * block.expansion:
                downsample = nn.Sequential(
                    nn.Conv2d(self.inplanes, planes * block.expansion, 1, stride, bias=False),
                    nn.BatchNorm2d(planes * block.expansion),
                )
            out = [block(self.inplanes, planes, stride, downsample)]
            self.inplanes = planes * block.expansion
            out += [block(self.inplanes, planes) for _ in range(1, blocks)]
            return nn.Sequential(*out)

        def forward(self, x):
            x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
            x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
            return self.fc(torch.flatten(self.avgpool(x), 1))

    return ResNet()


def googlenet(torch, num_classes: int = 1000):
    """torchvision's GoogLeNet with aux_logits=False, transform_input=False (its 5x5 branch is a 3x3)."""
    nn = torch.nn

    class BasicConv2d(nn.Module):
        def __init__(self, cin, cout, **kw):
            super().__init__()
            self.conv = nn.Conv2d(cin, cout, bias=False, **kw)
            self.bn = nn.BatchNorm2d(cout, eps=0.001)

        def forward(self, x):
            return torch.relu(self.bn(self.conv(x)))

    class Inception(nn.Module):
        def __init__(self, cin, ch1, ch3red, ch3, ch5red, ch5, pool_proj):
            super().__init__()
            self.branch1 = BasicConv2d(cin, ch1, kernel_size=1)
            self.branch2 = nn.Sequential(BasicConv2d(cin, ch3red, kernel_size=1),
                                         BasicConv2d(ch3red, ch3, kernel_size=3, padding=1))  # fmt: skip
            self.branch3 = nn.Sequential(BasicConv2d(cin, ch5red, kernel_size=1),
                                         BasicConv2d(ch5red, ch5, kernel_size=3, padding=1))  # fmt: skip
            self.branch4 = nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1, ceil_mode=True),
                                         BasicConv2d(cin, pool_proj, kernel_size=1))  # fmt: skip

        def forward(self, x):
            return torch.cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], 1)

    class GoogLeNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = BasicConv2d(3, 64, kernel_size=7, stride=2, padding=3)
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
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.dropout = nn.Dropout(0.2)
            self.fc = nn.Linear(1024, num_classes)

        def forward(self, x):
            x = self.maxpool1(self.conv1(x))
            x = self.maxpool2(self.conv3(self.conv2(x)))
            x = self.maxpool3(self.inception3b(self.inception3a(x)))
            for name in ("inception4a", "inception4b", "inception4c", "inception4d", "inception4e"):
                x = getattr(self, name)(x)
            x = self.inception5b(self.inception5a(self.maxpool4(x)))
            return self.fc(self.dropout(torch.flatten(self.avgpool(x), 1)))

    return GoogLeNet()


def mobilenet_v2(torch, num_classes: int = 1000):
    nn = torch.nn

    def conv_bn_act(cin, cout, kernel_size=3, stride=1, groups=1):  # torchvision's Conv2dNormActivation
        pad = (kernel_size - 1) // 2
        return nn.Sequential(nn.Conv2d(cin, cout, kernel_size, stride, pad, groups=groups, bias=False),
                             nn.BatchNorm2d(cout), nn.ReLU6(inplace=True))  # fmt: skip

    class InvertedResidual(nn.Module):
        def __init__(self, inp, oup, stride, expand_ratio):
            super().__init__()
            hidden = int(round(inp * expand_ratio))
            self.use_res_connect = stride == 1 and inp == oup
            layers = [conv_bn_act(inp, hidden, kernel_size=1)] if expand_ratio != 1 else []
            layers += [conv_bn_act(hidden, hidden, stride=stride, groups=hidden),
                       nn.Conv2d(hidden, oup, 1, 1, 0, bias=False), nn.BatchNorm2d(oup)]  # fmt: skip
            self.conv = nn.Sequential(*layers)

        def forward(self, x):
            return x + self.conv(x) if self.use_res_connect else self.conv(x)

    settings = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2],
                [6, 320, 1, 1]]  # fmt: skip

    class MobileNetV2(nn.Module):
        def __init__(self):
            super().__init__()
            features, c = [conv_bn_act(3, 32, stride=2)], 32
            for t, out, n, s in settings:
                for i in range(n):
                    features.append(InvertedResidual(c, out, s if i == 0 else 1, t))
                    c = out
            features.append(conv_bn_act(c, 1280, kernel_size=1))
            self.features = nn.Sequential(*features)
            self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(1280, num_classes))

        def forward(self, x):
            x = nn.functional.adaptive_avg_pool2d(self.features(x), (1, 1))
            return self.classifier(torch.flatten(x, 1))

    return MobileNetV2()


BUILDERS = {
    "alexnet": alexnet,
    "vgg11": lambda torch, **kw: vgg(torch, "A", False, **kw),
    "vgg11_bn": lambda torch, **kw: vgg(torch, "A", True, **kw),
    "vgg16": lambda torch, **kw: vgg(torch, "D", False, **kw),
    "vgg16_bn": lambda torch, **kw: vgg(torch, "D", True, **kw),
    "resnet18": lambda torch, **kw: resnet(torch, 18, **kw),
    "resnet34": lambda torch, **kw: resnet(torch, 34, **kw),
    "resnet50": lambda torch, **kw: resnet(torch, 50, **kw),
    "googlenet": googlenet,
    "mobilenet_v2": mobilenet_v2,
}

# torchvision's published parameter counts (num_classes=1000).
TORCHVISION_PARAMS = {
    "alexnet": 61_100_840,
    "vgg11": 132_863_336,
    "vgg11_bn": 132_868_840,
    "vgg16": 138_357_544,
    "vgg16_bn": 138_365_992,
    "resnet18": 11_689_512,
    "resnet34": 21_797_672,
    "resnet50": 25_557_032,
    "googlenet": 6_624_904,
    "mobilenet_v2": 3_504_872,
}


def randomize(torch, model, seed: int = 0):
    """Give every BatchNorm random affine parameters and running statistics (so loading them is checked); eval()."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.copy_(torch.rand(m.weight.shape, generator=g) + 0.5)
                m.bias.copy_(torch.randn(m.bias.shape, generator=g) * 0.1)
                m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=g) * 0.1)
                m.running_var.copy_(torch.rand(m.running_var.shape, generator=g) + 0.5)
                m.num_batches_tracked.fill_(7)
    return model.eval()


def save_state(torch, model, path):
    """Save `model.state_dict()` as torch users do: .pth with torch.save, .safetensors with safetensors.torch."""
    state = model.state_dict()
    if str(path).endswith(".pth"):
        torch.save(state, path)
    else:
        from safetensors.torch import save_file

        save_file({k: v.contiguous() for k, v in state.items()}, str(path))
    return path


def logits(torch, model, x):
    """The torch model's output on NumPy input `x`, as NumPy."""
    with torch.no_grad():
        return model(torch.from_numpy(x)).numpy()
