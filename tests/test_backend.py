"""The array backend: device names, array modules, moves, and the CuPy-missing message."""

from __future__ import annotations

import types

import numpy as np
import pytest

from deepglass import backend


@pytest.mark.parametrize("name, expected", [(None, "cpu"), ("cpu", "cpu"), ("cuda", "cuda"), ("cuda:0", "cuda"),
                                            ("gpu", "cuda")])
def test_normalize_device(name, expected):
    assert backend.normalize_device(name) == expected


def test_unknown_device():
    with pytest.raises(ValueError, match="unknown device 'tpu'"):
        backend.normalize_device("tpu")


def test_numpy_arrays_are_cpu():
    a = np.ones(3)
    assert backend.get_array_module(a) is np and backend.get_array_module(np.float32(1)) is np
    assert backend.device_of(a) == "cpu"
    assert backend.array_module_for("cpu") is np
    assert backend.to_device(a, "cpu") is a
    assert backend.is_available("cpu")


def test_missing_cupy_names_the_extra(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_cupy(name, *args, **kwargs):
        if name == "cupy" or name.startswith("cupy."):
            raise ImportError("No module named 'cupy'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(backend, "_cupy", None)
    monkeypatch.setattr(builtins, "__import__", no_cupy)
    with pytest.raises(RuntimeError, match=r"pip install 'deepglass\[gpu\]'"):
        backend.cupy()
    assert not backend.is_available("cuda")


def test_cupy_installed_without_a_gpu_leaves_the_cpu_working(monkeypatch):
    """CuPy imports on a machine without a GPU driver, but every device call fails: seeding still works."""
    import deepglass as dg

    def no_driver(*args):
        raise RuntimeError("cudaErrorInsufficientDriver: CUDA driver version is insufficient")

    no_gpu = types.SimpleNamespace(random=types.SimpleNamespace(seed=no_driver),
                                   cuda=types.SimpleNamespace(runtime=types.SimpleNamespace(getDeviceCount=no_driver)))
    monkeypatch.setattr(backend, "_cupy", no_gpu)
    assert not backend.is_available("cuda")
    first = dg.manual_seed(5).random(3)
    assert np.array_equal(dg.manual_seed(5).random(3), first)
    assert backend.get_array_module(np.zeros(2)) is np


# ---- on a machine with a GPU and CuPy: the same ops on 'cuda' give the CPU's values and gradients ----
def _cuda_or_skip():
    import deepglass as dg

    try:
        import cupy  # noqa: F401
    except ImportError:
        pytest.skip("CuPy is not installed")
    if not dg.is_available("cuda"):
        pytest.skip("no CUDA device")
    return dg


GPU_CASES = {
    "arithmetic": lambda dg, a, b: ((a + b) * a - b / (a.abs() + 1) + 2 - a ** 2 + 2.0 ** b).sum(),
    "unary": lambda dg, a, b: (a.exp() + a.sin() + a.cos() + a.tanh() + a.sigmoid() + a.relu()
                               + (a.abs() + 1).log() + (a.abs() + 1).sqrt()).sum(),
    "reductions": lambda dg, a, b: a.max(axis=1).sum() + a.min(0).values.sum() + a.var() + a.std(axis=0).sum()
    + a.logsumexp(axis=1).sum() + a.mean(),
    "matmul_softmax": lambda dg, a, b: (dg.log_softmax(a @ b.T, dim=1) * dg.softmax(a @ b.T, dim=0)).sum(),
    "shape_index": lambda dg, a, b: (dg.cat([a, b]).reshape(2, -1).permute(1, 0)[[0, 0, 3]].sum()
                                     + dg.stack([a, b])[:, 1:, None].expand(2, 2, 4, 5).sum()
                                     + a.pad(((1, 0), (0, 2))).sum() + a[a > 0].sum()),
    "gather_scatter": lambda dg, a, b: (dg.gather(a, 1, dg.tensor([[0, 0], [4, 1], [2, 2]], device=a.device)).sum()
                                        + a[:, [1, 1, 3]].sum() + a[[2, 0, 2]].sum()),
    "sort_topk_max": lambda dg, a, b: (a.sort(1, descending=True).values * b).sum() + a.topk(2, dim=0).values.sum()
    + dg.max(a, 1).values.sum() + a.argsort(0).float().sum(),
    "copies_and_views": lambda dg, a, b: (a.clone().t().contiguous().mm(b) + a.flip(1).index_select(
        0, dg.tensor([2, 0, 2], device=a.device)).sum()).sum() + dg.bmm(a[None], b.T[None]).sum(),
    "scatter_dot_outer": lambda dg, a, b: (a.scatter_add(1, dg.tensor([[0, 0], [4, 1], [2, 3]], device=a.device), b)
                                           * a.scatter(0, dg.tensor([[2, 0, 1, 0, 2]], device=a.device), b)).sum()
    + dg.dot(a[0], b[1]) + dg.outer(a[1], b[2]).sum(),
    "einsum": lambda dg, a, b: (dg.einsum("ij,kj->ik", a, b) ** 2).sum() + dg.einsum("ij->j", a * b).sum(),
    "pad_modes": lambda dg, a, b: sum(dg.nn.functional.pad(a[None], (2, 1), mode=m).sum() * i
                                      for i, m in enumerate(["constant", "reflect", "replicate", "circular"], 1)),
    "where_clip": lambda dg, a, b: (dg.where(a > b, a, b) + dg.maximum(a, b) + a.clip(-0.5, 0.5)).sum(),
    "roll_narrow_stack": lambda dg, a, b: (a.roll(1, 0) * b.roll((2, -1), (1, 0))).sum() + a.narrow(1, 1, 3).sum()
    + sum(r.square().sum() for r in a.unbind(1)) + (a.tile((2, 1)) * dg.vstack([b, b])).sum()
    + (a.unflatten(1, (1, 5)).movedim(1, 0) ** 2).sum() + (a.swapaxes(0, 1) @ b).sum() + (dg.dstack([a, b]) ** 2).sum()
    + sum((g * g).sum() for g in dg.meshgrid(a[0], b[:, 0], indexing="xy")),
    "index_add_masked": lambda dg, a, b: (a.index_add(0, dg.tensor([2, 0, 2], device=a.device), b, alpha=2) ** 2).sum()
    + (a.index_copy(1, dg.tensor([4, 0], device=a.device), b[:, :2]) ** 2).sum() + (a.masked_select(b > 0) ** 2).sum()
    + (a.masked_scatter(b > 0, b * 3) ** 2).sum() + a.take(dg.tensor([[0, 14], [14, 3]], device=a.device)).sum()
    + a.where(a > b, b).sum() + a.nonzero().float().sum(),
    "cdist": lambda dg, a, b: dg.cdist(a, b).sum() + dg.cdist(a, b, p=1).sum() + dg.cdist(a, b, p=3).sum()
    + dg.cdist(a, b, p=float("inf")).sum() + dg.cdist(a.repeat(10, 1), b).sum(),
    "counting": lambda dg, a, b: a.sum() + dg.unique((a * 2).round(), return_counts=True)[1].float().sum()
    + dg.bincount((b.abs() * 3).long().reshape(-1), minlength=9).float().sum()
    + dg.histc(a, bins=7, min=-1, max=1).sum()
    + dg.isin((a * 2).round(), (b * 2).round()).float().sum()
    + dg.bucketize(a, dg.tensor([-1.0, 0.0, 1.0], device=a.device)).float().sum(),
    "special": lambda dg, a, b: (a.erf() + a.erfc() + (a.tanh() * 0.9).erfinv() + b.abs().add(0.1).log2()
                                 + b.abs().add(0.1).log10() + a.exp2() + a.atan2(b) + a.frac() + a.trunc()
                                 + a.lerp(b, 0.3) + a.sinh() + a.cosh() + (a.tanh() * 0.9).asin()
                                 + (a.tanh() * 0.9).acos() + a.atan() + (a * 0.3).tan() + a.sigmoid().logit(0.1)
                                 + a.xlogy(b.abs() + 0.1) + a.hypot(b)).sum(),
    "order_statistics": lambda dg, a, b: a.median() + a.median(1).values.sum() + a.nanmedian(0).values.sum()
    + a.kthvalue(2, 1).values.sum() + a.mode(1).values.sum()
    + a.quantile(dg.tensor([0.2, 0.7], dtype=dg.float64, device=a.device), 1).sum()
    + a.quantile(0.3, interpolation="midpoint"),
    "matrix_reductions": lambda dg, a, b: (a @ b.T).tril(-1).sum() + (a @ b.T).triu(1).sum() + (a @ b.T).diag(1).sum()
    + a[0].diag().sum() + (a @ b.T).trace() + a.diag_embed().sum() + dg.addmm(a, a, b.T @ b, beta=0.5, alpha=2).sum()
    + a[:, :3].cross(b[:, :3], 1).sum() + a[:2, :2].kron(b[:2, :3]).sum() + a.cumprod(1).sum() + a.nansum()
    + dg.var_mean(a, 1)[0].sum() + dg.std_mean(a, 0, correction=0)[1].sum() + a.aminmax(dim=1).max.sum(),
}


@pytest.mark.parametrize("name", sorted(GPU_CASES))
def test_cuda_matches_cpu(name):
    dg = _cuda_or_skip()
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((3, 5)), rng.standard_normal((3, 5))]
    results = {}
    for device in ("cpu", "cuda"):
        a, b = (dg.tensor(x, device=device, requires_grad=True) for x in arrays)
        out = GPU_CASES[name](dg, a, b) + (b * b).sum()  # so b always gets a gradient
        assert out.device == device
        out.backward()
        assert a.grad.device == device
        results[device] = out.item(), a.grad.numpy(), b.grad.numpy()
    for cpu, gpu in zip(results["cpu"], results["cuda"]):
        np.testing.assert_allclose(gpu, cpu, rtol=1e-10, atol=1e-12)


def test_random_fills_give_the_same_numbers_on_cuda():
    dg = _cuda_or_skip()
    draws = []
    for device in ("cpu", "cuda"):
        dg.manual_seed(0)
        x = dg.zeros(4, 3, device=device, dtype="float64")
        draws.append(np.concatenate([np.array(x.normal_().numpy()), np.array(x.uniform_(-1, 2).numpy()),
                                     np.array(x.bernoulli_(0.3).numpy())]))  # copies: a CPU tensor's numpy() is a view
    np.testing.assert_array_equal(draws[1], draws[0])


def test_cuda_moves_and_device_mixing():
    dg = _cuda_or_skip()
    x = dg.randn(3, requires_grad=True)
    y = x.to("cuda")
    assert y.device == "cuda" and y.xp is not np
    (y * 2).sum().backward()
    assert x.grad.device == "cpu" and x.grad.tolist() == [2.0, 2.0, 2.0]
    with pytest.raises(RuntimeError, match=r"different devices \(cuda, cpu\)"):
        y + x
    assert dg.zeros(2, device="cuda").device == "cuda" and dg.randn(2, device="cuda").device == "cuda"
