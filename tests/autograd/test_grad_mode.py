"""no_grad / enable_grad: as context managers and as decorators."""

from __future__ import annotations

import deepglass as dg


def test_no_grad_records_nothing():
    x = dg.ones(3, requires_grad=True)
    with dg.no_grad():
        assert not dg.is_grad_enabled()
        y = (x * 2).exp().sum()
    assert dg.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None


def test_no_grad_as_decorator():
    @dg.no_grad()
    def step(x):
        assert not dg.is_grad_enabled()
        return x * 2

    x = dg.ones(3, requires_grad=True)
    y = step(x)
    assert not y.requires_grad and y.grad_fn is None
    assert dg.is_grad_enabled()
    assert step.__name__ == "step"


def test_enable_grad_inside_no_grad():
    x = dg.ones(3, requires_grad=True)
    with dg.no_grad():
        with dg.enable_grad():
            y = (x * 2).sum()
        z = x * 2
    assert y.requires_grad and y.grad_fn is not None
    assert not z.requires_grad
    y.backward()
    assert x.grad.tolist() == [2.0, 2.0, 2.0]


def test_grad_mode_is_restored_after_an_exception():
    try:
        with dg.no_grad():
            raise ValueError("boom")
    except ValueError:
        pass
    assert dg.is_grad_enabled()


def test_nested_no_grad_restores_the_outer_state():
    with dg.no_grad():
        with dg.no_grad():
            pass
        assert not dg.is_grad_enabled()
    assert dg.is_grad_enabled()


def test_ops_on_tensors_without_grad_record_nothing():
    y = dg.ones(3) * 2
    assert not y.requires_grad and y.grad_fn is None


def test_set_grad_enabled_as_a_call_a_block_and_a_decorator():
    x = dg.ones(2, requires_grad=True)
    dg.set_grad_enabled(False)
    try:
        assert not dg.is_grad_enabled() and not (x * 2).requires_grad
    finally:
        dg.set_grad_enabled(True)
    assert dg.is_grad_enabled()
    with dg.no_grad():
        with dg.set_grad_enabled(True):
            assert (x * 2).requires_grad
        assert not dg.is_grad_enabled()

    @dg.set_grad_enabled(False)
    def frozen():
        return dg.is_grad_enabled()

    assert dg.is_grad_enabled() and frozen() is False and dg.is_grad_enabled()


def test_inference_mode_records_nothing_and_false_changes_nothing():
    x = dg.ones(2, requires_grad=True)
    with dg.inference_mode():
        assert not (x * 2).requires_grad
    with dg.inference_mode(False):
        assert (x * 2).requires_grad

    @dg.inference_mode()
    def predict():
        return (x * 2).requires_grad

    assert predict() is False and dg.is_grad_enabled()
