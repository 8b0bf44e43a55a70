"""Embedding and Flatten/Unflatten against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass import nn
from deepglass.nn import functional as F

from .layercheck import check_layer, check_torch_parity


@pytest.mark.parametrize("padding_idx", [None, 2, -1])
def test_embedding_matches_torch(torch, padding_idx):
    idx = np.array([[0, 2, 4, 2], [1, 1, 3, 4]])
    theirs = torch.nn.Embedding(5, 3, padding_idx=padding_idx)
    ours = nn.Embedding(5, 3, padding_idx=padding_idx)
    if padding_idx is not None:
        assert not ours.weight.numpy()[padding_idx].any()
    check_torch_parity(torch, ours, theirs, idx)  # repeated indices accumulate; the padding row gets no gradient


def test_embedding_default_init_contract_and_errors():
    layer = nn.Embedding(1000, 64)
    w = layer.weight.numpy()
    assert abs(w.std() - 1) < 0.02 and abs(w.mean()) < 0.02  # N(0, 1) like PyTorch
    check_layer(nn.Embedding(7, 4), dg.tensor([[1, 2], [3, 6]]), (2, 2, 4), 28)
    with pytest.raises(IndexError, match=r"outside \[0, 7\)"):
        nn.Embedding(7, 4)(dg.tensor([7]))
    with pytest.raises(TypeError, match="integers"):
        nn.Embedding(7, 4)(dg.tensor([1.0]))
    frozen = nn.Embedding.from_pretrained(dg.randn(3, 2))
    assert not frozen.weight.requires_grad and repr(frozen) == "Embedding(3, 2)"
    np.testing.assert_array_equal(F.one_hot(dg.tensor([0, 2]), 3).numpy(), [[1, 0, 0], [0, 0, 1]])


def test_flatten_and_unflatten(torch):
    x = np.random.randn(2, 3, 4, 5).astype(np.float32)
    check_torch_parity(torch, nn.Flatten(), torch.nn.Flatten(), x)
    check_torch_parity(torch, nn.Flatten(0, 2), torch.nn.Flatten(0, 2), x)
    check_torch_parity(torch, nn.Unflatten(1, (3, 1)), torch.nn.Unflatten(1, (3, 1)), x)
    assert tuple(nn.Unflatten(1, (3, 4, 5))(nn.Flatten()(dg.tensor(x))).shape) == (2, 3, 4, 5)
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"


def test_embedding_gradcheck_float64_and_parameterless_layer_contracts():
    weight = dg.randn(6, 3, dtype=dg.float64, requires_grad=True)
    idx = dg.tensor([[0, 5, 5], [2, 0, 1]])
    dg.gradcheck(lambda w: F.embedding(idx, w), weight)  # (padding_idx deliberately breaks the true gradient)
    check_layer(nn.Flatten(), dg.randn(2, 3, 4), (2, 12), 0)
    check_layer(nn.Sequential(nn.Linear(4, 6), nn.Dropout(0.2), nn.Tanh()), dg.randn(3, 4), (3, 6), 30)
