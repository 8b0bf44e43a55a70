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
