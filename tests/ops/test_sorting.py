"""sort / argsort / topk: values, indices and gradients equal PyTorch's (stable order for ties)."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg

from .opcheck import check_op

TIES = np.array([[3.0, 1.0, 2.0, 1.0, 3.0], [0.0, 5.0, 5.0, -1.0, 0.0]])


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("descending", [False, True])
def test_sort_matches_torch_stable(torch, dim, descending):
    x, t = dg.tensor(TIES, requires_grad=True), torch.tensor(TIES, requires_grad=True)
    values, indices = dg.sort(x, dim, descending)
    expected = torch.sort(t, dim=dim, descending=descending, stable=True)
    np.testing.assert_array_equal(values.numpy(), expected.values.detach().numpy())
    np.testing.assert_array_equal(indices.numpy(), expected.indices.numpy())
    assert indices.dtype == np.int64
    np.testing.assert_array_equal(x.argsort(dim=dim, descending=descending).numpy(), indices.numpy())
    check_op(torch, lambda a: a.sort(dim, descending).values, [(3, 4)],
             lambda a: torch.sort(a, dim=dim, descending=descending).values)


@pytest.mark.parametrize("k, dim, largest", [(2, -1, True), (3, 1, False), (1, 0, True), (0, 1, True), (5, 1, False)])
def test_topk_matches_torch(torch, k, dim, largest):
    data = np.random.default_rng(k).permutation(20).reshape(4, 5).astype(np.float64)  # distinct values
    result = dg.topk(dg.tensor(data), k, dim, largest)
    expected = torch.topk(torch.tensor(data), k, dim, largest)
    np.testing.assert_array_equal(result.values.numpy(), expected.values.numpy())
    np.testing.assert_array_equal(result.indices.numpy(), expected.indices.numpy())
    if k:
        check_op(torch, lambda a: a.topk(k, dim, largest).values, inputs=[data],
                 torch_fn=lambda a: torch.topk(a, k, dim, largest).values)


def test_top5_predictions_of_a_batch_and_integer_sorting():
    logits = dg.tensor([[0.1, 2.0, 0.3, 5.0, -1.0, 0.0], [3.0, 0.0, 1.0, 2.0, 4.0, 5.0]])
    _, top5 = logits.topk(5, dim=1)
    assert top5.tolist() == [[3, 1, 2, 0, 5], [5, 4, 0, 3, 2]]
    labels = dg.tensor(np.array([3, 0, 2, 1], dtype=np.uint8))
    assert labels.sort(descending=True).values.tolist() == [3, 2, 1, 0]
    with pytest.raises(ValueError, match=r"topk: k=7 is out of range for dimension 1 of size 6"):
        logits.topk(7, dim=1)
