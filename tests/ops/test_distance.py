"""cdist: forward and gradients against PyTorch for each p, batched and broadcast, and the zero-distance gradient."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg

from .opcheck import check_op


@pytest.mark.parametrize("p", [0.0, 1.0, 1.5, 2.0, 3.0, float("inf")])
@pytest.mark.parametrize("shapes", [[(4, 3), (5, 3)], [(2, 4, 3), (2, 5, 3)], [(2, 1, 4, 3), (3, 5, 3)]], ids=str)
def test_cdist_matches_torch(torch, p, shapes):
    check_op(torch, lambda a, b: dg.cdist(a, b, p=p), shapes, lambda a, b: torch.cdist(a, b, p=p))


def test_cdist_matrix_product_path_for_many_rows(torch):
    """Over 25 rows PyTorch (and deepglass) compute p=2 distances with a matrix product."""
    check_op(torch, lambda a, b: dg.cdist(a, b), [(30, 4), (2, 27, 4)], lambda a, b: torch.cdist(a, b), atol=1e-5)
    out = dg.cdist(dg.ones(30, 2), dg.zeros(1, 2))
    np.testing.assert_allclose(out.numpy(), np.sqrt(2.0), rtol=1e-6)


@pytest.mark.parametrize("p", [1.0, 2.0, 3.0, float("inf")])
def test_cdist_gradient_is_zero_at_zero_distance(torch, p):
    data = np.array([[1.0, 2.0], [0.5, -1.0]])
    a, b = dg.tensor(data, requires_grad=True), dg.tensor(data[::-1].copy(), requires_grad=True)
    ta, tb = torch.tensor(data, requires_grad=True), torch.tensor(data[::-1].copy(), requires_grad=True)
    dg.cdist(a, b, p=p).sum().backward()
    torch.cdist(ta, tb, p=p).sum().backward()
    assert np.isfinite(a.grad.numpy()).all()
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy())
    np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy())


def test_cdist_float32_and_errors():
    out = dg.cdist(dg.randn(3, 2), dg.randn(4, 2))
    assert out.dtype == np.float32 and out.shape == (3, 4)
    with pytest.raises(ValueError, match=r"cdist: expects x1 \(\.\.\., P, M\) and x2 \(\.\.\., R, M\) with the same M, "
                                         r"got shapes \(3, 2\) and \(4, 3\)"):
        dg.cdist(dg.ones(3, 2), dg.ones(4, 3))
    with pytest.raises(ValueError, match="cdist: p must be >= 0"):
        dg.cdist(dg.ones(3, 2), dg.ones(4, 2), p=-1)
