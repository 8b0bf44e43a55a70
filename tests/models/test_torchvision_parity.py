"""torchvision weights (random, saved by torch as .safetensors and .pth) load into the zoo and give the same logits.

The torchvision models are rebuilt with plain torch.nn in torch_reference.py (torchvision does not install
beside torch 2.13; test_torch_reference.py checks them against torchvision where it does). Loading is
strict, so every key and shape must match; parameter counts are checked against torchvision's.
"""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass import models

from . import torch_reference as ref

# architecture -> (input size, file formats); small inputs keep the suite fast and still reach every layer
CASES = {
    "resnet18": (32, (".safetensors", ".pth")),
    "resnet34": (32, (".safetensors",)),
    "resnet50": (32, (".pth",)),
    "mobilenet_v2": (32, (".safetensors",)),
    "googlenet": (32, (".safetensors",)),
    "alexnet": (64, (".safetensors",)),  # the smallest input AlexNet accepts is 63x63
}


def check_logits(torch, arch: str, size: int, formats, tmp_path, batch: int = 2):
    """Save random torch weights in each format, load them into the zoo model, compare logits; return the model."""
    torch.manual_seed(0)
    net = ref.randomize(torch, ref.BUILDERS[arch](torch))
    x = np.random.default_rng(0).standard_normal((batch, 3, size, size)).astype(np.float32)
    expected = ref.logits(torch, net, x)
    assert np.abs(expected).max() > 1e-2  # not a comparison of two near-zero outputs
    for fmt in formats:
        model = getattr(models, arch)(weights=ref.save_state(torch, net, tmp_path / f"{arch}{fmt}")).eval()
        with dg.no_grad():
            got = model(dg.tensor(x)).numpy()
        np.testing.assert_allclose(got, expected, atol=1e-4, rtol=0, err_msg=f"{arch} loaded from {fmt}")
    return model


@pytest.mark.parametrize("arch", list(CASES))
def test_torchvision_weights_give_the_same_logits(arch, torch, tmp_path):
    model = check_logits(torch, arch, *CASES[arch], tmp_path)
    assert model.num_parameters() == ref.TORCHVISION_PARAMS[arch]


@pytest.mark.slow
def test_vgg_logits_and_parameter_counts(torch, tmp_path):
    """VGG-16-BN end to end (one 32x32 image); the other VGGs share its classifier, so their counts are exact too."""
    model = check_logits(torch, "vgg16_bn", 32, (".pth",), tmp_path, batch=1)
    assert model.num_parameters() == ref.TORCHVISION_PARAMS["vgg16_bn"]
    classifier = model.classifier.num_parameters()
    for arch in ("vgg11", "vgg11_bn", "vgg16", "vgg16_bn"):
        features = getattr(models, arch)(include_top=False).num_parameters()
        assert features + classifier == ref.TORCHVISION_PARAMS[arch], arch


def test_resnet18_at_224_and_headless_features(torch, tmp_path):
    """Full-size input, and include_top=False returning exactly torch's feature map / pooled features."""
    net = ref.randomize(torch, ref.BUILDERS["resnet18"](torch))
    path = ref.save_state(torch, net, tmp_path / "r18.safetensors")
    x = np.random.default_rng(1).standard_normal((1, 3, 224, 224)).astype(np.float32)
    with torch.no_grad():
        t = net.maxpool(net.relu(net.bn1(net.conv1(torch.from_numpy(x)))))
        fmap = net.layer4(net.layer3(net.layer2(net.layer1(t))))
        expected = net.fc(torch.flatten(net.avgpool(fmap), 1)).numpy()
        fmap = fmap.numpy()
    with dg.no_grad():
        np.testing.assert_allclose(models.resnet18(weights=path).eval()(dg.tensor(x)).numpy(), expected, atol=1e-4,
                                   rtol=0)
        headless = models.resnet18(weights=path, include_top=False).eval()(dg.tensor(x)).numpy()
        pooled = models.resnet18(weights=path, include_top=False, pooling="avg").eval()(dg.tensor(x)).numpy()
    assert headless.shape == (1, 512, 7, 7)
    np.testing.assert_allclose(headless, fmap, atol=1e-4, rtol=0)
    np.testing.assert_allclose(pooled, fmap.mean(axis=(2, 3)), atol=1e-4, rtol=0)
