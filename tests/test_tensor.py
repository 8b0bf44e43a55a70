"""dg.Tensor: attributes, dtype rules, conversions, method forms, devices, and what `import deepglass` loads."""

from __future__ import annotations

import importlib
import subprocess
import sys

import numpy as np
import pytest

import deepglass as dg

tensor_module = importlib.import_module("deepglass.tensor")  # `deepglass.tensor` the attribute is dg.tensor()


def test_attributes():
    x = dg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    assert x.shape == (2, 3) and x.ndim == 2 and x.dim() == 2
    assert x.size() == (2, 3) and x.size(1) == 3 and x.numel() == 6
    assert x.dtype == np.float32 and x.dtype == dg.float32
    assert x.device == "cpu" and x.requires_grad and x.grad is None and x.is_leaf
    assert isinstance(x.numpy(), np.ndarray) and x.xp is np
    assert x.tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    assert x[1, 2].item() == 6.0 and isinstance(x[1, 2].item(), float)
    assert dg.tensor(3).item() == 3 and isinstance(dg.tensor(3).item(), int)
    y = x * 2
    assert not y.is_leaf and y.grad_fn is not None and y.grad_fn.name == "Mul"


def test_item_of_many_elements_names_the_shape():
    with pytest.raises(ValueError, match=r"one element, got shape \(2,\)"):
        dg.ones(2).item()


@pytest.mark.parametrize(
    "data, dtype",
    [
        (1.5, np.float32),
        ([1.0, 2.0], np.float32),
        ([[1, 2], [3, 4]], np.int64),
        (3, np.int64),
        (True, np.bool_),
        ([1, 2.5], np.float32),
        (np.array([1.0, 2.0]), np.float64),  # NumPy arrays keep their dtype
        (np.array([1.0], dtype=np.float32), np.float32),
        (np.array([1, 2], dtype=np.int32), np.int32),
        (np.float64(2.0), np.float64),
    ],
)
def test_dtype_rules(data, dtype):
    assert dg.tensor(data).dtype == dtype


def test_explicit_dtype():
    assert dg.tensor([1, 2], dtype=dg.float64).dtype == np.float64
    assert dg.tensor([1.7], dtype="int64").tolist() == [1]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_python_numbers_keep_the_tensor_dtype(dtype):
    x = dg.ones(3, dtype=dtype)
    for y in (x + 1.5, 2.5 * x, x - 1, x / 3, x ** 2, 2.0 ** x, dg.maximum(x, 0.5), dg.where(x > 0, x, 0.0)):
        assert y.dtype == np.dtype(dtype)


def test_int_tensor_arithmetic():
    i = dg.tensor([1, 2, 3])
    assert (i + 1).dtype == np.int64 and (i * 2).tolist() == [2, 4, 6]
    assert (i + 0.5).dtype == np.float32  # an int tensor with a Python float gives the default float
    assert (i / 2).dtype == np.float32 and (i / 2).tolist() == [0.5, 1.0, 1.5]  # true division, as in PyTorch
    assert (i / dg.tensor([2, 2, 2])).dtype == np.float32
    assert (i + dg.ones(3)).dtype == np.float32


def test_default_dtype_can_be_float64():
    try:
        dg.set_default_dtype(dg.float64)
        assert dg.tensor([1.0]).dtype == np.float64 and dg.zeros(2).dtype == np.float64
    finally:
        dg.set_default_dtype(dg.float32)
    assert dg.get_default_dtype() == np.float32


def test_float64_tensor_math_stays_float64():
    x = dg.tensor([1.0, 2.0], dtype="float64", requires_grad=True)
    y = (x.exp() * x + 1.0).sum()
    assert y.dtype == np.float64
    y.backward()
    assert x.grad.dtype == np.float64


def test_python_conversions():
    x = dg.tensor([2.5])
    assert float(x) == 2.5 and int(dg.tensor([3])) == 3 and bool(dg.tensor(1.0))
    assert [10, 20, 30][dg.tensor(1)] == 20
    with pytest.raises(ValueError, match="ambiguous"):
        bool(dg.ones(2))
    with pytest.raises(TypeError, match="0-d"):
        len(dg.tensor(1.0))
    assert np.asarray(dg.ones(2, 2)).shape == (2, 2)


def test_repr():
    assert repr(dg.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert "requires_grad=True" in repr(dg.ones(2, requires_grad=True))
    assert "grad_fn=Mul" in repr(dg.ones(2, requires_grad=True) * 2)
    assert "dtype=float64" in repr(dg.ones(2, dtype="float64"))


@pytest.mark.parametrize("name", tensor_module._METHODS)
def test_every_listed_op_is_also_a_method(name):
    """`x.<op>(...)` is `dg.<op>(x, ...)` (the methods are generated from one list)."""
    assert callable(getattr(dg.Tensor, name)) and getattr(dg, name) is not None
    assert getattr(dg.Tensor, name).__doc__ == getattr(dg, name).__doc__


def test_method_and_function_forms_agree():
    x = dg.tensor(np.random.default_rng(0).uniform(0.5, 2.0, (3, 4)))
    pairs = [
        (x.exp(), dg.exp(x)),
        (x.log(), dg.log(x)),
        (x.sum(axis=1, keepdims=True), dg.sum(x, dim=1, keepdim=True)),
        (x.mean(0), dg.mean(x, 0)),
        (x.max(dim=1).values, dg.max(x, axis=1)),
        (x.amin(dim=(0, 1)), dg.min(x)),
        (x.reshape(2, 6), dg.reshape(x, (2, 6))),
        (x.permute(1, 0), dg.transpose(x)),
        (x.clamp(1.0, 1.5), dg.clip(x, 1.0, 1.5)),
        (x.softmax(1), dg.softmax(x, dim=1)),
        (x.matmul(x.T), dg.matmul(x, x.T)),
    ]
    for a, b in pairs:
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_tensor_constructor_and_requires_grad_():
    x = dg.Tensor([1.0, 2.0])
    assert not x.requires_grad
    assert x.requires_grad_() is x and x.requires_grad
    y = x * 2
    with pytest.raises(RuntimeError, match="detach"):
        y.requires_grad_(False)


def test_to_and_device_names():
    x = dg.ones(2)
    assert x.to("cpu").device == "cpu" and x.to(device="cpu", dtype="float64").dtype == np.float64
    assert x.to(dg.float64).dtype == np.float64
    with pytest.raises(ValueError, match="unknown device 'tpu'"):
        x.to("tpu")


class _FakeGpuArray(np.ndarray):
    """A NumPy array that pretends to live on the GPU (to test device checks without one)."""


def test_mixing_devices_names_both(monkeypatch):
    from deepglass.autograd import function

    monkeypatch.setattr(function, "device_of", lambda a: "cuda" if isinstance(a, _FakeGpuArray) else "cpu")
    on_gpu = dg.Tensor._wrap(np.ones(3, dtype=np.float32).view(_FakeGpuArray))
    on_cpu = dg.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Add: inputs are on different devices \(cpu, cuda\)"):
        on_cpu + on_gpu
    with pytest.raises(RuntimeError, match=r"MatMul: .*\(cuda, cpu\).*\.to\(device\)"):
        dg.matmul(on_gpu, on_cpu)


def test_import_is_light():
    """`import deepglass` loads neither GPU, plotting nor other framework libraries."""
    heavy = ["cupy", "matplotlib", "torch", "scipy", "PIL", "h5py", "sklearn", "tqdm", "safetensors"]
    code = ("import sys, deepglass as dg; dg.ones(2) + 1; "
            f"print(','.join(m for m in {heavy!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"import deepglass loaded {out.stdout.strip()}"


def test_subpackages_load_lazily():
    code = "import sys, deepglass; print('deepglass.nn' in sys.modules, 'deepglass.optim' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        dg.nonexistent  # noqa: B018
