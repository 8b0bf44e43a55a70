"""tril / triu / diag / diagonal / diag_embed / trace: values and gradients equal PyTorch's."""

from __future__ import annotations

import pytest

import deepglass as dg

from .opcheck import check_op


@pytest.mark.parametrize("diagonal", [0, 1, -1, 3, -4])
@pytest.mark.parametrize("shape", [(3, 4), (2, 4, 3)])
@pytest.mark.parametrize("name", ["tril", "triu"])
def test_tril_triu_match_torch(torch, name, shape, diagonal):
    check_op(torch, lambda x: getattr(x, name)(diagonal), [shape], lambda x: getattr(torch, name)(x, diagonal))


@pytest.mark.parametrize("diagonal", [0, 1, -2, 5])
@pytest.mark.parametrize("shape", [(4,), (3, 5), (5, 3)])
def test_diag_matches_torch(torch, shape, diagonal):
    check_op(torch, lambda x: x.diag(diagonal), [shape], lambda x: torch.diag(x, diagonal))


@pytest.mark.parametrize("offset, dim1, dim2", [(0, 0, 1), (1, 0, 1), (-1, 1, 0), (0, 0, 2), (2, -1, -3),
                                                (-2, 2, 1), (7, 0, 1)])
def test_diagonal_matches_torch(torch, offset, dim1, dim2):
    check_op(torch, lambda x: x.diagonal(offset, dim1, dim2), [(3, 4, 5)],
             lambda x: torch.diagonal(x, offset, dim1, dim2))


@pytest.mark.parametrize("offset, dim1, dim2", [(0, -2, -1), (1, 0, 2), (-2, -1, 0), (0, 1, 2)])
def test_diag_embed_matches_torch(torch, offset, dim1, dim2):
    check_op(torch, lambda x: x.diag_embed(offset, dim1, dim2), [(2, 3)],
             lambda x: torch.diag_embed(x, offset, dim1, dim2))


@pytest.mark.parametrize("shape", [(3, 3), (2, 5), (4, 2)])
def test_trace_matches_torch(torch, shape):
    check_op(torch, lambda x: x.trace(), [shape], lambda x: torch.trace(x))


def test_matrix_errors():
    with pytest.raises(ValueError, match=r"tril: needs at least 2 dimensions, got shape \(3,\)"):
        dg.ones(3).tril()
    with pytest.raises(ValueError, match="diag: expects a vector or a matrix"):
        dg.ones(2, 2, 2).diag()
    with pytest.raises(ValueError, match="dim1 and dim2 must differ"):
        dg.ones(2, 2).diagonal(0, 1, -1)
    with pytest.raises(IndexError, match=r"diagonal: dims \(0, 3\) are out of range"):
        dg.ones(2, 2).diagonal(0, 0, 3)
    with pytest.raises(ValueError, match=r"trace: expects a matrix, got shape \(3,\)"):
        dg.ones(3).trace()
