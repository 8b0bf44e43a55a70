"""Conv1d, Conv2d, ConvTranspose1d/2d, LazyConv2d: shapes, parameter counts, PyTorch parity, default init."""

from __future__ import annotations

import math

import numpy as np
import pytest

import deepglass as dg
from deepglass import nn

from .layercheck import check_layer, check_torch_parity

# Weight and bias gradients are sums over batch and pixels: float32 summation order alone moves near-zero
# entries by ~1e-6, so the parity checks use atol=1e-5 beside rtol=1e-5 (gradients here are of order 1-40).


def test_course_numbers_alexnet_layer1_and_pool():
    conv = nn.Conv2d(3, 96, 11, stride=4, padding=3)
    y = conv(dg.randn(1, 3, 224, 224))
    assert y.shape == (1, 96, 55, 55)
    assert nn.MaxPool2d(3, 2)(y).shape == (1, 96, 27, 27)


def test_course_numbers_parameter_count():
    assert nn.Conv2d(3, 6, 5).num_parameters() == 456  # 6 · (5·5·3) weights + 6 biases


@pytest.mark.parametrize("kwargs", [dict(), dict(stride=2, padding=1), dict(padding="same", dilation=2),
                                    dict(groups=2, bias=False), dict(padding="valid", stride=(2, 1))])
def test_conv2d_layer(torch, kwargs):
    layer = nn.Conv2d(4, 6, 3, **kwargs)
    x = np.random.default_rng(0).standard_normal((2, 4, 9, 8)).astype(np.float32)
    y = check_layer(layer, dg.tensor(x), tuple(torch.nn.Conv2d(4, 6, 3, **kwargs)(torch.tensor(x)).shape),
                    num_params=6 * (4 // kwargs.get("groups", 1)) * 9 + (6 if kwargs.get("bias", True) else 0))
    assert y.dtype == np.float32
    check_torch_parity(torch, nn.Conv2d(4, 6, 3, **kwargs), torch.nn.Conv2d(4, 6, 3, **kwargs), x,
                       atol=1e-5)  # bias grads are sums of ~150 terms: float32 order noise ~1e-6


def test_conv1d_layer(torch):
    layer = nn.Conv1d(3, 5, 4, stride=2, padding=1)
    x = np.random.default_rng(1).standard_normal((2, 3, 15)).astype(np.float32)
    check_layer(layer, dg.tensor(x), (2, 5, 7), num_params=5 * 3 * 4 + 5)
    check_torch_parity(torch, nn.Conv1d(3, 5, 4, stride=2, padding=1, dilation=1),
                       torch.nn.Conv1d(3, 5, 4, stride=2, padding=1), x, atol=1e-5)


def test_conv_transpose2d_layer(torch):
    kwargs = dict(stride=2, padding=1, output_padding=1, groups=2, dilation=1)
    layer = nn.ConvTranspose2d(4, 6, 3, **kwargs)
    x = np.random.default_rng(2).standard_normal((2, 4, 5, 4)).astype(np.float32)
    check_layer(layer, dg.tensor(x), (2, 6, 10, 8), num_params=4 * 3 * 9 + 6)
    check_torch_parity(torch, nn.ConvTranspose2d(4, 6, 3, **kwargs), torch.nn.ConvTranspose2d(4, 6, 3, **kwargs), x,
                       atol=1e-5)


def test_conv_transpose2d_output_size_picks_output_padding(torch):
    layer = nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1)
    x = dg.randn(1, 2, 4, 4)
    assert layer(x).shape == (1, 3, 7, 7)
    assert layer(x, output_size=(8, 8)).shape == (1, 3, 8, 8)
    assert layer(x, output_size=(1, 3, 8, 7)).shape == (1, 3, 8, 7)


@pytest.mark.parametrize("kwargs", [dict(), dict(stride=2, padding=1, output_padding=1, groups=2),
                                    dict(stride=3, dilation=2, output_padding=2, bias=False)])
def test_conv_transpose1d_layer(torch, kwargs):
    x = np.random.default_rng(3).standard_normal((2, 4, 7)).astype(np.float32)
    layer, torch_layer = nn.ConvTranspose1d(4, 6, 3, **kwargs), torch.nn.ConvTranspose1d(4, 6, 3, **kwargs)
    out_shape = tuple(torch_layer(torch.tensor(x)).shape)
    check_layer(layer, dg.tensor(x), out_shape, num_params=sum(p.numel() for p in torch_layer.parameters()))
    check_torch_parity(torch, nn.ConvTranspose1d(4, 6, 3, **kwargs), torch_layer, x, atol=1e-5)
    assert repr(layer) == repr(torch_layer)
    target = out_shape[2] - kwargs.get("output_padding", 0)  # output_size overrides output_padding
    assert layer(dg.tensor(x), output_size=(target,)).shape == (2, 6, target)
    xd = dg.tensor(x[:1, :, :4].astype(np.float64), requires_grad=True)
    dg.gradcheck(nn.ConvTranspose1d(4, 6, 3, **kwargs, dtype=np.float64), xd)


def test_conv_transpose2d_undoes_conv2d_shape():
    x = dg.randn(1, 3, 16, 16)
    down = nn.Conv2d(3, 8, 4, stride=2, padding=1)
    up = nn.ConvTranspose2d(8, 3, 4, stride=2, padding=1)
    assert up(down(x)).shape == x.shape


@pytest.mark.parametrize("make, torch_make", [
    (lambda: nn.Conv2d(8, 16, (3, 5), groups=2), lambda t: t.nn.Conv2d(8, 16, (3, 5), groups=2)),
    (lambda: nn.ConvTranspose2d(8, 16, 3), lambda t: t.nn.ConvTranspose2d(8, 16, 3)),
    (lambda: nn.Conv1d(8, 16, 7), lambda t: t.nn.Conv1d(8, 16, 7)),
    (lambda: nn.ConvTranspose1d(8, 16, 7, groups=2), lambda t: t.nn.ConvTranspose1d(8, 16, 7, groups=2)),
])
def test_default_init_matches_torch(torch, make, torch_make):
    """Weights ~ U(±1/√fan_in) (kaiming_uniform with a=√5) and bias ~ U(±1/√fan_in), with PyTorch's fan_in."""
    ours, theirs = make(), torch_make(torch)
    assert ours.weight.shape == tuple(theirs.weight.shape) and ours.bias.shape == tuple(theirs.bias.shape)
    fan_in = theirs.weight.shape[1] * math.prod(theirs.weight.shape[2:])
    bound = 1 / math.sqrt(fan_in)
    weight, bias = ours.weight.numpy(), ours.bias.numpy()
    assert np.abs(weight).max() <= bound and np.abs(bias).max() <= bound
    assert np.abs(weight).max() > 0.95 * bound and np.abs(bias).max() > 0.5 * bound  # the whole interval is used
    assert abs(weight.std() - bound / math.sqrt(3)) < 0.05 * bound  # the std of U(-b, b) is b/√3
    assert abs(ours.weight.numpy().std() - theirs.weight.detach().numpy().std()) < 0.05 * bound


def test_lazy_conv2d_infers_in_channels(torch):
    layer = nn.LazyConv2d(6, 3, padding=1)
    weight = layer.weight
    assert layer.has_uninitialized_params() and repr(weight) == "<UninitializedParameter>"
    y = layer(dg.randn(2, 5, 8, 8))
    assert y.shape == (2, 6, 8, 8) and layer.in_channels == 5 and type(layer) is nn.Conv2d
    assert layer.weight is weight and weight.shape == (6, 5, 3, 3)  # the same Parameter, filled in place
    assert np.abs(weight.numpy()).max() <= 1 / math.sqrt(5 * 9)
    x = np.random.default_rng(3).standard_normal((2, 5, 8, 8)).astype(np.float32)
    check_torch_parity(torch, layer, torch.nn.Conv2d(5, 6, 3, padding=1), x, atol=1e-5)


def test_lazy_conv2d_loads_a_state_dict_before_its_first_call():
    source = nn.Conv2d(4, 6, 3, groups=2)
    layer = nn.LazyConv2d(6, 3, groups=2)
    layer.load_state_dict(source.state_dict())
    assert not layer.has_uninitialized_params()
    x = dg.randn(2, 4, 7, 7)
    np.testing.assert_array_equal(layer(x).numpy(), source(x).numpy())
    assert type(layer) is nn.Conv2d and layer.in_channels == 4
    with pytest.raises(ValueError, match="not divisible by groups=2"):
        nn.LazyConv2d(6, 3, groups=2)(dg.randn(1, 3, 5, 5))


def test_conv_layer_errors():
    with pytest.raises(ValueError, match="divisible by groups"):
        nn.Conv2d(3, 6, 3, groups=2)
    with pytest.raises(ValueError, match="padding_mode='zeros'"):
        nn.Conv2d(3, 6, 3, padding_mode="reflect")
    with pytest.raises(ValueError, match=r"Conv2d: expected input \(N, C, H, W\) with C=3, got shape \(2, 4, 8, 8\)"):
        nn.Conv2d(3, 6, 3)(dg.randn(2, 4, 8, 8))


def test_conv2d_repr():
    text = repr(nn.Conv2d(3, 8, 3, stride=2, padding=1, groups=1, bias=False))
    assert text == "Conv2d(3, 8, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), bias=False)"


def test_conv2d_float64_gradcheck():
    layer = nn.Conv2d(2, 3, 3, padding=1).double()
    x = dg.tensor(np.random.default_rng(4).standard_normal((1, 2, 5, 5)), dtype=dg.float64, requires_grad=True)
    assert dg.gradcheck(lambda x, w, b: dg.nn.functional.conv2d(x, w, b, padding=1), x, layer.weight, layer.bias)
