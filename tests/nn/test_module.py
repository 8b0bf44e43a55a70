"""Module: registration, traversal, modes, freezing, devices/dtypes, state dicts, hooks, repr."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 3)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(3, 2, bias=False)
        self.scale = nn.Parameter(dg.ones(1))
        self.register_buffer("count", dg.zeros(1))
        self.register_buffer("scratch", dg.zeros(2), persistent=False)
        self.note = "plain attribute"

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x))) * self.scale


def test_registration_and_traversal_order():
    net = Net()
    assert [n for n, _ in net.named_parameters()] == ["scale", "fc1.weight", "fc1.bias", "fc2.weight"]
    assert [n for n, _ in net.named_buffers()] == ["count", "scratch"]
    assert [n for n, _ in net.named_children()] == ["fc1", "act", "fc2"]
    assert [n for n, _ in net.named_modules()] == ["", "fc1", "act", "fc2"]
    assert list(net.children())[0] is net.fc1
    assert net.fc2.bias is None and "bias" in net.fc2._parameters
    assert net.note == "plain attribute" and "note" not in net._parameters
    assert net.num_parameters() == 1 + 4 * 3 + 3 + 3 * 2
    with pytest.raises(AttributeError, match="Net.*missing"):
        _ = net.missing


def test_shared_parameters_counted_once_and_reassignment():
    a = nn.Linear(2, 2)
    seq = nn.Sequential(a, nn.ReLU(), a)
    assert len(list(seq.parameters())) == 2
    net = Net()
    net.fc1 = nn.Identity()  # replacing a module re-registers it
    assert "fc1.weight" not in dict(net.named_parameters())
    del net.fc2
    assert "fc2" not in dict(net.named_children())
    with pytest.raises(TypeError, match="parameter 'scale'"):
        net.scale = dg.ones(1)
    net.scale = None
    assert "scale" not in dict(net.named_parameters())


def test_setattr_before_init_is_a_clear_error():
    class Bad(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match="super"):
        Bad()


def test_train_eval_requires_grad_and_zero_grad():
    net = Net()
    assert net.training and net.fc1.training
    net.eval()
    assert not net.training and not net.fc1.training
    net.train()
    assert net.fc2.training
    net(dg.randn(5, 4)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(float(np.abs(p.grad.numpy()).sum()) == 0 for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net.fc1.requires_grad_(False)
    net(dg.randn(5, 4)).sum().backward()
    assert net.fc1.weight.grad is None and net.fc2.weight.grad is not None


def test_to_dtype_keeps_parameter_objects():
    net = Net()
    w = net.fc1.weight
    net.double()
    assert net.fc1.weight is w and w.dtype == np.float64 and net.count.dtype == np.float64
    assert net(dg.randn(2, 4).double()).dtype == np.float64
    net.float()
    assert w.dtype == np.float32
    assert net.to("cpu") is net and net.cpu().fc1.weight.device == "cpu"


def test_state_dict_round_trip_and_copies():
    net, other = Net(), Net()
    state = net.state_dict()
    assert list(state) == ["scale", "count", "fc1.weight", "fc1.bias", "fc2.weight"]
    assert all(isinstance(v, np.ndarray) for v in state.values())
    state["fc1.weight"][...] = 7  # a copy: the model is untouched
    assert not np.all(net.fc1.weight.numpy() == 7)
    result = other.load_state_dict(state)
    assert result.missing_keys == [] and result.unexpected_keys == []
    np.testing.assert_array_equal(other.fc1.weight.numpy(), 7)
    np.testing.assert_array_equal(other.fc2.weight.numpy(), net.fc2.weight.numpy())
    # tensors are accepted too
    other.load_state_dict({k: dg.tensor(v) for k, v in net.state_dict().items()})
    np.testing.assert_array_equal(other.fc1.weight.numpy(), net.fc1.weight.numpy())


def test_load_state_dict_lists_every_problem():
    net = Net()
    state = net.state_dict()
    del state["fc1.bias"]
    state["extra.weight"] = np.zeros(3)
    state["fc2.weight"] = np.zeros((5, 5))
    with pytest.raises(RuntimeError) as info:
        net.load_state_dict(state)
    message = str(info.value)
    assert "missing keys (1): fc1.bias" in message
    assert "unexpected keys (1): extra.weight" in message
    assert "fc2.weight: checkpoint (5, 5) vs model (2, 3)" in message
    state["fc2.weight"] = np.zeros((2, 3))
    result = net.load_state_dict(state, strict=False)
    assert result.missing_keys == ["fc1.bias"] and result.unexpected_keys == ["extra.weight"]


def test_forward_hooks_and_pre_hooks():
    net = Net()
    seen = []
    handle = net.fc1.register_forward_hook(lambda m, args, out: seen.append((m, args[0].shape, out.shape)))
    pre = net.register_forward_pre_hook(lambda m, args: (args[0] * 0,))
    y = net(dg.randn(5, 4))
    assert seen[0][0] is net.fc1 and seen[0][1:] == ((5, 4), (5, 3))
    expected = net.fc2(net.act(net.fc1.bias.reshape(1, 3) * dg.ones(5, 1))) * net.scale
    np.testing.assert_allclose(y.numpy(), expected.numpy(), rtol=1e-6)
    handle.remove()
    pre.remove()
    net(dg.randn(5, 4))
    assert len(seen) == 1  # removed: not called again
    with net.fc2.register_forward_hook(lambda m, args, out: out * 0):
        assert np.all(net(dg.randn(1, 4)).numpy() == 0)
    assert np.any(net(dg.randn(3, 4)).numpy() != 0)


def test_apply_get_submodule_and_repr():
    net = Net()
    names = []
    net.apply(lambda m: names.append(type(m).__name__))
    assert names == ["Linear", "ReLU", "Linear", "Net"]
    assert net.get_submodule("fc2") is net.fc2
    with pytest.raises(AttributeError, match="nope"):
        net.get_submodule("nope")
    text = repr(net)
    assert text.startswith("Net(\n  (fc1): Linear(in_features=4, out_features=3, bias=True)")
    assert "(fc2): Linear(in_features=3, out_features=2, bias=False)" in text
    nested = repr(nn.Sequential(nn.Sequential(nn.ReLU())))
    assert nested == "Sequential(\n  (0): Sequential(\n    (0): ReLU()\n  )\n)"


def test_parameter_is_a_leaf_tensor():
    p = nn.Parameter(dg.zeros(3))
    assert isinstance(p, dg.Tensor) and p.requires_grad and p.is_leaf
    assert "Parameter containing" in repr(p)
    frozen = nn.Parameter(np.zeros(2, np.float32), requires_grad=False)
    assert not frozen.requires_grad


def test_deepcopy_gives_independent_parameters():
    import copy

    net = Net()
    twin = copy.deepcopy(net)
    assert isinstance(twin.fc1.weight, nn.Parameter) and twin.fc1.weight is not net.fc1.weight
    x = dg.randn(3, 4)
    np.testing.assert_array_equal(twin(x).numpy(), net(x).numpy())
    with dg.no_grad():
        twin.fc1.weight.data[...] = 0
    assert np.any(net.fc1.weight.numpy() != 0)


def test_train_goes_through_overridden_train():
    calls = []

    class Custom(nn.Module):
        def train(self, mode=True):
            calls.append(mode)
            return super().train(mode)

    outer = nn.Sequential(Custom())
    outer.eval()
    assert calls == [False] and not outer[0].training
    with pytest.raises(TypeError, match="bool"):
        outer.train("yes")


def test_full_backward_hook_matches_torch(torch):
    from deepglass import nn as dnn

    ours, theirs = {}, {}
    layer = dnn.Conv2d(2, 3, 3, padding=1)
    t_layer = torch.nn.Conv2d(2, 3, 3, padding=1)
    t_layer.load_state_dict({k: torch.tensor(v) for k, v in layer.state_dict().items()})
    handle = layer.register_full_backward_hook(lambda m, gi, go: ours.update(gi=gi, go=go, m=m))
    t_layer.register_full_backward_hook(lambda m, gi, go: theirs.update(gi=gi, go=go))
    x = np.random.default_rng(0).standard_normal((2, 2, 5, 5)).astype(np.float32)
    xd, xt = dg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (layer(xd) ** 2).sum().backward()
    (t_layer(xt) ** 2).sum().backward()
    assert ours["m"] is layer and len(ours["gi"]) == len(ours["go"]) == 1
    np.testing.assert_allclose(ours["go"][0].numpy(), theirs["go"][0].numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(ours["gi"][0].numpy(), theirs["gi"][0].numpy(), rtol=1e-4, atol=1e-4)
    ours.clear()
    layer(dg.tensor(x)).sum().backward()  # an input without gradient: grad_input is (None,)
    assert ours["gi"] == (None,) and ours["go"][0].shape == (2, 3, 5, 5)
    handle.remove()
    ours.clear()
    layer(xd).sum().backward()
    assert ours == {}


def test_full_backward_hook_replaces_grad_input_and_sees_only_its_share():
    from deepglass import nn as dnn

    relu = dnn.ReLU()
    relu.register_full_backward_hook(lambda m, gi, go: (gi[0] * 0,))
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    (relu(x) + x).sum().backward()  # the module's share is zeroed; the direct path still adds 1
    assert x.grad.tolist() == [1.0, 1.0]


def test_get_parameter_and_get_buffer_follow_dotted_paths():
    model = nn.Sequential(Net(), nn.BatchNorm1d(2))
    assert model.get_parameter("0.fc1.weight") is model[0].fc1.weight
    assert model.get_parameter("0.scale") is model[0].scale
    assert model.get_buffer("1.running_mean") is model[1].running_mean
    assert model.get_buffer("0.scratch") is model[0].scratch  # non-persistent buffers too
    with pytest.raises(AttributeError, match="BatchNorm1d has no attribute `foo`"):
        model.get_parameter("1.foo")
    with pytest.raises(AttributeError, match="`running_mean` is not an nn.Parameter"):
        model.get_parameter("1.running_mean")
    with pytest.raises(AttributeError, match="`weight` is not a buffer"):
        model.get_buffer("1.weight")
    with pytest.raises(AttributeError, match="`0` is not an nn.Parameter"):
        model.get_parameter("0")
    with pytest.raises(AttributeError, match="no sub-module '5'"):
        model.get_buffer("5.running_mean")
