"""Finding the first op that made a NaN/inf, and the fast finiteness check."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass.diagnostics.nonfinite import first_nonfinite_op, is_finite


@pytest.mark.parametrize("value,finite", [(np.nan, False), (np.inf, False), (-np.inf, False), (3e38, True)])
def test_is_finite(value, finite):
    a = np.ones((4, 5), np.float32)
    a[2, 3] = value
    assert is_finite(a) is finite
    assert is_finite(np.arange(3)) is True
    assert is_finite(np.array([1 + 1j, complex(np.nan, 0)])) is False


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_first_nonfinite_op_walks_back_to_the_origin():
    w = dg.tensor([1.0, -1.0, 2.0], requires_grad=True)
    x = dg.tensor([1.0, 1.0, 1.0])
    out = (dg.log(x * w) * 2.0 + 1.0).sum()  # log(-1) is the first NaN; Mul, Add, Sum only carry it
    op, detail = first_nonfinite_op(out)
    assert op == "Log" and "finite inputs" in detail

    bad = dg.tensor([np.inf, 1.0], requires_grad=True)
    assert first_nonfinite_op((bad * 2).sum(), {id(bad): "layer.weight"}) == ("parameter", "layer.weight")
    assert first_nonfinite_op((dg.tensor([np.nan]) + w[:1]).sum())[0] == "input"
