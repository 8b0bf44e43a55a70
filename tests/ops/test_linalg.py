"""matmul with NumPy's rules: 1-D operands and broadcasting batch axes."""

from __future__ import annotations

import pytest

import deepglass as dg

from .opcheck import check_op

CASES = [
    [(3, 4), (4, 5)],
    [(4,), (4, 5)],
    [(3, 4), (4,)],
    [(4,), (4,)],
    [(2, 3, 4), (4, 5)],
    [(3, 4), (2, 4, 5)],
    [(2, 1, 3, 4), (5, 4, 2)],
    [(4,), (2, 4, 3)],
    [(2, 3, 4), (4,)],
]


@pytest.mark.parametrize("shapes", CASES, ids=str)
def test_matmul(torch_or_none, shapes):
    check_op(torch_or_none, lambda a, b: a @ b, shapes)


def test_matmul_function_and_method(torch_or_none):
    torch_fn = None if torch_or_none is None else torch_or_none.matmul
    check_op(torch_or_none, dg.matmul, [(2, 3), (3, 2)], torch_fn)
    check_op(torch_or_none, lambda a, b: a.matmul(b), [(2, 3), (3, 2)], torch_fn)


def test_matmul_with_one_constant_operand(torch_or_none):
    import numpy as np

    w = np.random.default_rng(3).standard_normal((4, 2))
    torch_fn = None if torch_or_none is None else (lambda t: t @ torch_or_none.tensor(w))
    check_op(torch_or_none, lambda x: x @ dg.tensor(w), [(3, 4)], torch_fn)


def test_inner_mismatch_names_the_op_and_both_shapes():
    with pytest.raises(ValueError, match=r"matmul: shapes \(2, 3\) and \(4, 5\)"):
        dg.ones(2, 3) @ dg.ones(4, 5)


def test_batch_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"matmul: .*\(2, 3, 4\) and \(3, 4, 5\)"):
        dg.ones(2, 3, 4) @ dg.ones(3, 4, 5)


def test_zero_dim_operand_is_refused():
    with pytest.raises(ValueError, match="matmul: both operands need at least 1 dimension"):
        dg.matmul(dg.tensor(2.0), dg.ones(3))


def test_mm_bmm_and_t(torch_or_none):
    torch = torch_or_none
    check_op(torch, lambda a, b: a.mm(b.t()), [(3, 4), (5, 4)], None if torch is None else lambda a, b: a.mm(b.t()))
    check_op(torch, lambda a, b: dg.bmm(a, b), [(2, 3, 4), (2, 4, 5)], None if torch is None else torch.bmm)
    assert dg.ones(3).t().shape == (3,)
    with pytest.raises(ValueError, match=r"mm: expects two matrices, got shapes \(2, 3, 4\) and \(4, 5\)"):
        dg.mm(dg.ones(2, 3, 4), dg.ones(4, 5))
    with pytest.raises(ValueError, match=r"bmm: .*same B, got shapes \(2, 3, 4\) and \(3, 4, 5\)"):
        dg.bmm(dg.ones(2, 3, 4), dg.ones(3, 4, 5))
    with pytest.raises(ValueError, match=r"t: expects a tensor with at most 2 dimensions, got shape \(2, 3, 4\)"):
        dg.ones(2, 3, 4).t()


def test_dot_and_outer(torch_or_none):
    torch = torch_or_none
    check_op(torch, lambda a, b: dg.dot(a, b), [(5,), (5,)], None if torch is None else torch.dot)
    check_op(torch, lambda a, b: a.outer(b), [(3,), (4,)], None if torch is None else torch.outer)
    with pytest.raises(ValueError, match=r"dot: expects two vectors of one length, got shapes \(3,\) and \(4,\)"):
        dg.dot(dg.ones(3), dg.ones(4))


# ---- mv, addmm, addmv, baddbmm, addbmm, cross, kron --------------------------------------------------
SCALES = [{}, {"beta": 0.5, "alpha": -2.0}, {"beta": 0, "alpha": 1.5}]


@pytest.mark.parametrize("kwargs", SCALES)
@pytest.mark.parametrize("name, shapes", [
    ("addmm", [(3, 5), (3, 4), (4, 5)]), ("addmm", [(5,), (3, 4), (4, 5)]), ("addmv", [(3,), (3, 4), (4,)]),
    ("addmv", [(1,), (3, 4), (4,)]), ("baddbmm", [(2, 3, 5), (2, 3, 4), (2, 4, 5)]),
    ("baddbmm", [(3, 1), (2, 3, 4), (2, 4, 5)]), ("addbmm", [(3, 5), (2, 3, 4), (2, 4, 5)]),
])
def test_add_products_match_torch(torch, name, shapes, kwargs):
    # beta=0 ignores the input (PyTorch's gradient for it is zero, deepglass leaves it None): only 2 inputs checked
    if kwargs.get("beta") == 0:
        check_op(torch, lambda a, b: getattr(dg, name)(dg.full(shapes[0], float("nan")), a, b, **kwargs), shapes[1:],
                 lambda a, b: getattr(torch, name)(torch.full(shapes[0], float("nan"), dtype=a.dtype), a, b, **kwargs))
        return
    check_op(torch, lambda i, a, b: getattr(i, name)(a, b, **kwargs), shapes,
             lambda i, a, b: getattr(torch, name)(i, a, b, **kwargs))


def test_mv_matches_torch_and_errors(torch):
    check_op(torch, lambda m, v: m.mv(v), [(3, 4), (4,)], lambda m, v: torch.mv(m, v))
    with pytest.raises(ValueError, match=r"mv: expects \(n, m\) and \(m,\)"):
        dg.ones(3, 4).mv(dg.ones(3))
    with pytest.raises(ValueError, match="addbmm: expects"):
        dg.addbmm(dg.ones(3, 5), dg.ones(2, 3, 4), dg.ones(3, 4, 5))


@pytest.mark.parametrize("shapes, dim", [([(4, 3), (4, 3)], 1), ([(3, 2), (3, 2)], None),
                                         ([(2, 3, 4), (1, 3, 1)], -2), ([(5, 3), (1, 3)], -1)])
def test_cross_matches_torch(torch, shapes, dim):
    check_op(torch, lambda a, b: a.cross(b, dim), shapes, lambda a, b: torch.cross(a, b, dim=dim)
             if dim is not None else torch.linalg.cross(a, b, dim=0))
    with pytest.raises(ValueError, match="cross"):
        dg.ones(2, 2).cross(dg.ones(2, 2))


@pytest.mark.parametrize("shapes", [[(2, 3), (3, 2)], [(3,), (2,)], [(2, 2), (3,)], [(2,), (2, 1, 3)]])
def test_kron_matches_torch(torch, shapes):
    check_op(torch, lambda a, b: a.kron(b), shapes, lambda a, b: torch.kron(a, b))
