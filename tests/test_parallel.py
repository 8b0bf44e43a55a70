"""deepglass.parallel: ops split over threads give the results of the serial run, deterministically."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import threading

import numpy as np
import pytest

import deepglass as dg
from deepglass import parallel
from deepglass.nn import functional as F
from deepglass.ops import im2col as im2col_module

needs_blas_switch = pytest.mark.skipif(not parallel._single_threaded_blas() and parallel._blas is False,
                                       reason="NumPy's BLAS is not an OpenBLAS deepglass can reach: ops run serially")


@pytest.fixture
def threads(monkeypatch):
    """Split even tiny ops: every threshold down to one item, small conv blocks; threads restored afterwards."""
    before = parallel.get_num_threads()
    monkeypatch.setattr(parallel, "MIN_ELEMENTS", 1)
    monkeypatch.setattr(parallel, "MIN_GEMM_FLOPS", 1)
    monkeypatch.setattr(im2col_module, "CPU_BLOCK_BYTES", 1)
    monkeypatch.setattr(im2col_module, "MIN_BLOCK_COLUMNS", 1)
    yield parallel.set_num_threads
    parallel.set_num_threads(before)


def _model_grads(seed: int = 0) -> list[np.ndarray]:
    """Output and every gradient of a small CNN + matmul graph (float64, NaN-free, with ties after ReLU)."""
    rng = np.random.default_rng(seed)
    x = dg.tensor(rng.standard_normal((7, 4, 11, 10)), requires_grad=True)
    conv_w = dg.tensor(rng.standard_normal((6, 2, 3, 3)), requires_grad=True)
    conv_b = dg.tensor(rng.standard_normal(6), requires_grad=True)
    up_w = dg.tensor(rng.standard_normal((6, 3, 2, 2)), requires_grad=True)
    lin_w = dg.tensor(rng.standard_normal((5, 3 * 4 * 5)), requires_grad=True)
    mat = dg.tensor(rng.standard_normal((3, 5, 4)), requires_grad=True)
    bn_w = dg.tensor(rng.random(6) + 0.5, requires_grad=True)
    bn_b = dg.tensor(rng.standard_normal(6), requires_grad=True)
    h = F.conv2d(x, conv_w, conv_b, padding=1, groups=2)
    h = F.relu(F.batch_norm(h, None, None, bn_w, bn_b, training=True))
    h = F.max_pool2d(h, 2)  # (7, 6, 5, 5)
    h = F.conv_transpose2d(h, up_w, stride=2)  # (7, 3, 10, 10)
    h = F.max_pool2d(F.relu(h), 3, stride=2, padding=1)  # overlapping windows: (7, 3, 5, 5)
    h = F.linear(h[:, :, 1:, :].reshape(7, -1), lin_w)  # (7, 5)
    out = (h @ mat).sum(axis=0)  # stacked matmul: (3, 7, 4) summed to (7, 4)
    out.backward(dg.tensor(rng.standard_normal(out.shape)))
    return [out.numpy()] + [t.grad.numpy() for t in (x, conv_w, conv_b, up_w, lin_w, mat, bn_w, bn_b)]


@needs_blas_switch
def test_threads_give_the_serial_results(threads):
    threads(1)
    serial = _model_grads()
    threads(3)  # an odd count: uneven chunks
    split = _model_grads()
    for a, b in zip(serial, split):
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-12)


@needs_blas_switch
@pytest.mark.parametrize("norm", ["group", "layer", "layer_affine", "instance_like"])
def test_per_sample_normalizations_split_like_serial(threads, norm):
    """GroupNorm and LayerNorm keep per-sample statistics: with threads on they must not be chunked like BatchNorm."""
    rng = np.random.default_rng(5)
    base, gy = rng.standard_normal((6, 4, 5, 3)), rng.standard_normal((6, 4, 5, 3))
    weight, bias = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    results = []
    for n in (1, 3):
        threads(n)
        x = dg.tensor(base, requires_grad=True)
        if norm == "group":
            y = F.group_norm(x, 2)
        elif norm == "layer":
            y = F.layer_norm(x, (5, 3))
        elif norm == "layer_affine":
            y = F.layer_norm(x, (5, 3), dg.tensor(weight), dg.tensor(bias))
        else:
            y = F.group_norm(x, 4)
        seed = dg.tensor(gy.copy())
        y.backward(seed)
        np.testing.assert_array_equal(seed.numpy(), gy)  # the incoming gradient is never written to
        results.append((y.numpy(), x.grad.numpy()))
    for a, b in zip(*results):
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-12)


@needs_blas_switch
def test_threaded_runs_are_bit_identical(threads):
    threads(2)
    first, second = _model_grads(1), _model_grads(1)
    for a, b in zip(first, second):
        assert np.array_equal(a, b)


@needs_blas_switch
def test_max_pool_ties_nan_and_inf_gradients_split_like_serial(threads):
    x = np.zeros((6, 2, 4, 4))
    x[1, 0, 0, 0] = np.nan
    gy = np.ones((6, 2, 2, 2))
    gy[4, 1, 1, 1] = np.inf
    results = []
    for n in (1, 2):
        threads(n)
        xt = dg.tensor(x, requires_grad=True)
        F.max_pool2d(xt, 2).backward(dg.tensor(gy))
        results.append(xt.grad.numpy())
    np.testing.assert_array_equal(results[0], results[1])
    assert results[1][0, 0, 0, 0] == 1 and results[1][0, 0, 0, 1] == 0  # a tie goes to the first maximum


@needs_blas_switch
def test_matmul_splits_rows_columns_and_stacks(threads):
    rng = np.random.default_rng(3)
    threads(2)
    for a_shape, b_shape in [((9, 4), (4, 3)), ((3, 4), (4, 9)), ((2, 1, 5, 4), (3, 4, 6)), ((5, 4), (2, 4, 3)),
                             ((2, 3, 5, 4), (4, 6)), ((0, 5, 4), (2, 1, 4, 3)), ((1, 5, 4), (3, 4, 2))]:
        a, b = rng.standard_normal(a_shape), rng.standard_normal(b_shape)
        np.testing.assert_allclose(parallel.matmul(a, b), a @ b, rtol=1e-12, atol=1e-12)


@needs_blas_switch
@pytest.mark.parametrize("n_threads", [2, 3])
def test_independent_products_run_one_per_thread_or_split(threads, monkeypatch, n_threads):
    """With as many threads as products each thread computes one whole product (the bits of a single-threaded
    a @ b); otherwise each product is split. Either way the results come back in order."""
    rng = np.random.default_rng(4)
    threads(n_threads)
    pairs = [(rng.standard_normal((9, 4)), rng.standard_normal((4, 7))),
             (rng.standard_normal((4, 9)).T, rng.standard_normal((4, 5)))]  # a transposed view, as gy.T
    regions, run_in = [], []
    real_parallel_for = parallel.parallel_for

    def spy(n, fn, **kwargs):
        regions.append(n)
        return real_parallel_for(n, lambda s: (run_in.append(threading.get_ident()), fn(s))[1], **kwargs)
    monkeypatch.setattr(parallel, "parallel_for", spy)
    products = parallel.matmuls(*pairs)
    for product, (a, b) in zip(products, pairs):
        np.testing.assert_array_equal(product, a @ b)
    if n_threads == 2:
        assert regions == [2] and len(set(run_in)) == 2  # one region, each product on its own thread
    else:
        assert len(regions) == 2  # each product split by matmul
    regions.clear()
    none, only = parallel.matmuls(None, pairs[1])  # a gradient not needed: None, the other one still exact
    assert none is None and np.array_equal(only, pairs[1][0] @ pairs[1][1]) and len(regions) == 1


def test_parallel_for_covers_the_range_in_order(threads):
    threads(3)
    seen = parallel.parallel_for(10, lambda s: list(range(10))[s])
    assert [i for chunk in seen for i in chunk] == list(range(10))
    assert len(parallel.parallel_for(10, lambda s: s, min_chunk=5)) <= 2
    assert parallel.parallel_for(0, lambda s: (s.start, s.stop)) == [(0, 0)]


def test_nested_regions_run_serially(threads):
    threads(2)
    inner = parallel.parallel_for(4, lambda s: len(parallel.parallel_for(8, lambda t: t)))
    assert all(n == 1 for n in inner)  # the inner call stayed in its thread: no deadlock, no oversubscription


def test_an_error_in_any_chunk_is_raised_after_all_chunks_finish(threads):
    threads(2)
    finished = []

    def work(s):
        if s.start == 0:
            raise ValueError("chunk 0 failed")
        threading.Event().wait(0.05)
        finished.append(s)

    with pytest.raises(ValueError, match="chunk 0 failed"):
        parallel.parallel_for(2, work)
    assert len(finished) == 1


def test_set_num_threads_checks_its_argument():
    with pytest.raises(ValueError, match="positive int"):
        dg.set_num_threads(0)


def test_thread_count_comes_from_the_environment():
    code = "import deepglass as dg; print(dg.get_num_threads())"
    env = dict(os.environ, DEEPGLASS_NUM_THREADS="3")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "3"


@needs_blas_switch
def test_blas_is_single_threaded_while_the_pool_is_on_and_restored_after(threads):
    threads(2)
    parallel.matmul(np.ones((64, 64)), np.ones((64, 64)))
    blas = parallel._blas
    assert blas._get() == 1
    original = blas._original
    threads(1)
    assert blas._get() == original


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork (Linux, macOS)")
def test_a_forked_child_runs_threaded_ops(threads):
    threads(2)
    F.relu(dg.tensor(np.ones(1000)))  # the parent's pool exists before the fork
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(1) as pool:
        assert pool.apply(_relu_sum_in_child, ()) == 1000.0


def _relu_sum_in_child() -> float:
    parallel.MIN_ELEMENTS = 1
    return float(F.relu(dg.tensor(np.ones(1000))).sum().numpy())


@needs_blas_switch
def test_channels_last_views_split_like_serial(threads):
    """Keras hands NCHW ops permuted (channels-last) views: the split ops must read them in logical order."""
    rng = np.random.default_rng(4)
    base = rng.standard_normal((6, 9, 8, 4))
    conv_w = rng.standard_normal((5, 4, 3, 3))
    results = []
    for n in (1, 3):
        threads(n)
        leaf, w = dg.tensor(base, requires_grad=True), dg.tensor(conv_w, requires_grad=True)
        x = leaf.permute(0, 3, 1, 2)  # a non-contiguous (6, 4, 9, 8) view
        h = F.max_pool2d(F.relu(F.batch_norm(F.conv2d(x, w, padding=1), None, None, training=True)), 2)
        out = F.relu(h.permute(0, 2, 3, 1))  # and back to channels-last, non-contiguous again
        out.backward(dg.tensor(np.ones(out.shape)))
        results.append((out.numpy(), leaf.grad.numpy(), w.grad.numpy()))
    for a, b in zip(*results):
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-12)


@needs_blas_switch
def test_relu_backward_in_mask_pieces_matches_the_whole(threads, monkeypatch):
    """ReLU's backward makes its mask RELU_MASK_CHUNK elements at a time on each thread: pieces that do not divide
    a thread's share (and exact zeros, NaN) give the one-pass result."""
    from deepglass.ops import elementwise

    monkeypatch.setattr(elementwise, "RELU_MASK_CHUNK", 7)
    rng = np.random.default_rng(9)
    base = rng.standard_normal((5, 3, 11))
    base[0, 0, :3] = [0.0, -0.0, np.nan]
    gy = rng.standard_normal(base.shape)
    threads(3)
    x = dg.tensor(base, requires_grad=True)
    y = F.relu(x)
    y.backward(dg.tensor(gy))
    np.testing.assert_array_equal(y.numpy(), np.maximum(base, 0))
    np.testing.assert_array_equal(x.grad.numpy(), gy * (np.maximum(base, 0) > 0))


@needs_blas_switch
def test_winograd_convolution_split_over_threads_gives_the_serial_results(threads, monkeypatch):
    """Winograd's blocks (one sample each here) spread over 3 threads: the serial forward and gradients."""
    from deepglass.ops import winograd

    for name, value in (("MIN_CHANNELS", 1), ("MIN_TILES", 1), ("BLOCK_BYTES", 1), ("MIN_BLOCK_ROWS", 1)):
        monkeypatch.setattr(winograd, name, value)
    rng = np.random.default_rng(8)
    arrays = rng.standard_normal((5, 3, 7, 8)), rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4)
    gy = rng.standard_normal((5, 4, 7, 8))
    results = []
    for n in (1, 3):
        threads(n)
        x, W, b = (dg.tensor(a, requires_grad=True) for a in arrays)
        y = F.conv2d(x, W, b, padding=1)
        y.backward(dg.tensor(gy))
        results.append([y.numpy(), x.grad.numpy(), W.grad.numpy(), b.grad.numpy()])
    for serial, split in zip(*results):
        np.testing.assert_allclose(split, serial, rtol=1e-12, atol=1e-12)
