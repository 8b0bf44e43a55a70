"""RNN, LSTM, GRU and their cells: PyTorch parity of outputs, final states and every gradient, gradcheck of the
fused ops, dropout, initialization, names and errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

import deepglass as dg
from deepglass import nn
from deepglass.ops.rnn import GRUSequence, LSTMSequence, RNNSequence

MODES = {  # name → (torch class name, deepglass class, extra kwargs)
    "lstm": ("LSTM", nn.LSTM, {}),
    "gru": ("GRU", nn.GRU, {}),
    "rnn_tanh": ("RNN", nn.RNN, {}),
    "rnn_relu": ("RNN", nn.RNN, {"nonlinearity": "relu"}),
}

CONFIGS = [  # num_layers, bidirectional, batch_first, unbatched, given initial state, bias
    (1, False, False, False, False, True),
    (2, False, True, False, True, True),
    (1, True, False, False, True, True),
    (2, True, True, False, False, True),
    (2, True, False, True, True, True),
    (1, False, False, True, False, False),
]


def _pair(torch, mode, **kwargs):
    torch_name, cls, extra = MODES[mode]
    tl = getattr(torch.nn, torch_name)(**kwargs, **extra)
    layer = cls(**kwargs, **extra)
    layer.load_state_dict({k: v.detach().numpy() for k, v in tl.state_dict().items()})
    return layer, tl


def _close(mine, theirs, what, rtol=1e-5, atol=1e-6):
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else theirs
    np.testing.assert_allclose(mine.numpy(), theirs, rtol=rtol, atol=atol, err_msg=what)


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: "L{}-bi{}-bf{}-unb{}-h0{}-bias{}".format(*map(int, c)))
@pytest.mark.parametrize("mode", list(MODES))
def test_matches_torch_outputs_states_and_gradients(torch, mode, config):
    num_layers, bidirectional, batch_first, unbatched, given, bias = config
    layer, tl = _pair(torch, mode, input_size=5, hidden_size=6, num_layers=num_layers, bias=bias,
                      batch_first=batch_first, bidirectional=bidirectional)
    rng = np.random.default_rng(0)
    L, N, D = 4, 3, 2 if bidirectional else 1
    shape = (L, 5) if unbatched else ((N, L, 5) if batch_first else (L, N, 5))
    state_shape = (D * num_layers, 6) if unbatched else (D * num_layers, N, 6)
    arrays = [rng.standard_normal(shape).astype(np.float32)]
    lstm = mode == "lstm"
    if given:
        arrays += [rng.standard_normal(state_shape).astype(np.float32) for _ in range(2 if lstm else 1)]
    mine = [dg.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    states = (None if not given else (tuple(mine[1:]) if lstm else mine[1]),
              None if not given else (tuple(theirs[1:]) if lstm else theirs[1]))
    y, h = layer(mine[0], states[0])
    ty, th = tl(theirs[0], states[1])
    outs, touts = [y, *(h if lstm else (h,))], [ty, *(th if lstm else (th,))]
    assert tuple(y.shape) == tuple(ty.shape)
    for name, a, b in zip(("output", "h_n", "c_n"), outs, touts):
        assert tuple(a.shape) == tuple(b.shape), name
        _close(a, b, name)
    grads = [rng.standard_normal(tuple(b.shape)).astype(np.float32) for b in touts]
    sum(((a * dg.tensor(g)).sum() for a, g in zip(outs, grads)), dg.tensor(0.0)).backward()
    sum((b * torch.tensor(g)).sum() for b, g in zip(touts, grads)).backward()
    for i, (a, b) in enumerate(zip(mine, theirs)):
        _close(a.grad, b.grad.numpy(), f"grad of input {i}")
    torch_params = dict(tl.named_parameters())
    assert [n for n, _ in layer.named_parameters()] == list(torch_params)
    for name, p in layer.named_parameters():
        assert p.shape == tuple(torch_params[name].shape), name
        _close(p.grad, torch_params[name].grad.numpy(), f"grad of {name}", atol=2e-6)


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("kind", ["rnn_tanh", "rnn_relu", "lstm", "lstm_one_bias", "gru", "gru_no_bias"])
def test_fused_ops_gradcheck_float64(kind, reverse):
    rng = np.random.default_rng(3)
    L, N, I, H = 3, 2, 3, 2
    gates = {"rnn": 1, "lst": 4, "gru": 3}[kind[:3]]

    def t(*shape, scale=0.7):
        return dg.tensor(rng.standard_normal(shape) * scale, requires_grad=True)

    x, w_ih, w_hh, h0, c0 = t(L, N, I), t(gates * H, I), t(gates * H, H), t(N, H), t(N, H)
    nbias = 0 if kind.endswith("no_bias") else (1 if kind.endswith("one_bias") else 2)
    biases = [t(gates * H, scale=0.3) for _ in range(nbias)]
    if kind.startswith("rnn"):
        if kind == "rnn_relu":  # most pre-activations positive, so relu's gradient is not always zero
            x = dg.tensor(np.abs(x.numpy()) + 0.5, requires_grad=True)
            w_ih = dg.tensor(np.abs(w_ih.numpy()), requires_grad=True)
        nl = kind[4:]
        dg.gradcheck(lambda *a: RNNSequence.apply(*a, nonlinearity=nl, reverse=reverse), x, w_ih, w_hh, h0, *biases)
    elif kind.startswith("lstm"):
        dg.gradcheck(lambda *a: LSTMSequence.apply(*a, reverse=reverse), x, w_ih, w_hh, h0, c0, *biases)
    else:
        dg.gradcheck(lambda *a: GRUSequence.apply(*a, reverse=reverse), x, w_ih, w_hh, h0, *biases)


@pytest.mark.parametrize("mode", ["lstm", "gru"])
def test_float64_module_gradcheck_through_layers_and_directions(mode):
    layer = MODES[mode][1](3, 2, num_layers=2, bidirectional=True, dtype=np.float64)
    x = dg.tensor(np.random.default_rng(0).standard_normal((3, 2, 3)), requires_grad=True)

    def f(x):
        y, h = layer(x)
        h = h[0] + h[1] if mode == "lstm" else h
        return dg.ops.concatenate([y.reshape(-1), h.reshape(-1)])

    dg.gradcheck(f, x)


@pytest.mark.parametrize("cell", ["RNNCell", "LSTMCell", "GRUCell", "RNNCell-relu"])
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("given", [True, False])
def test_cells_match_torch(torch, cell, batched, given):
    name, *rest = cell.split("-")
    extra = {"nonlinearity": rest[0]} if rest else {}
    tc, mc = getattr(torch.nn, name)(4, 5, **extra), getattr(nn, name)(4, 5, **extra)
    mc.load_state_dict({k: v.detach().numpy() for k, v in tc.state_dict().items()})
    rng = np.random.default_rng(1)
    lead = (3,) if batched else ()
    arrays = [rng.standard_normal((*lead, 4)).astype(np.float32)]
    lstm = name == "LSTMCell"
    if given:
        arrays += [rng.standard_normal((*lead, 5)).astype(np.float32) for _ in range(2 if lstm else 1)]
    mine = [dg.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    hx = (tuple(mine[1:]) if lstm else mine[1]) if given else None
    thx = (tuple(theirs[1:]) if lstm else theirs[1]) if given else None
    out, tout = mc(mine[0], hx), tc(theirs[0], thx)
    outs, touts = (list(out), list(tout)) if lstm else ([out], [tout])
    grads = [rng.standard_normal(tuple(b.shape)).astype(np.float32) for b in touts]
    for a, b in zip(outs, touts):
        assert tuple(a.shape) == tuple(b.shape)
        _close(a, b, "output")
    sum(((a * dg.tensor(g)).sum() for a, g in zip(outs, grads)), dg.tensor(0.0)).backward()
    sum((b * torch.tensor(g)).sum() for b, g in zip(touts, grads)).backward()
    for a, b in zip(mine, theirs):
        _close(a.grad, b.grad.numpy(), "input grad")
    for n, p in mc.named_parameters():
        _close(p.grad, dict(tc.named_parameters())[n].grad.numpy(), f"grad of {n}")
    assert repr(mc) == repr(tc)


def test_state_dict_round_trip_into_torch(torch):
    layer = nn.LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=True)
    tl = torch.nn.LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=True)
    tl.load_state_dict({k: torch.tensor(v) for k, v in layer.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((2, 5, 3)).astype(np.float32)
    _close(layer(dg.tensor(x))[0], tl(torch.tensor(x))[0], "output")


@pytest.mark.parametrize("mode", list(MODES))
def test_dropout_only_in_training(mode):
    cls, extra = MODES[mode][1], MODES[mode][2]
    dg.manual_seed(0)
    with_dropout = cls(4, 6, num_layers=3, dropout=0.5, **extra)
    plain = cls(4, 6, num_layers=3, **extra)
    plain.load_state_dict(with_dropout.state_dict())
    x = dg.randn(5, 2, 4)
    with_dropout.eval()
    np.testing.assert_array_equal(with_dropout(x)[0].numpy(), plain(x)[0].numpy())
    with_dropout.train()
    assert not np.allclose(with_dropout(x)[0].numpy(), plain(x)[0].numpy())


def test_dropout_with_one_layer_warns_like_torch():
    with pytest.warns(UserWarning, match="num_layers greater than 1"):
        nn.GRU(3, 4, dropout=0.2)


def test_default_init_bounds_names_and_repr(torch):
    layer = nn.LSTM(10, 400, num_layers=2, bidirectional=True)
    bound = 1 / math.sqrt(400)
    for name, p in layer.named_parameters():
        a = p.numpy()
        assert a.dtype == np.float32 and np.abs(a).max() <= bound, name
    w = layer.weight_hh_l1_reverse.numpy()
    assert w.shape == (1600, 400) and abs(w.std() - bound / math.sqrt(3)) < 0.01 * bound
    for cls, args, kwargs in [("LSTM", (10, 20), {"num_layers": 2, "batch_first": True}),
                              ("GRU", (3, 4), {"bias": False, "bidirectional": True, "dropout": 0.0}),
                              ("RNN", (3, 4), {"nonlinearity": "relu", "num_layers": 3, "dropout": 0.25})]:
        mine, theirs = getattr(nn, cls)(*args, **kwargs), getattr(torch.nn, cls)(*args, **kwargs)
        assert repr(mine) == repr(theirs)
        assert {k: v.shape for k, v in mine.state_dict().items()} == {
            k: tuple(v.shape) for k, v in theirs.state_dict().items()}
    assert len(nn.GRU(3, 4, num_layers=2).all_weights) == 2


def test_sequence_of_one_cell_equals_one_step():
    dg.manual_seed(1)
    cell, layer = nn.LSTMCell(3, 4), nn.LSTM(3, 4)
    layer.load_state_dict({f"{k}_l0": v for k, v in cell.state_dict().items()})
    x = dg.randn(6, 2, 3)
    h = c = dg.zeros(2, 4)
    for t in range(6):
        h, c = cell(x[t], (h, c))
    y, (h_n, c_n) = layer(x)
    np.testing.assert_allclose(h.numpy(), h_n[0].numpy(), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(c.numpy(), c_n[0].numpy(), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(y[-1].numpy(), h_n[0].numpy())


def test_errors_name_the_problem():
    with pytest.raises(NotImplementedError, match="proj_size"):
        nn.LSTM(3, 4, proj_size=2)
    with pytest.raises(ValueError, match="nonlinearity"):
        nn.RNN(3, 4, nonlinearity="sigmoid")
    layer = nn.GRU(3, 4, num_layers=2)
    with pytest.raises(ValueError, match="input_size. Expected 3, got 5"):
        layer(dg.randn(2, 1, 5))
    with pytest.raises(ValueError, match=r"expected hx size \(2, 1, 4\), got \(1, 1, 4\)"):
        layer(dg.randn(2, 1, 3), dg.zeros(1, 1, 4))
    with pytest.raises(ValueError, match="hx should also be 2-D"):
        layer(dg.randn(2, 3), dg.zeros(2, 1, 4))
    with pytest.raises(TypeError, match="float32"):
        layer(dg.randn(2, 1, 3, dtype=dg.float64))
    with pytest.raises(ValueError, match="1D or 2D"):
        nn.GRUCell(3, 4)(dg.randn(1, 2, 3))
