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


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("layout", ["offsets", "2d", "last_offset", "padding"])
def test_embedding_bag_matches_torch(torch, mode, layout):
    rng = np.random.default_rng(0)
    kwargs = {"include_last_offset": True} if layout == "last_offset" else {}
    kwargs.update({"padding_idx": 2} if layout == "padding" else {})
    layer, torch_layer = nn.EmbeddingBag(10, 4, mode=mode, **kwargs), torch.nn.EmbeddingBag(10, 4, mode=mode, **kwargs)
    layer.load_state_dict({k: v.detach().numpy() for k, v in torch_layer.state_dict().items()})
    if layout == "2d":
        x, offsets = rng.integers(0, 10, (3, 4)), None
    else:
        x = np.array([1, 2, 4, 5, 4, 3, 2, 9, 2, 2])
        offsets = np.array([0, 3, 3, 7] + ([10] if layout == "last_offset" else []))  # bag 1 is empty
    args = (dg.tensor(x),) + (() if offsets is None else (dg.tensor(offsets),))
    targs = (torch.tensor(x),) + (() if offsets is None else (torch.tensor(offsets),))
    y, ty = layer(*args), torch_layer(*targs)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-6)
    g = rng.standard_normal(ty.shape).astype(np.float32)
    y.backward(dg.tensor(g))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(layer.weight.grad.numpy(), torch_layer.weight.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_embedding_bag_per_sample_weights_gradcheck_and_errors(torch):
    rng = np.random.default_rng(1)
    x, offsets = np.array([0, 3, 3, 1, 4]), np.array([0, 2])
    w = rng.standard_normal(5)
    layer, torch_layer = nn.EmbeddingBag(5, 3, mode="sum", dtype=np.float64), torch.nn.EmbeddingBag(5, 3, mode="sum")
    torch_layer.double()
    layer.load_state_dict({k: v.detach().numpy() for k, v in torch_layer.state_dict().items()})
    wd, wt = dg.tensor(w, requires_grad=True), torch.tensor(w, requires_grad=True)
    y, ty = layer(dg.tensor(x), dg.tensor(offsets), wd), torch_layer(torch.tensor(x), torch.tensor(offsets), wt)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-10)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(wd.grad.numpy(), wt.grad.numpy(), rtol=1e-10)
    table = dg.tensor(rng.standard_normal((5, 3)), requires_grad=True)
    for mode in ("sum", "mean", "max"):
        dg.gradcheck(lambda t, m=mode: F.embedding_bag(dg.tensor(x), t, dg.tensor(offsets), mode=m), table)
    dg.gradcheck(lambda t, s: F.embedding_bag(dg.tensor(x), t, dg.tensor(offsets), mode="sum",
                                              per_sample_weights=s), table, wd)
    assert repr(nn.EmbeddingBag(5, 3)) == repr(torch.nn.EmbeddingBag(5, 3))
    with pytest.raises(NotImplementedError, match="per_sample_weights is only supported for mode='sum'"):
        nn.EmbeddingBag(5, 3)(dg.tensor(x), dg.tensor(offsets), wd)
    with pytest.raises(ValueError, match="offsets must be None for a 2-D input"):
        nn.EmbeddingBag(5, 3)(dg.tensor(x.reshape(1, 5)), dg.tensor(offsets))
    with pytest.raises(ValueError, match="offsets must start at 0"):
        nn.EmbeddingBag(5, 3)(dg.tensor(x), dg.tensor(np.array([1, 2])))
