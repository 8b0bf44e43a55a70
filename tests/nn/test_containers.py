"""Sequential, ModuleList, ModuleDict, Identity."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

import deepglass as dg
from deepglass import nn


def test_sequential_forward_add_index_slice_len_iter():
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU())
    model.add(nn.Linear(8, 2))
    assert len(model) == 3 and isinstance(model[-1], nn.Linear)
    assert [type(m).__name__ for m in model] == ["Linear", "ReLU", "Linear"]
    x = dg.randn(5, 4)
    expected = model[2](model[1](model[0](x)))
    np.testing.assert_array_equal(model(x).numpy(), expected.numpy())
    head = model[:2]
    assert isinstance(head, nn.Sequential) and len(head) == 2 and head[0] is model[0]
    assert tuple(head(x).shape) == (5, 8)
    with pytest.raises(IndexError, match="out of range"):
        model[5]
    with pytest.raises(TypeError, match="Module"):
        model.add(lambda x: x)


def test_sequential_named_and_delete_renumbers():
    named = nn.Sequential(OrderedDict(fc=nn.Linear(2, 3), act=nn.Tanh()))
    assert [n for n, _ in named.named_parameters()] == ["fc.weight", "fc.bias"]
    model = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 3))
    del model[0]
    assert list(model._modules) == ["0", "1"]
    model.append(nn.Identity())
    assert list(model._modules) == ["0", "1", "2"] and len(model) == 3
    model[0] = nn.Tanh()
    assert isinstance(model[0], nn.Tanh)


def test_module_list_and_dict_register_parameters():
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    layers.append(nn.Linear(2, 1))
    assert len(layers) == 4 and len(list(layers.parameters())) == 8
    layers.insert(0, nn.ReLU())
    assert isinstance(layers[0], nn.ReLU) and list(layers._modules)[-1] == "4"
    del layers[0]
    assert isinstance(layers[0], nn.Linear) and len(layers) == 4
    heads = nn.ModuleDict({"a": nn.Linear(2, 2), "b": nn.Linear(2, 3)})
    assert list(heads) == ["a", "b"] and "a" in heads and len(heads) == 2
    assert [n for n, _ in heads.named_parameters()] == ["a.weight", "a.bias", "b.weight", "b.bias"]
    heads["c"] = nn.Identity()
    assert heads.pop("b").out_features == 3 and list(heads.keys()) == ["a", "c"]

    class TwoHeads(nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = layers
            self.heads = heads

        def forward(self, x):
            return x

    assert len(TwoHeads().state_dict()) == 8 + 2


def test_identity_passes_input_through():
    x = dg.randn(3, 2)
    assert nn.Identity(54, unused=1)(x) is x


def test_parameter_list_registers_like_torch(torch):
    plist = nn.ParameterList([nn.Parameter(dg.zeros(2, 3)), dg.ones(3)])  # a Tensor is wrapped as a Parameter
    plist.append(dg.zeros(1))
    plist.extend([nn.Parameter(dg.ones(2))])
    assert len(plist) == 4 and all(isinstance(p, nn.Parameter) for p in plist)
    assert list(plist.state_dict()) == ["0", "1", "2", "3"]
    assert len(list(plist.parameters())) == 4 and plist[-1].shape == (2,)
    assert isinstance(plist[1:3], nn.ParameterList) and plist[1:3][0] is plist[1]
    plist[0] = dg.ones(4)
    assert plist[0].shape == (4,) and isinstance(plist[0], nn.Parameter)
    with pytest.raises(IndexError, match="out of range"):
        plist[9]
    with pytest.raises(TypeError, match="Parameter or a Tensor"):
        plist.append(3.0)
    tlist = torch.nn.ParameterList([torch.nn.Parameter(torch.zeros(2, 3)), torch.ones(3)])
    own = nn.ParameterList([dg.zeros(2, 3), dg.ones(3)])
    assert repr(own) == repr(tlist).replace("torch.", "")
    assert repr(nn.ParameterList()) == "ParameterList()"

    class Mixture(nn.Module):
        def __init__(self):
            super().__init__()
            self.weights = nn.ParameterList([dg.ones(2), dg.ones(2)])

        def forward(self, x):
            return sum(w * x for w in self.weights)

    model = Mixture()
    assert list(model.state_dict()) == ["weights.0", "weights.1"]
    model(dg.ones(2)).sum().backward()
    assert all(p.grad is not None for p in model.parameters())


def test_parameter_dict_registers_like_torch():
    pdict = nn.ParameterDict({"a": nn.Parameter(dg.zeros(2)), "b": dg.ones(3)})
    pdict["c"] = dg.zeros(1)
    pdict.update([("d", dg.ones(1))])
    assert list(pdict) == ["a", "b", "c", "d"] and len(pdict) == 4 and "b" in pdict
    assert list(pdict.state_dict()) == ["a", "b", "c", "d"]
    assert isinstance(pdict["b"], nn.Parameter) and pdict.get("zz") is None
    pdict["a"] = dg.ones(5)  # replacing keeps the order
    assert list(pdict.keys()) == ["a", "b", "c", "d"] and pdict["a"].shape == (5,)
    assert pdict.pop("c").shape == (1,) and list(pdict) == ["a", "b", "d"]
    del pdict["a"]
    assert [k for k, _ in pdict.items()] == ["b", "d"] and len(list(pdict.values())) == 2
    with pytest.raises(KeyError):
        pdict["missing"]
    with pytest.raises(TypeError, match="Parameter or a Tensor"):
        pdict["x"] = [1.0]
    assert repr(pdict).startswith("ParameterDict(\n    (b): Parameter containing: [float32 of size 3]")
    pdict.clear()
    assert len(pdict) == 0 and list(pdict.parameters()) == []
