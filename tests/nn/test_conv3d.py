"""Conv3d and ConvTranspose3d: PyTorch parity over a sweep of configurations, both GEMM layouts (depth slabs of
one sample, several samples per block), float64 gradcheck, default init, errors, and a tiny 3-D CNN that trains."""

from __future__ import annotations

import math

import numpy as np
import pytest

import deepglass as dg
from deepglass import nn
from deepglass.nn import functional as F

from .layercheck import check_layer


def _close(ours, theirs, what: str, rtol: float = 1e-5) -> None:
    """Within rtol of the largest entry (weight and bias gradients are sums of many terms)."""
    theirs = np.asarray(theirs)
    scale = float(np.abs(theirs).max()) if theirs.size else 0.0
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=rtol * scale + 1e-7, err_msg=what)


def _parity(torch, op, torch_op, x, w, b, **kwargs) -> None:
    """Forward, input, weight and bias gradients of `op` equal `torch_op`'s (float32)."""
    xd, wd = dg.tensor(x, requires_grad=True), dg.tensor(w, requires_grad=True)
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    bd = None if b is None else dg.tensor(b, requires_grad=True)
    bt = None if b is None else torch.tensor(b, requires_grad=True)
    y, yt = op(xd, wd, bd, **kwargs), torch_op(xt, wt, bt, **kwargs)
    assert y.shape == tuple(yt.shape), (kwargs, y.shape, tuple(yt.shape))
    _close(y.numpy(), yt.detach().numpy(), f"forward {kwargs}")
    g = np.random.default_rng(1).standard_normal(yt.shape).astype(np.float32)
    y.backward(dg.tensor(g))
    yt.backward(torch.tensor(g))
    _close(xd.grad.numpy(), xt.grad.numpy(), f"input grad {kwargs}")
    _close(wd.grad.numpy(), wt.grad.numpy(), f"weight grad {kwargs}")
    if b is not None:
        _close(bd.grad.numpy(), bt.grad.numpy(), f"bias grad {kwargs}")


def _random_configs(count: int, seed: int = 0) -> list[dict]:
    rng = np.random.default_rng(seed)
    configs = []
    while len(configs) < count:
        groups = int(rng.choice([1, 1, 2, 3]))
        kernel = tuple(int(k) for k in rng.integers(1, 4, 3))
        dilation = tuple(int(d) for d in rng.integers(1, 3, 3))
        if rng.random() < 0.3:
            stride, padding = 1, "same"
        else:
            stride = tuple(int(s) for s in rng.integers(1, 3, 3))
            padding = tuple(int(rng.integers(0, k)) for k in kernel)  # up to k − 1 per axis
        configs.append(dict(c_in=groups * int(rng.integers(1, 4)), c_out=groups * int(rng.integers(1, 4)),
                            kernel=kernel, stride=stride, padding=padding, dilation=dilation, groups=groups,
                            bias=bool(rng.random() < 0.7), batch=int(rng.integers(1, 4)),
                            size=tuple(int(n) for n in rng.integers(5, 9, 3))))
    return configs


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("cfg", _random_configs(24), ids=lambda c: f"k{c['kernel']}s{c['stride']}p{c['padding']}"
                         f"d{c['dilation']}g{c['groups']}")
def test_conv3d_matches_torch_over_random_configs(torch, cfg):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((cfg["batch"], cfg["c_in"], *cfg["size"])).astype(np.float32)
    w = rng.standard_normal((cfg["c_out"], cfg["c_in"] // cfg["groups"], *cfg["kernel"])).astype(np.float32)
    b = rng.standard_normal(cfg["c_out"]).astype(np.float32) if cfg["bias"] else None
    _parity(torch, F.conv3d, torch.nn.functional.conv3d, x, w, b, stride=cfg["stride"], padding=cfg["padding"],
            dilation=cfg["dilation"], groups=cfg["groups"])


@pytest.mark.parametrize("shape, kwargs", [
    ((1, 8, 18, 17, 19), dict(padding=1)),  # one sample's columns exceed the block budget: depth slabs
    ((2, 8, 20, 18, 18), dict(stride=2, dilation=(2, 1, 1), groups=2)),
    ((9, 6, 4, 3, 5), dict(padding=1)),  # tiny volumes: several samples per GEMM
])
def test_conv3d_layouts_match_torch(torch, shape, kwargs):
    rng = np.random.default_rng(3)
    x = rng.standard_normal(shape).astype(np.float32)
    w = rng.standard_normal((10, shape[1] // kwargs.get("groups", 1), 3, 3, 3)).astype(np.float32)
    b = rng.standard_normal(10).astype(np.float32)
    _parity(torch, F.conv3d, torch.nn.functional.conv3d, x, w, b, **kwargs)


@pytest.mark.parametrize("kwargs", [
    dict(), dict(stride=2), dict(stride=2, padding=1, output_padding=1), dict(stride=(2, 1, 3), padding=(1, 0, 1),
                                                                               output_padding=(1, 0, 2)),
    dict(groups=2, dilation=2), dict(stride=1, dilation=2, output_padding=1),  # output_padding < dilation
    dict(stride=3, padding=2, dilation=(1, 2, 1), groups=2, output_padding=(2, 1, 0)),
])
@pytest.mark.parametrize("bias", [True, False])
def test_conv_transpose3d_matches_torch(torch, kwargs, bias):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 4, 4, 5, 3)).astype(np.float32)
    w = rng.standard_normal((4, 6 // kwargs.get("groups", 1), 3, 2, 3)).astype(np.float32)
    b = rng.standard_normal(6).astype(np.float32) if bias else None
    _parity(torch, F.conv_transpose3d, torch.nn.functional.conv_transpose3d, x, w, b, **kwargs)


def test_conv3d_and_transpose_float64_gradcheck():
    rng = np.random.default_rng(5)
    x = dg.tensor(rng.standard_normal((2, 2, 4, 3, 4)), requires_grad=True)
    w = dg.tensor(rng.standard_normal((4, 1, 2, 3, 2)), requires_grad=True)
    b = dg.tensor(rng.standard_normal(4), requires_grad=True)
    assert dg.gradcheck(lambda x, w, b: F.conv3d(x, w, b, stride=(1, 2, 1), padding=1, dilation=(2, 1, 1), groups=2),
                        x, w, b)
    wt = dg.tensor(rng.standard_normal((2, 3, 2, 2, 3)), requires_grad=True)
    bt = dg.tensor(rng.standard_normal(3), requires_grad=True)
    assert dg.gradcheck(lambda x, w, b: F.conv_transpose3d(x, w, b, stride=2, padding=(0, 1, 1), output_padding=1),
                        x, wt, bt)


def test_conv3d_layers_check_and_match_torch_modules(torch):
    x = np.random.default_rng(6).standard_normal((2, 4, 6, 5, 7)).astype(np.float32)
    layer = nn.Conv3d(4, 6, 3, stride=(1, 2, 1), padding=1, groups=2)
    check_layer(layer, dg.tensor(x), (2, 6, 6, 3, 7), num_params=6 * 2 * 27 + 6)
    up = nn.ConvTranspose3d(4, 3, 2, stride=2)
    check_layer(up, dg.tensor(x), (2, 3, 12, 10, 14), num_params=4 * 3 * 8 + 3)
    assert up(dg.tensor(x), output_size=(13, 11, 15)).shape == (2, 3, 13, 11, 15)
    for ours, theirs in ((nn.Conv3d(4, 6, (1, 2, 3), padding="same", bias=False),
                          torch.nn.Conv3d(4, 6, (1, 2, 3), padding="same", bias=False)),
                         (nn.ConvTranspose3d(4, 6, 3, stride=2, padding=1, output_padding=1),
                          torch.nn.ConvTranspose3d(4, 6, 3, stride=2, padding=1, output_padding=1))):
        if not isinstance(ours.padding, str):  # (deepglass quotes a string padding: padding='same')
            assert repr(ours) == repr(theirs)
        ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
        _close(ours(dg.tensor(x)).numpy(), theirs(torch.tensor(x)).detach().numpy(), repr(ours))


@pytest.mark.parametrize("make, torch_make", [
    (lambda: nn.Conv3d(8, 16, (3, 2, 3), groups=2), lambda t: t.nn.Conv3d(8, 16, (3, 2, 3), groups=2)),
    (lambda: nn.ConvTranspose3d(8, 16, 3), lambda t: t.nn.ConvTranspose3d(8, 16, 3)),
])
def test_conv3d_default_init_matches_torch(torch, make, torch_make):
    ours, theirs = make(), torch_make(torch)
    assert ours.weight.shape == tuple(theirs.weight.shape) and ours.bias.shape == tuple(theirs.bias.shape)
    bound = 1 / math.sqrt(theirs.weight.shape[1] * math.prod(theirs.weight.shape[2:]))
    weight, bias = ours.weight.numpy(), ours.bias.numpy()
    assert np.abs(weight).max() <= bound and np.abs(bias).max() <= bound
    assert np.abs(weight).max() > 0.95 * bound and abs(weight.std() - bound / math.sqrt(3)) < 0.05 * bound


def test_conv3d_errors():
    with pytest.raises(ValueError, match=r"Conv3d: expected input \(N, C, D, H, W\) with C=3"):
        nn.Conv3d(3, 4, 3)(dg.randn(2, 3, 8, 8))
    with pytest.raises(ValueError, match="padding='same' needs stride 1"):
        F.conv3d(dg.randn(1, 2, 5, 5, 5), dg.randn(3, 2, 3, 3, 3), stride=2, padding="same")
    with pytest.raises(ValueError, match="smaller than the dilated kernel"):
        F.conv3d(dg.randn(1, 2, 2, 5, 5), dg.randn(3, 2, 3, 3, 3))
    with pytest.raises(ValueError, match="output_padding"):
        F.conv_transpose3d(dg.randn(1, 2, 3, 3, 3), dg.randn(2, 3, 3, 3, 3), stride=2, output_padding=2)


def test_tiny_3d_cnn_trains_on_random_volumes():
    dg.manual_seed(0)
    rng = np.random.default_rng(7)
    x = rng.standard_normal((16, 1, 8, 8, 8)).astype(np.float32)
    y = (x[:, 0, :4].mean(axis=(1, 2, 3)) > x[:, 0, 4:].mean(axis=(1, 2, 3))).astype(np.int64)
    model = nn.Sequential(nn.Conv3d(1, 4, 3, padding=1), nn.BatchNorm3d(4), nn.ReLU(), nn.MaxPool3d(2),
                          nn.Conv3d(4, 8, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool3d(1), nn.Flatten(),
                          nn.Linear(8, 2))
    opt = dg.optim.Adam(model.parameters(), lr=0.02)
    losses = []
    for _ in range(40):
        loss = nn.functional.cross_entropy(model(dg.tensor(x)), dg.tensor(y))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.6 * losses[0], losses


# ---- the wide layout (stride 1): depth-shifted GEMMs, the input gradient as a correlation with the flipped kernel
@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("cfg", _random_configs(24, seed=11), ids=lambda c: f"k{c['kernel']}s{c['stride']}"
                         f"p{c['padding']}d{c['dilation']}g{c['groups']}")
def test_conv3d_wide_layout_matches_torch_over_random_configs(torch, monkeypatch, cfg):
    """Every stride-1 configuration forced onto the wide path, however short its rows."""
    from deepglass.ops import conv3d as conv3d_ops

    monkeypatch.setattr(conv3d_ops, "WIDE_MAX_COLUMNS", 1e9)
    test_conv3d_matches_torch_over_random_configs(torch, cfg)


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("shape, kernel, kwargs", [
    ((1, 8, 18, 17, 19), 3, dict(padding=1)),  # one sample over the block budget: depth slabs
    ((6, 4, 6, 7, 12), 3, dict(padding=1)),  # small volumes: several samples per block
    ((2, 6, 9, 8, 16), (2, 3, 4), dict(padding="same", dilation=(2, 1, 1), groups=3)),  # asymmetric padding
    ((2, 4, 7, 6, 14), 3, dict(padding=(0, 1, 2), dilation=(1, 2, 1))),
    ((2, 4, 6, 6, 12), 2, dict(padding=2)),  # padding beyond the kernel: gx by col2vol, not a correlation
])
def test_conv3d_wide_paths_match_torch(torch, shape, kernel, kwargs):
    rng = np.random.default_rng(12)
    kernel = (kernel,) * 3 if isinstance(kernel, int) else kernel
    x = rng.standard_normal(shape).astype(np.float32)
    w = rng.standard_normal((6, shape[1] // kwargs.get("groups", 1), *kernel)).astype(np.float32)
    b = rng.standard_normal(6).astype(np.float32)
    _parity(torch, F.conv3d, torch.nn.functional.conv3d, x, w, b, **kwargs)


def test_conv3d_wide_weight_gradient_alone_and_gradcheck(torch):
    """A first layer (input without gradient) takes the wide weight-gradient path on its own."""
    rng = np.random.default_rng(13)
    x = rng.standard_normal((3, 2, 5, 6, 12)).astype(np.float32)
    w = rng.standard_normal((4, 2, 3, 3, 3)).astype(np.float32)
    wd, wt = dg.tensor(w, requires_grad=True), torch.tensor(w, requires_grad=True)
    F.conv3d(dg.tensor(x), wd, padding=1).sum().backward()
    torch.nn.functional.conv3d(torch.tensor(x), wt, padding=1).sum().backward()
    _close(wd.grad.numpy(), wt.grad.numpy(), "weight grad alone")
    xd = dg.tensor(rng.standard_normal((2, 2, 4, 3, 12)), requires_grad=True)
    wd = dg.tensor(rng.standard_normal((4, 1, 2, 2, 3)), requires_grad=True)
    bd = dg.tensor(rng.standard_normal(4), requires_grad=True)
    assert dg.gradcheck(lambda x, w, b: F.conv3d(x, w, b, padding=(1, 0, 1), dilation=(1, 2, 1), groups=2), xd, wd, bd)
