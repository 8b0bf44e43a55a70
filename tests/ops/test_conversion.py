"""Differentiable dtype casts and device moves."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg


def test_astype_is_differentiable_and_casts_the_gradient_back():
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    y = x.double()
    assert y.dtype == np.float64 and y.requires_grad
    (y * y).sum().backward()
    assert x.grad.dtype == np.float32 and x.grad.tolist() == [2.0, 4.0]


def test_to_dtype_spellings():
    x = dg.tensor([1.5, -2.5])
    assert x.to(dg.float64).dtype == np.float64
    assert x.to(dtype="float16").dtype == np.float16
    assert x.astype("float64").dtype == np.float64
    assert x.long().dtype == np.int64 and x.long().tolist() == [1, -2]
    assert x.int().dtype == np.int32
    assert x.bool().dtype == np.bool_
    assert x.float() is x  # already float32: no op


def test_casting_a_grad_tensor_to_int_leaves_the_graph():
    x = dg.tensor([1.7, 2.2], requires_grad=True)
    y = x.long()
    assert y.dtype == np.int64 and not y.requires_grad


def test_to_cpu_is_free_on_cpu():
    x = dg.ones(3, requires_grad=True)
    assert x.to("cpu") is x and x.cpu() is x


def test_cuda_move_on_a_machine_without_cupy_explains_the_extra():
    try:
        import cupy  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("CuPy is installed: the message under test is for machines without it")
    with pytest.raises(RuntimeError, match=r"deepglass\[gpu\]"):
        dg.ones(2).to("cuda")


def test_clone_copies_and_stays_in_the_graph():
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    y = x.clone()
    assert y.data is not x.data and not np.shares_memory(y.data, x.data) and y.requires_grad
    (y * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
    assert x.detach().clone().requires_grad is False


def test_contiguous_copies_only_a_strided_view():
    x = dg.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    assert x.contiguous() is x
    transposed = x.T.contiguous()
    assert transposed.data.flags.c_contiguous and transposed.tolist() == [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]]
    transposed.sum().backward()
    assert x.grad.tolist() == [[1.0] * 3] * 2


def test_new_tensors_take_dtype_and_device_from_the_tensor():
    x = dg.ones(2, dtype=np.float64)
    assert x.new_zeros(2, 3).dtype == np.float64 and x.new_zeros((2, 3)).shape == (2, 3)
    assert x.new_ones(4).tolist() == [1.0] * 4 and x.new_full((2,), 7).tolist() == [7.0, 7.0]
    assert x.new_tensor([1, 2]).dtype == np.float64 and x.new_zeros(2, dtype=np.int64).dtype == np.int64
    assert dg.tensor([1, 2]).type_as(x).dtype == np.float64
