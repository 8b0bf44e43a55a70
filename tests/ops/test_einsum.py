"""einsum: values and gradients of every operand equal PyTorch's; gradcheck; clear errors."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg

from .opcheck import check_op

CASES = [("ij,jk->ik", [(3, 4), (4, 5)]), ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]), ("i,i->", [(5,), (5,)]),
         ("ij->j", [(3, 4)]), ("ij,kl->ijkl", [(2, 3), (4, 5)]), ("ijk,k->ij", [(2, 3, 4), (4,)]),
         ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]), ("ij", [(3, 4)]), ("ij,ij", [(3, 4), (3, 4)]),
         ("abc->cb", [(2, 3, 4)]), ("ij,j->", [(3, 4), (4,)]), ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)])]


@pytest.mark.parametrize("spec, shapes", CASES, ids=[c[0] for c in CASES])
def test_einsum_matches_torch(torch_or_none, spec, shapes):
    torch_fn = None if torch_or_none is None else (lambda *t: torch_or_none.einsum(spec, *t))
    check_op(torch_or_none, lambda *x: dg.einsum(spec, *x), shapes, torch_fn)


def test_einsum_list_form_constant_operand_and_errors():
    a, b = dg.randn(2, 3, requires_grad=True), dg.randn(3, 4)
    out = dg.einsum("ij,jk->ik", [a, b])
    out.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), np.broadcast_to(b.numpy().sum(1), (2, 3)), rtol=1e-6)
    with pytest.raises(NotImplementedError, match="'...' .* is not supported"):
        dg.einsum("...ij->...ji", a)
    with pytest.raises(NotImplementedError, match="a letter repeated inside one operand"):
        dg.einsum("ii->i", dg.ones(3, 3))
    with pytest.raises(ValueError, match=r"subscripts 'ijk' for an operand of shape \(2, 3\)"):
        dg.einsum("ijk->i", a)
    with pytest.raises(ValueError, match="2 operand subscripts for 1 operands"):
        dg.einsum("ij,jk->ik", a)
