"""The Winograd F(2×2, 3×3) path of conv2d: exact against the GEMM path, PyTorch and gradcheck, and taken where
it should be."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass.ops import conv as conv_module
from deepglass.ops import winograd
from deepglass.ops.conv import conv2d
from deepglass.ops.im2col import Geometry

from .test_conv_ops import run_both


@pytest.fixture
def everywhere(monkeypatch):
    """Winograd for every 3×3 stride-1 convolution, however few channels and pixels (small test sizes)."""
    monkeypatch.setattr(winograd, "MIN_CHANNELS", 1)
    monkeypatch.setattr(winograd, "MIN_TILES", 1)


def _gemm_only(monkeypatch):
    monkeypatch.setattr(winograd, "MIN_CHANNELS", 10**9)


PADDINGS = [(0, 0, 0, 0), (1, 1, 1, 1), (2, 2, 2, 2), (0, 1, 2, 1), (2, 0, 1, 0)]


@pytest.mark.parametrize("pads", PADDINGS)
@pytest.mark.parametrize("h, w", [(3, 3), (4, 7), (9, 6), (8, 8)])
def test_all_three_passes_equal_the_gemm_path_in_float64(pads, h, w, monkeypatch):
    """Forward, input, weight and bias gradients, odd and even sizes, every padding 0-2 per side (asymmetric too)."""
    rng = np.random.default_rng(h * 10 + w)
    geom = Geometry(3, 3, 1, 1, 1, 1, *pads)
    x, W, b = rng.standard_normal((3, 5, h, w)), rng.standard_normal((4, 5, 3, 3)), rng.standard_normal(4)
    gy = rng.standard_normal((3, 4, *geom.out_size(h, w)))
    _gemm_only(monkeypatch)
    expected = [conv_module._conv_forward(x, W, b, geom, 1), *conv_module._conv_backward(x, W, gy, geom, 1,
                                                                                       (True, True, True))]
    got = [winograd.conv_forward(x, W, b, geom), *winograd.conv_backward(x, W, gy, geom, True, True, True)]
    for name, a, e in zip(["forward", "gx", "gW", "gb"], got, expected):
        assert a.shape == e.shape and a.dtype == e.dtype, name
        np.testing.assert_allclose(a, e, rtol=1e-11, atol=1e-11, err_msg=name)


@pytest.mark.parametrize("seed", range(16))
def test_matches_torch_sweep(torch, seed, everywhere):
    """float32 against PyTorch within 1e-5 of the largest value, like every conv2d configuration."""
    rng = np.random.default_rng(500 + seed)
    n, c_in, c_out = (int(v) for v in rng.integers(1, 6, 3))
    h, w = (int(v) for v in rng.integers(3, 14, 2))
    padding = ["same", "valid", 0, 1, 2, (1, 2), (0, 1)][seed % 7]
    x = rng.standard_normal((n, c_in, h, w)).astype(np.float32)
    W = rng.standard_normal((c_out, c_in, 3, 3)).astype(np.float32)
    b = rng.standard_normal(c_out).astype(np.float32) if seed % 2 else None
    run_both(torch, lambda x, W, b: conv2d(x, W, b, padding=padding),
             lambda x, W, b: torch.nn.functional.conv2d(x, W, b, padding=padding), [x, W, b], rng)


def test_matches_torch_at_the_library_thresholds(torch):
    """The course CNN's second layer (32→64 channels, 26×26) and a ResNet 'same' layer, without forcing anything."""
    rng = np.random.default_rng(2)
    for shape, c_out, pad in [((4, 32, 26, 26), 64, 0), ((2, 64, 16, 16), 64, 1)]:
        x = rng.standard_normal(shape).astype(np.float32)
        W = (rng.standard_normal((c_out, shape[1], 3, 3)) / np.sqrt(9 * shape[1])).astype(np.float32)
        b = rng.standard_normal(c_out).astype(np.float32)
        run_both(torch, lambda x, W, b, pad=pad: conv2d(x, W, b, padding=pad),
                 lambda x, W, b, pad=pad: torch.nn.functional.conv2d(x, W, b, padding=pad), [x, W, b], rng)


@pytest.mark.parametrize("padding", [0, 1, 2])
def test_gradcheck_float64(padding, everywhere):
    rng = np.random.default_rng(padding)
    x = dg.tensor(rng.standard_normal((2, 3, 5, 6)), dtype=dg.float64, requires_grad=True)
    W = dg.tensor(rng.standard_normal((2, 3, 3, 3)), dtype=dg.float64, requires_grad=True)
    b = dg.tensor(rng.standard_normal(2), dtype=dg.float64, requires_grad=True)
    assert dg.gradcheck(lambda x, W, b: conv2d(x, W, b, padding=padding), x, W, b)


def test_only_the_gradients_asked_for_are_computed(everywhere):
    rng = np.random.default_rng(4)
    x, W = rng.standard_normal((2, 3, 6, 6)), rng.standard_normal((4, 3, 3, 3))
    gy = rng.standard_normal((2, 4, 4, 4))
    geom = Geometry(3, 3)
    gx, gW, gb = conv_module._conv_backward(x, W, gy, geom, 1, (True, False, True))
    assert gW is None and gx.shape == x.shape
    np.testing.assert_allclose(gb, gy.sum(axis=(0, 2, 3)), rtol=1e-12)
    gx, gW, gb = conv_module._conv_backward(x, W, gy, geom, 1, (False, True, False))
    assert gx is None and gb is None and gW.shape == W.shape


def test_where_it_applies():
    """3×3, stride 1, no dilation, one group, padding ≤ 2, ≥ MIN_CHANNELS each side, ≥ MIN_TILES 2×2 tiles in the
    batch, float32/64 NumPy."""
    def applies(geom=None, groups=1, shape=(64, 32, 3, 3), n=128, out=(24, 24), dtype=np.float32):
        return winograd.applies(np.zeros(shape, dtype), geom or Geometry(3, 3), groups, n, out)
    assert applies() and applies(dtype=np.float64)  # the course CNN's Conv2d(32, 64, 3) on 26×26
    assert not applies(shape=(32, 1, 3, 3))  # its first layer: one input channel
    assert not applies(Geometry(3, 3, 2, 2))  # strided
    assert not applies(Geometry(3, 3, 1, 1, 2, 2))  # dilated
    assert not applies(groups=2)
    assert not applies(Geometry(3, 3, 1, 1, 1, 1, 3, 3, 3, 3))  # padding past the kernel
    assert not applies(Geometry(5, 5))
    assert applies(shape=(512, 512, 3, 3), n=64, out=(4, 4))  # 256 tiles: a ResNet's last stage in training
    assert not applies(shape=(512, 512, 3, 3), n=8, out=(7, 7))  # 128 tiles: the GEMMs would stream the filters
    assert not applies(dtype=np.float16)  # NumPy has no float16 BLAS
    # 1024 filters on one 32×32 image: filter tiles (16·C·Cout) bigger than the layer's im2col matrix (9·C·pixels)
    assert not applies(shape=(1024, 64, 3, 3), n=1, out=(32, 32))
    assert applies(shape=(512, 64, 3, 3), n=1, out=(32, 32))


def test_the_course_cnn_takes_the_winograd_path(monkeypatch):
    """Conv2d(32, 64, 3) of the course CNN goes through Winograd forward and backward; Conv2d(1, 32, 3) does not."""
    calls = []
    for name in ("conv_forward", "conv_backward"):
        original = getattr(winograd, name)
        monkeypatch.setattr(winograd, name, lambda *a, _f=original, _n=name, **k: calls.append(_n) or _f(*a, **k))
    model = dg.nn.Sequential(dg.nn.Conv2d(1, 32, 3), dg.nn.ReLU(), dg.nn.Conv2d(32, 64, 3))
    model(dg.randn(2, 1, 28, 28)).sum().backward()
    assert calls == ["conv_forward", "conv_backward"]


def test_results_do_not_depend_on_timing():
    """Blocks spread over the threads, weight-gradient parts added in block order: bit-identical reruns."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((16, 16, 14, 14)).astype(np.float32)
    gy = rng.standard_normal((16, 16, 12, 12)).astype(np.float32)
    W = rng.standard_normal((16, 16, 3, 3)).astype(np.float32)
    runs = [winograd.conv_backward(x, W, gy, Geometry(3, 3), True, True, True) for _ in range(3)]
    for run in runs[1:]:
        assert all(np.array_equal(a, b) for a, b in zip(run, runs[0]))


def test_strided_views_in_give_the_contiguous_results(everywhere):
    """A channels-last batch seen as NCHW (what the Keras layers pass), a transposed weight and a strided
    gradient: the same numbers as contiguous copies."""
    rng = np.random.default_rng(6)
    x_nhwc, W_t = rng.standard_normal((3, 9, 8, 5)), rng.standard_normal((3, 3, 5, 4))
    gy_big = rng.standard_normal((3, 4, 9, 16))
    views = (x_nhwc.transpose(0, 3, 1, 2), W_t.transpose(3, 2, 0, 1), gy_big[..., ::2])
    geom = Geometry(3, 3, 1, 1, 1, 1, 1, 1, 1, 1)
    results = []
    for x, W, gy in (views, [np.ascontiguousarray(a) for a in views]):
        results.append([winograd.conv_forward(x, W, None, geom), *winograd.conv_backward(x, W, gy, geom, True,
                                                                                          True, True)])
    assert not views[0].flags.c_contiguous and not views[2].flags.c_contiguous
    for a, e in zip(*results):
        np.testing.assert_allclose(a, e, rtol=1e-12, atol=1e-12)


def test_copies_that_dodge_cache_aliasing_change_only_the_speed(monkeypatch):
    """32×32 float32 planes (4 KB apart) and 16×16 float64 ones (2 KB) are copied with padded planes before
    going channels-last (`unaliased`); all three passes give exactly the results of the direct copies, and
    smaller channel counts or unaliased sizes are passed through untouched."""
    from deepglass.ops import im2col

    rng = np.random.default_rng(7)
    aliased = rng.standard_normal((2, 64, 32, 32)).astype(np.float32)
    copy = im2col.unaliased(aliased)
    assert copy is not aliased and copy.strides[1] % 1024 and np.array_equal(copy, aliased)
    for untouched in (aliased[:, :8], rng.standard_normal((2, 64, 30, 30)), aliased[..., ::2]):
        assert im2col.unaliased(untouched) is untouched

    geom = Geometry(3, 3, 1, 1, 1, 1, 1, 1, 1, 1)
    x, W, gy = (rng.standard_normal(s) for s in ((2, 24, 16, 16), (20, 24, 3, 3), (2, 20, 16, 16)))
    copies, results = [], []
    for stage in (lambda a: a, lambda a: copies.append(im2col.unaliased(a) is not a) or im2col.unaliased(a)):
        monkeypatch.setattr(winograd, "unaliased", stage)
        results.append([winograd.conv_forward(x, W, None, geom),
                        *winograd.conv_backward(x, W, gy, geom, True, True, False)[:2]])
    assert len(copies) >= 3 and all(copies)  # x in forward, gy and x in backward, per batch block
    for direct, staged in zip(*results):
        np.testing.assert_array_equal(staged, direct)
