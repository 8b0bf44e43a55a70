"""Shapes, options and parameter counts of the zoo models, without PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass import models


def run(model, *shape):
    model.eval()
    with dg.no_grad():
        return model(dg.randn(*shape))


def test_lenet5_has_the_classic_61706_parameters_and_accepts_28_and_32():
    assert models.lenet5().num_parameters() == 61_706
    assert run(models.lenet5(), 2, 1, 28, 28).shape == (2, 10)
    assert run(models.lenet5(input_size=32, activation="relu", pool="max"), 2, 1, 32, 32).shape == (2, 10)
    assert run(models.lenet5(include_top=False, pooling="avg"), 2, 1, 28, 28).shape == (2, 16)


@pytest.mark.parametrize("pooling, shape", [(None, (2, 512, 1, 1)), ("avg", (2, 512)), ("max", (2, 512))])
def test_resnet_small_input_headless_options(pooling, shape):
    model = models.resnet18(in_channels=1, include_top=False, pooling=pooling, small_input=True)
    assert run(model, 2, 1, 8, 8).shape == shape  # 8x8 -> 1x1 after three stride-2 stages
    assert not any(k.startswith("fc.") for k in model.state_dict())


def test_resnet_small_input_keeps_resolution_in_the_stem():
    model = models.resnet18(num_classes=2, in_channels=1, small_input=True)
    assert model.conv1.weight.shape == (64, 1, 3, 3) and model.maxpool is None
    assert run(model, 2, 1, 28, 28).shape == (2, 2)
    assert model.forward_features(dg.randn(1, 1, 28, 28)).shape == (1, 512, 4, 4)
    # 11,689,512 - 3*64*49 (7x7 RGB stem) + 1*64*9 (3x3 gray stem) - 1000-way fc + 2-way fc
    assert model.num_parameters() == 11_689_512 - 3 * 64 * 49 + 64 * 9 - 513_000 + 1026


def test_resnet50_bottleneck_structure():
    model = models.resnet50(include_top=False)
    block = model.layer2[0]
    assert block.conv2.stride in ((2, 2), 2) and block.downsample is not None
    assert model.num_features == 2048 and model.layer1[1].downsample is None


def test_global_max_pooling_is_the_max_over_the_map():
    model = models.resnet18(include_top=False, small_input=True)
    x = dg.randn(2, 3, 16, 16)
    with dg.no_grad():
        fmap = model.eval()(x).numpy()
        model.avgpool = models.GlobalPool("max")
        np.testing.assert_allclose(model(x).numpy(), fmap.max(axis=(2, 3)), rtol=1e-6)


def test_mobilenet_v2_blocks_and_headless_width():
    model = models.mobilenet_v2(include_top=False, pooling="avg")
    assert len(model.features) == 19 and model.features[1].use_res_connect is False
    assert model.features[3].use_res_connect is True  # 24 -> 24 channels, stride 1
    assert run(model, 1, 3, 32, 32).shape == (1, 1280)


def test_googlenet_aux_heads_in_training_only():
    model = models.googlenet(num_classes=5, aux_logits=True)
    x = dg.randn(1, 3, 64, 64)
    logits, aux2, aux1 = model.train()(x)
    assert logits.shape == aux1.shape == aux2.shape == (1, 5)
    assert run(model, 1, 3, 64, 64).shape == (1, 5)


def test_vgg_and_alexnet_headless():
    assert run(models.vgg11(include_top=False), 1, 3, 32, 32).shape == (1, 512, 1, 1)
    assert run(models.alexnet(include_top=False, pooling="avg", in_channels=1), 1, 1, 63, 63).shape == (1, 256)


def test_unknown_pooling_is_refused_with_the_model_name():
    with pytest.raises(ValueError, match="ResNet.*pooling"):
        models.resnet18(include_top=False, pooling="sum")


@pytest.mark.parametrize("bilinear", [False, True])
def test_unet_shapes_and_input_check(bilinear):
    model = models.unet(in_channels=3, num_classes=4, depth=3, base_channels=4, bilinear=bilinear)
    assert run(model, 2, 3, 16, 24).shape == (2, 4, 16, 24)
    with pytest.raises(ValueError, match="divisible by 8"):
        model(dg.randn(1, 3, 20, 16))


def test_unet_default_size_matches_the_paper_layout():
    # the 2015 layout (64..1024 channels, 4 levels) with BN and transposed convs: 31,036,481 parameters (1 class)
    assert models.unet(in_channels=1, num_classes=1).num_parameters() == 31_036_481
