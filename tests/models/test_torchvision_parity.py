"""torchvision weights (random, saved by torch as .safetensors and .pth) load into the zoo and give the same logits.

The torchvision models are rebuilt with plain torch.nn in torch_reference.py (torchvision does not install
beside torch 2.13), with its exact module names; parameter counts are checked against torchvision's.
"""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass import models

from . import torch_reference as ref

# architecture -> (input size, formats); small inputs keep the suite fast, each still exercises every layer
CASES = {
    "resnet18": (64, (".safetensors", ".pth")),
    "resnet34": (32, (".safetensors",)),
    "resnet50": (64, (".safetensors", ".pth")),
    "mobilenet_v2": (64, (".safetensors", ".pth")),
    "googlenet": (64, (".safetensors", ".pth")),
    "alexnet": (64, (".safetensors",)),
    "vgg11": (32, (".safetensors",)),
    "vgg16_bn": (32, (".pth",)),
}


@pytest.mark.parametrize("arch", list(ref.TORCHVISION_PARAMS))
def test_parameter_count_equals_torchvision(arch, torch):
    model = getattr(models, arch)()
    assert model.num_parameters() == ref.TORCHVISION_PARAMS[arch]
    assert sum(p.numel() for p in ref.BUILDERS[arch](torch).parameters()) == ref.TORCHVISION_PARAMS[arch]


@pytest.mark.parametrize("arch", ["resnet18", "resnet50", "mobilenet_v2", "googlenet", "alexnet", "vgg11_bn"])
def test_state_dict_keys_and_shapes_equal_torchvision(arch, torch):
    ours = {k: v.shape for k, v in getattr(models, arch)().state_dict().items()}
    theirs = {k: tuple(v.shape) for k, v in ref.BUILDERS[arch](torch).state_dict().items()}
    theirs = {k: v for k, v in theirs.items() if not k.endswith("num_batches_tracked") or k in ours}
    assert ours == theirs


@pytest.mark.parametrize("arch", list(CASES))
def test_torchvision_weights_give_the_same_logits(arch, torch, tmp_path):
    size, formats = CASES[arch]
    torch.manual_seed(0)
    net = ref.randomize(torch, ref.BUILDERS[arch](torch))
    x = np.random.default_rng(0).standard_normal((2, 3, size, size)).astype(np.float32)
    expected = ref.logits(torch, net, x)
    for fmt in formats:
        path = ref.save_state(torch, net, tmp_path / f"{arch}{fmt}")
        model = getattr(models, arch)(weights=path).eval()
        with dg.no_grad():
            got = model(dg.tensor(x)).numpy()
        assert got.shape == (2, 1000)
        np.testing.assert_allclose(got, expected, atol=1e-4, rtol=0, err_msg=f"{arch} from {fmt}")
        assert np.abs(expected).max() > 1e-2  # the comparison is not between two near-zero outputs


@pytest.mark.slow
def test_resnet18_at_224_and_headless_features(torch, tmp_path):
    """Full-size input, and include_top=False returning exactly torch's feature map / pooled features."""
    net = ref.randomize(torch, ref.BUILDERS["resnet18"](torch))
    path = ref.save_state(torch, net, tmp_path / "r18.safetensors")
    x = np.random.default_rng(1).standard_normal((1, 3, 224, 224)).astype(np.float32)
    model = models.resnet18(weights=path).eval()
    with dg.no_grad():
        np.testing.assert_allclose(model(dg.tensor(x)).numpy(), ref.logits(torch, net, x), atol=1e-4, rtol=0)
    with torch.no_grad():
        t = torch.from_numpy(x)
        t = net.maxpool(net.relu(net.bn1(net.conv1(t))))
        fmap = net.layer4(net.layer3(net.layer2(net.layer1(t)))).numpy()
    headless = models.resnet18(weights=path, include_top=False).eval()
    pooled = models.resnet18(weights=path, include_top=False, pooling="avg").eval()
    with dg.no_grad():
        np.testing.assert_allclose(headless(dg.tensor(x)).numpy(), fmap, atol=1e-4, rtol=0)
        np.testing.assert_allclose(pooled(dg.tensor(x)).numpy(), fmap.mean(axis=(2, 3)), atol=1e-4, rtol=0)
