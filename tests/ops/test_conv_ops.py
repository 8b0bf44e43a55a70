"""conv2d / conv_transpose2d / conv1d against PyTorch over seeded random sweeps, plus gradcheck and the pieces."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass.ops import conv as conv_module
from deepglass.ops import im2col as im2col_module
from deepglass.ops import winograd
from deepglass.ops.conv import conv1d, conv2d, conv_transpose2d
from deepglass.ops.im2col import Geometry, col2im, im2col


def assert_close(actual, expected, what: str, rel: float = 1e-5) -> None:
    """max |actual − expected| ≤ rel · max |expected| (float32 sums differ in order, so no per-element rtol)."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    scale = max(np.abs(expected).max(initial=0.0), 1e-6)
    err = np.abs(actual - expected).max(initial=0.0)
    assert err <= rel * scale, f"{what}: max error {err:.3e} > {rel} x {scale:.3e}"


def run_both(torch, dg_fn, torch_fn, arrays: list, rng) -> None:
    """Forward and every input gradient of dg_fn(*tensors) against torch_fn(*tensors) in float32."""
    dg_in = [None if a is None else dg.tensor(a, requires_grad=True) for a in arrays]
    torch_in = [None if a is None else torch.tensor(a, requires_grad=True) for a in arrays]
    y, ty = dg_fn(*dg_in), torch_fn(*torch_in)
    assert_close(y.numpy(), ty.detach().numpy(), "forward")
    gy = rng.standard_normal(ty.shape).astype(np.float32)
    y.backward(gy)
    ty.backward(torch.tensor(gy))
    for i, (d, t) in enumerate(zip(dg_in, torch_in)):
        if d is not None:
            assert_close(d.grad.numpy(), t.grad.numpy(), f"gradient of input {i}")


def _conv_config(rng) -> dict:
    groups = int(rng.choice([1, 1, 2, 3]))
    kh, kw = (int(k) for k in rng.integers(1, 5, 2))
    stride, dilation = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    padding = ["same", "valid", 0, 1, 2, (1, 0)][rng.integers(0, 6)] if stride == 1 else int(rng.integers(0, 3))
    return dict(
        n=int(rng.integers(1, 4)), c_in=groups * int(rng.integers(1, 4)), c_out=groups * int(rng.integers(1, 4)),
        h=int(rng.integers(dilation * (kh - 1) + 1, 13)), w=int(rng.integers(dilation * (kw - 1) + 1, 13)),
        kernel=(kh, kw), stride=stride, padding=padding, dilation=dilation, groups=groups,
        bias=bool(rng.integers(0, 2)),
    )


@pytest.fixture(params=["per-block", "per-sample"])
def gemm_path(request, monkeypatch):
    """Run a test under both GEMM arrangements of conv2d: one GEMM per batch block, or one per sample (which
    the library picks for maps of at least MIN_SAMPLE_COLUMNS pixels, bigger than the sweep's). Winograd is
    off: its own tests (test_winograd.py) force it on."""
    monkeypatch.setattr(conv_module, "MIN_SAMPLE_COLUMNS", 10**9 if request.param == "per-block" else 1)
    monkeypatch.setattr(winograd, "MIN_CHANNELS", 10**9)
    return request.param


def _conv_case(rng) -> tuple:
    """(x, W, b or None, (stride, padding, dilation, groups)) of a random `_conv_config`, float32."""
    cfg = _conv_config(rng)
    x = rng.standard_normal((cfg["n"], cfg["c_in"], cfg["h"], cfg["w"])).astype(np.float32)
    W = rng.standard_normal((cfg["c_out"], cfg["c_in"] // cfg["groups"], *cfg["kernel"])).astype(np.float32)
    b = rng.standard_normal(cfg["c_out"]).astype(np.float32) if cfg["bias"] else None
    return x, W, b, (cfg["stride"], cfg["padding"], cfg["dilation"], cfg["groups"])


@pytest.mark.filterwarnings("ignore:Using padding=.same.")
@pytest.mark.parametrize("seed", range(60))
def test_conv2d_matches_torch_sweep(torch, seed, gemm_path):
    rng = np.random.default_rng(seed)
    x, W, b, args = _conv_case(rng)
    run_both(torch, lambda x, W, b: conv2d(x, W, b, *args),
             lambda x, W, b: torch.nn.functional.conv2d(x, W, b, *args), [x, W, b], rng)


@pytest.mark.parametrize("seed", range(24))
def test_conv_transpose2d_matches_torch_sweep(torch, seed):
    rng = np.random.default_rng(100 + seed)
    groups = int(rng.choice([1, 2]))
    c_in, c_out = groups * int(rng.integers(1, 4)), groups * int(rng.integers(1, 4))
    kernel = tuple(int(k) for k in rng.integers(1, 5, 2))
    stride, dilation = int(rng.integers(1, 4)), int(rng.integers(1, 3))
    padding = int(rng.integers(0, min(kernel)))
    output_padding = int(rng.integers(0, max(stride, dilation)))
    h, w = (int(n) for n in rng.integers(2, 7, 2))
    x = rng.standard_normal((2, c_in, h, w)).astype(np.float32)
    W = rng.standard_normal((c_in, c_out // groups, *kernel)).astype(np.float32)
    b = rng.standard_normal(c_out).astype(np.float32) if seed % 2 else None
    run_both(torch, lambda x, W, b: conv_transpose2d(x, W, b, stride, padding, output_padding, groups, dilation),
             lambda x, W, b: torch.nn.functional.conv_transpose2d(x, W, b, stride, padding, output_padding, groups,
                                                                  dilation), [x, W, b], rng)


@pytest.mark.parametrize("padding, stride, dilation, groups", [(0, 1, 1, 1), ("same", 1, 2, 2), (2, 3, 1, 1),
                                                               ("valid", 2, 2, 2)])
def test_conv1d_matches_torch(torch, padding, stride, dilation, groups):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((3, 4, 17)).astype(np.float32)
    W = rng.standard_normal((6, 4 // groups, 3)).astype(np.float32)
    b = rng.standard_normal(6).astype(np.float32)
    run_both(torch, lambda x, W, b: conv1d(x, W, b, stride, padding, dilation, groups),
             lambda x, W, b: torch.nn.functional.conv1d(x, W, b, stride, padding, dilation, groups), [x, W, b], rng)


@pytest.mark.parametrize("stride, padding, dilation, groups", [(1, 1, 1, 1), (2, "valid", 1, 2), (1, "same", 2, 1),
                                                               (3, (2, 1), 2, 2)])
def test_conv2d_gradcheck_float64(stride, padding, dilation, groups, gemm_path):
    rng = np.random.default_rng(3)
    x = dg.tensor(rng.standard_normal((2, 4, 7, 6)), dtype=dg.float64, requires_grad=True)
    W = dg.tensor(rng.standard_normal((4, 4 // groups, 3, 2)), dtype=dg.float64, requires_grad=True)
    b = dg.tensor(rng.standard_normal(4), dtype=dg.float64, requires_grad=True)
    assert dg.gradcheck(lambda x, W, b: conv2d(x, W, b, stride, padding, dilation, groups), x, W, b)


@pytest.mark.filterwarnings("ignore:Using padding=.same.")
@pytest.mark.parametrize("seed", range(0, 60, 3))
def test_conv2d_weight_grads_without_input_grad_match_torch(torch, seed, gemm_path):
    """A first layer: the input needs no gradient, so layers with few weight columns take `_thin_weight_grads`
    on the per-sample path. Weight and bias gradients still equal PyTorch's."""
    rng = np.random.default_rng(seed)
    x, W, b, args = _conv_case(rng)
    run_both(torch, lambda W, b: conv2d(dg.tensor(x), W, b, *args),
             lambda W, b: torch.nn.functional.conv2d(torch.tensor(x), W, b, *args), [W, b], rng)


def test_mnist_first_layer_takes_the_thin_weight_gradient_path(torch, monkeypatch):
    """Conv2d(1, 32, 3) on 28×28 digits (676 pixels per map, 9 weight columns): both per-sample paths run, at
    the library's own thresholds, and match PyTorch."""
    calls = []
    thin = conv_module._thin_weight_grads
    monkeypatch.setattr(conv_module, "_thin_weight_grads", lambda *a: calls.append(1) or thin(*a))
    rng = np.random.default_rng(11)
    x = rng.standard_normal((5, 1, 28, 28)).astype(np.float32)
    W, b = rng.standard_normal((32, 1, 3, 3)).astype(np.float32), rng.standard_normal(32).astype(np.float32)
    run_both(torch, lambda W, b: conv2d(dg.tensor(x), W, b), lambda W, b: torch.nn.functional.conv2d(
        torch.tensor(x), W, b), [W, b], rng)
    assert calls == [1]
    assert conv_module._per_sample(1, 26, 26)


def test_per_sample_columns_carry_a_row_of_ones():
    """`im2col_per_sample` holds each sample's windows, rows like the weight, and the ones row the bias needs."""
    rng = np.random.default_rng(12)
    x = rng.standard_normal((3, 2, 6, 5))
    geom = Geometry(3, 2, 2, 1, 1, 2, 1, 0, 2, 1)
    ho, wo = geom.out_size(6, 5)
    cols = im2col_module.im2col_per_sample(x, geom, ho, wo, ones=True)
    assert cols.shape == (3, 2 * 3 * 2 + 1, ho * wo)
    np.testing.assert_array_equal(cols[:, -1], 1.0)
    expected = im2col_module.windows(geom.pad(x), geom, ho, wo).reshape(3, 12, ho * wo)
    np.testing.assert_array_equal(cols[:, :-1], expected)
    np.testing.assert_array_equal(im2col_module.im2col_per_sample(x, geom, ho, wo), expected)


def test_conv_transpose2d_gradcheck_float64():
    rng = np.random.default_rng(4)
    x = dg.tensor(rng.standard_normal((2, 4, 3, 4)), dtype=dg.float64, requires_grad=True)
    W = dg.tensor(rng.standard_normal((4, 3, 3, 2)), dtype=dg.float64, requires_grad=True)
    b = dg.tensor(rng.standard_normal(6), dtype=dg.float64, requires_grad=True)
    assert dg.gradcheck(lambda x, W, b: conv_transpose2d(x, W, b, stride=2, padding=1, output_padding=1, groups=2),
                        x, W, b)


def test_col2im_is_the_adjoint_of_im2col():
    """<im2col(x), c> == <x, col2im(c)> for every geometry: col2im is exactly the transpose, as backward needs."""
    rng = np.random.default_rng(5)
    geom = Geometry(3, 2, sh=2, sw=1, dh=1, dw=2, pad_top=1, pad_bottom=2, pad_left=0, pad_right=1)
    x = rng.standard_normal((2, 3, 9, 8))
    ho, wo = geom.out_size(9, 8)
    cols = rng.standard_normal((3 * 3 * 2, 2 * ho * wo))
    lhs = (im2col(x, geom, ho, wo) * cols).sum()
    rhs = (x * col2im(cols, geom, 2, 9, 8, ho, wo)).sum()
    assert abs(lhs - rhs) < 1e-9 * abs(lhs)


def test_channels_last_col2im_is_the_adjoint_of_im2col():
    """The compact layout's channels-last col2im (columns transposed, ordered (i, j, c)) is the transpose too."""
    rng = np.random.default_rng(7)
    geom = Geometry(3, 2, sh=2, sw=3, dh=1, dw=2, pad_top=1, pad_bottom=2, pad_left=0, pad_right=1)
    x = rng.standard_normal((2, 3, 9, 8))
    ho, wo = geom.out_size(9, 8)
    cols = rng.standard_normal((3 * 3 * 2, 2 * ho * wo))  # rows (c, i, j), as im2col orders them
    cols_t = cols.reshape(3, 3, 2, -1).transpose(3, 1, 2, 0).reshape(2 * ho * wo, 3 * 2 * 3)  # (pixels, (i, j, c))
    lhs = (im2col(x, geom, ho, wo) * cols).sum()
    rhs = (x * im2col_module.col2im_channels_last(cols_t, geom, 2, 9, 8, ho, wo)).sum()
    assert abs(lhs - rhs) < 1e-9 * abs(lhs)


def test_col2im_is_the_adjoint_of_im2col_in_the_wide_layout(monkeypatch):
    """Stride 1 may use the wide layout (whole padded rows of the samples side by side); with zero junk
    columns col2im is still the transpose."""
    monkeypatch.setattr(im2col_module, "WIDE_MAX_COLUMNS", 10.0)
    rng = np.random.default_rng(8)
    geom = Geometry(3, 2, dh=2, dw=1, pad_top=1, pad_bottom=0, pad_left=2, pad_right=1)
    x = rng.standard_normal((2, 3, 9, 8))
    ho, wo = geom.out_size(9, 8)
    assert geom.row_width(8, wo) == 11
    cols = rng.standard_normal((3 * 3 * 2, ho, 2, 11))  # (rows of the weight, Ho, N, Wp)
    cols[..., wo:] = 0  # the junk columns, as the convolution keeps them
    cols = cols.reshape(3 * 3 * 2, -1)
    lhs = (im2col(x, geom, ho, wo) * cols).sum()
    rhs = (x * col2im(cols, geom, 2, 9, 8, ho, wo)).sum()
    assert abs(lhs - rhs) < 1e-9 * abs(lhs)


def test_wide_and_compact_layouts_agree(monkeypatch):
    """The layout is a speed choice only: conv2d, its gradients and conv_transpose2d are the same in both."""
    rng = np.random.default_rng(9)
    x = rng.standard_normal((3, 4, 7, 9))
    W = rng.standard_normal((6, 2, 3, 2))
    gy = rng.standard_normal((3, 6, 5, 10))

    def run():
        xt, Wt = dg.tensor(x, requires_grad=True), dg.tensor(W, requires_grad=True)
        out = conv2d(xt, Wt, padding=(1, 2), dilation=(2, 3), groups=2)
        out.backward(gy)
        yt = conv_transpose2d(dg.tensor(gy), Wt.detach(), padding=(1, 2), dilation=(2, 3), groups=2)
        return out.numpy(), xt.grad.numpy(), Wt.grad.numpy(), yt.numpy()

    geom = Geometry(3, 2, 1, 1, 2, 3, 1, 1, 2, 2)
    monkeypatch.setattr(im2col_module, "WIDE_MAX_COLUMNS", 0.0)
    assert geom.row_width(9, 10) is None
    compact = run()
    monkeypatch.setattr(im2col_module, "WIDE_MAX_COLUMNS", 10.0)
    assert geom.row_width(9, 10) == 13
    for a, b in zip(compact, run()):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_batch_blocks_give_the_same_result(monkeypatch):
    """Blocked processing of the batch (the memory bound) changes nothing: a 1-sample budget equals one block."""
    rng = np.random.default_rng(6)
    x = rng.standard_normal((5, 4, 8, 8)).astype(np.float32)
    W = rng.standard_normal((6, 2, 3, 3)).astype(np.float32)
    gy = rng.standard_normal((5, 6, 8, 8)).astype(np.float32)

    def run():
        xt, Wt = dg.tensor(x, requires_grad=True), dg.tensor(W, requires_grad=True)
        conv2d(xt, Wt, padding=1, groups=2).backward(gy)
        yt = conv_transpose2d(dg.tensor(gy, requires_grad=True), Wt.detach().requires_grad_(), padding=1, groups=2)
        return conv2d(xt, Wt, padding=1, groups=2).numpy(), xt.grad.numpy(), Wt.grad.numpy(), yt.numpy()

    whole = run()
    monkeypatch.setattr(im2col_module, "CPU_BLOCK_BYTES", 1)
    monkeypatch.setattr(im2col_module, "MIN_BLOCK_COLUMNS", 1)
    assert len(im2col_module.batch_blocks(5, 100, np, columns_per_sample=80)) == 5
    for a, b in zip(whole, run()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


def test_blocks_keep_enough_gemm_columns():
    """Few pixels per sample: blocks grow past the byte budget until a GEMM has MIN_BLOCK_COLUMNS columns."""
    budget, minimum = im2col_module.CPU_BLOCK_BYTES, im2col_module.MIN_BLOCK_COLUMNS
    big_sample = budget // 2  # two samples per block by bytes
    assert len(im2col_module.batch_blocks(64, big_sample, np)) == 32
    blocks = im2col_module.batch_blocks(64, big_sample, np, columns_per_sample=24)  # e.g. a 4x4 map, padded rows
    assert blocks[0].stop - blocks[0].start == -(-minimum // 24)
    assert len(im2col_module.batch_blocks(64, big_sample, np, columns_per_sample=minimum)) == 32


def test_conv2d_errors_name_the_shapes():
    x = dg.randn(2, 3, 8, 8)
    with pytest.raises(ValueError, match=r"input has 3 channels but the weight \(4, 2, 3, 3\)"):
        conv2d(x, dg.randn(4, 2, 3, 3))
    with pytest.raises(ValueError, match="smaller than the dilated kernel"):
        conv2d(x, dg.randn(4, 3, 5, 5), dilation=2)
    with pytest.raises(ValueError, match="'same' needs stride 1"):
        conv2d(x, dg.randn(4, 3, 3, 3), stride=2, padding="same")
    with pytest.raises(ValueError, match="padding must be"):
        conv2d(x, dg.randn(4, 3, 3, 3), padding="full")


def test_same_padding_keeps_size_with_even_kernels():
    y = conv2d(dg.randn(1, 2, 7, 6), dg.randn(3, 2, 4, 2), padding="same", dilation=(1, 3))
    assert y.shape == (1, 3, 7, 6)


def test_conv2d_sweep_covers_every_option():
    """The 60 seeded configurations above include each option the sweep claims to test."""
    configs = [_conv_config(np.random.default_rng(seed)) for seed in range(60)]
    assert {c["stride"] for c in configs} == {1, 2, 3} and {c["dilation"] for c in configs} == {1, 2, 3}
    assert {"same", "valid"} <= {c["padding"] for c in configs if isinstance(c["padding"], str)}
    assert {1, 2, 3} <= {c["groups"] for c in configs} and {c["bias"] for c in configs} == {True, False}
    assert any(c["kernel"][0] != c["kernel"][1] for c in configs)


def test_blocks_share_out_evenly_among_threads():
    """With several CPU threads the block count is a multiple of them, so no thread gets one block more."""
    sample = im2col_module.CPU_BLOCK_BYTES // 44  # the budget alone would make 3 blocks of 44, 44 and 40
    assert len(im2col_module.batch_blocks(128, sample, np)) == 3
    blocks = im2col_module.batch_blocks(128, sample, np, min_blocks=2)
    assert [b.stop - b.start for b in blocks] == [32, 32, 32, 32]
    assert len(im2col_module.batch_blocks(3, sample, np, min_blocks=4)) == 1  # too small a batch to split
