"""dg.gradcheck itself: passes correct gradients, catches wrong ones, reports the worst errors per input."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass.autograd import Function


class WrongSquare(Function):
    """x**2 with a deliberately wrong backward (3x instead of 2x)."""

    def forward(self, x):
        self.x = x
        return x * x

    def backward(self, gy):
        return gy * 3 * self.x


def test_passes_and_reports_per_input():
    a = dg.tensor(np.random.default_rng(0).standard_normal((2, 3)), requires_grad=True)
    b = dg.tensor(np.random.default_rng(1).standard_normal(3), requires_grad=True)
    report = dg.gradcheck(lambda a, b: (a * b).exp(), a, b)
    assert report and report.ok
    assert [i for i, _, _ in report.errors] == [0, 1]
    assert all(abs_err < 1e-6 for _, abs_err, _ in report.errors)
    assert "passed" in str(report)


def test_catches_a_wrong_backward():
    x = dg.tensor([1.0, 2.0], dtype="float64", requires_grad=True)
    with pytest.raises(AssertionError, match="(?s)gradcheck FAILED.*input 0: max abs error"):
        dg.gradcheck(lambda x: WrongSquare.apply(x), x)
    report = dg.gradcheck(lambda x: WrongSquare.apply(x), x, raise_exception=False)
    assert not report
    weights = np.random.default_rng(0).standard_normal(2)  # gradcheck's fixed output weights (seed=0)
    np.testing.assert_allclose(report.errors[0][1], np.abs(x.numpy() * weights).max(), rtol=1e-6)  # |3x - 2x| w
    np.testing.assert_allclose(report.errors[0][2], 0.5, rtol=1e-6)


def test_needs_float64_and_a_grad_input():
    with pytest.raises(TypeError, match="float64"):
        dg.gradcheck(lambda x: x * 2, dg.ones(2, requires_grad=True))
    with pytest.raises(ValueError, match="no input has requires_grad"):
        dg.gradcheck(lambda x: x * 2, dg.ones(2, dtype="float64"))


def test_non_grad_inputs_are_passed_through():
    x = dg.tensor([0.5, 1.5], dtype="float64", requires_grad=True)
    c = dg.tensor([2.0, 3.0], dtype="float64")
    report = dg.gradcheck(lambda x, c, k: (x * c) ** k, x, c, 3)
    assert len(report.errors) == 1
