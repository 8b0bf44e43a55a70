"""Keras SimpleRNN, LSTM, GRU, Bidirectional and TimeDistributed: Keras's formulas on get_weights' arrays,
PyTorch parity, output shapes, configs, training and saving."""

from __future__ import annotations

import json

import numpy as np
import pytest

import deepglass as dg
from deepglass import keras
from deepglass.keras import layers as L

N, T, F, H = 3, 5, 4, 6


def _x(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def _sigmoid(a):
    return 1 / (1 + np.exp(-a))


def keras_reference(layer, x, initial_state=None):
    """Keras's own step equations on `get_weights()` (Keras's layout and gate order): (outputs (N, T, H), states)."""
    kind = type(layer).__name__
    w = layer.get_weights()
    kernel, recurrent = w[0], w[1]
    bias = w[2] if len(w) > 2 else np.zeros((2, kernel.shape[1]) if kind == "GRU" else kernel.shape[1], np.float32)
    units = recurrent.shape[0]
    h = np.zeros((x.shape[0], units), np.float32) if initial_state is None else initial_state[0]
    c = np.zeros_like(h) if initial_state is None or len(initial_state) < 2 else initial_state[1]
    steps = range(x.shape[1] - 1, -1, -1) if layer.go_backwards else range(x.shape[1])
    outs = []
    for t in steps:
        if kind == "SimpleRNN":
            pre = x[:, t] @ kernel + h @ recurrent + bias
            h = np.tanh(pre) if layer.MODE == "RNN_TANH" else np.maximum(pre, 0)
        elif kind == "LSTM":
            i, f, g, o = np.split(x[:, t] @ kernel + h @ recurrent + bias, 4, axis=1)
            c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
            h = _sigmoid(o) * np.tanh(c)
        else:  # GRU, reset_after=True: gates z, r, h
            xz, xr, xh = np.split(x[:, t] @ kernel + bias[0], 3, axis=1)
            hz, hr, hh = np.split(h @ recurrent + bias[1], 3, axis=1)
            z, r = _sigmoid(xz + hz), _sigmoid(xr + hr)
            h = z * h + (1 - z) * np.tanh(xh + r * hh)
        outs.append(h)
    return np.stack(outs, axis=1), ([h, c] if kind == "LSTM" else [h])


def _randomize(layer, seed=1):
    """Non-zero weights everywhere (biases included), set through set_weights in Keras's layout."""
    rng = np.random.default_rng(seed)
    layer.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype(np.float32) for w in layer.get_weights()])


LAYERS = {
    "simple_tanh": lambda **kw: L.SimpleRNN(H, **kw),
    "simple_relu": lambda **kw: L.SimpleRNN(H, activation="relu", **kw),
    "lstm": lambda **kw: L.LSTM(H, **kw),
    "gru": lambda **kw: L.GRU(H, **kw),
}


@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("kind", list(LAYERS))
def test_follows_keras_equations_on_keras_layout_weights(kind, go_backwards):
    layer = LAYERS[kind](return_sequences=True, return_state=True, go_backwards=go_backwards)
    x = _x(N, T, F)
    layer(dg.tensor(x))
    _randomize(layer)
    y, *states = layer(dg.tensor(x))
    ref, ref_states = keras_reference(layer, x)
    np.testing.assert_allclose(y.numpy(), ref, rtol=1e-5, atol=1e-6)
    assert len(states) == len(ref_states)
    for s, r in zip(states, ref_states):
        np.testing.assert_allclose(s.numpy(), r, rtol=1e-5, atol=1e-6)
    init = [_x(N, H, seed=5 + i) for i in range(len(ref_states))]
    last = layer(dg.tensor(x), initial_state=[dg.tensor(s) for s in init])[0][:, -1]
    np.testing.assert_allclose(last.numpy(), keras_reference(layer, x, init)[0][:, -1], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kind, units_per_gate, count", [("simple_tanh", 1, H * (F + H) + H),
                                                         ("lstm", 4, 4 * H * (F + H) + 4 * H),
                                                         ("gru", 3, 3 * H * (F + H) + 2 * 3 * H)])
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("return_state", [False, True])
def test_shapes_weights_and_parameter_counts(kind, units_per_gate, count, return_sequences, return_state):
    layer = LAYERS[kind](return_sequences=return_sequences, return_state=return_state)
    out = layer(dg.randn(N, T, F))
    y = out[0] if return_state else out
    assert y.shape == ((N, T, H) if return_sequences else (N, H))
    if return_state:
        assert len(out) == (3 if kind == "lstm" else 2) and all(s.shape == (N, H) for s in out[1:])
        np.testing.assert_array_equal(out[1].numpy(), y.numpy()[:, -1] if return_sequences else y.numpy())
    assert layer.count_params() == count
    shapes = [w.shape for w in layer.get_weights()]
    bias = (2, 3 * H) if kind == "gru" else (units_per_gate * H,)
    assert shapes == [(F, units_per_gate * H), (H, units_per_gate * H), bias]


def test_lstm_unit_forget_bias_and_no_bias():
    layer = L.LSTM(H, input_shape=(T, F))
    assert layer.built
    b = layer.get_weights()[2]
    np.testing.assert_array_equal(b[H:2 * H], 1)
    np.testing.assert_array_equal(np.delete(b, np.s_[H:2 * H]), 0)
    plain = L.GRU(H, use_bias=False)
    plain(dg.randn(2, T, F))
    assert len(plain.get_weights()) == 2 and plain.count_params() == 3 * H * (F + H)
    _randomize(plain)
    x = _x(2, T, F)
    np.testing.assert_allclose(plain(dg.tensor(x)).numpy(), keras_reference(plain, x)[0][:, -1], rtol=1e-5,
                               atol=1e-6)


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_matches_torch_given_equal_weights(torch, kind):
    layer = LAYERS[kind](return_sequences=True)
    x = _x(N, T, F)
    layer(dg.tensor(x))
    _randomize(layer)
    tl = (torch.nn.LSTM if kind == "lstm" else torch.nn.GRU)(F, H, batch_first=True)
    bias = layer.bias.numpy()
    b_ih, b_hh = (bias, np.zeros_like(bias)) if kind == "lstm" else (bias[0], bias[1])
    tl.load_state_dict({"weight_ih_l0": torch.tensor(layer.op.weight_ih_l0.numpy()),
                        "weight_hh_l0": torch.tensor(layer.op.weight_hh_l0.numpy()),
                        "bias_ih_l0": torch.tensor(b_ih), "bias_hh_l0": torch.tensor(b_hh)})
    xd, xt = dg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, (ty, _) = layer(xd), tl(xt)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-6)
    g = _x(*y.shape, seed=3)
    y.backward(dg.tensor(g))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(xd.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layer.op.weight_hh_l0.grad.numpy(), tl.weight_hh_l0.grad.numpy(), rtol=1e-5,
                               atol=2e-6)
    gb = layer.bias.grad.numpy()
    if kind == "lstm":
        np.testing.assert_allclose(gb, tl.bias_ih_l0.grad.numpy(), rtol=1e-5, atol=2e-6)
    else:
        np.testing.assert_allclose(gb, np.stack([tl.bias_ih_l0.grad.numpy(), tl.bias_hh_l0.grad.numpy()]),
                                   rtol=1e-5, atol=2e-6)


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave", None])
def test_bidirectional(merge_mode):
    layer = L.Bidirectional(L.LSTM(H, return_sequences=True), merge_mode=merge_mode)
    x = _x(N, T, F)
    out = layer(dg.tensor(x))
    assert layer.count_params() == 2 * (4 * H * (F + H) + 4 * H)
    assert layer.backward_layer.go_backwards and not layer.forward_layer.go_backwards
    _randomize(layer)
    out = layer(dg.tensor(x))
    fwd = keras_reference(layer.forward_layer, x)[0]
    bwd = keras_reference(layer.backward_layer, x)[0][:, ::-1]  # back in time order
    expected = {"concat": np.concatenate([fwd, bwd], -1), "sum": fwd + bwd, "mul": fwd * bwd,
                "ave": (fwd + bwd) / 2}
    if merge_mode is None:
        np.testing.assert_allclose(out[0].numpy(), fwd, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(out[1].numpy(), bwd, rtol=1e-5, atol=1e-6)
    else:
        np.testing.assert_allclose(out.numpy(), expected[merge_mode], rtol=1e-5, atol=1e-6)


def test_bidirectional_states_and_last_outputs():
    layer = L.Bidirectional(L.GRU(H, return_state=True))
    y, h_f, h_b = layer(dg.randn(N, T, F))
    assert y.shape == (N, 2 * H) and h_f.shape == h_b.shape == (N, H)
    np.testing.assert_array_equal(y.numpy(), np.concatenate([h_f.numpy(), h_b.numpy()], -1))
    weights = layer.get_weights()
    assert [w.shape for w in weights] == [(F, 3 * H), (H, 3 * H), (2, 3 * H)] * 2


def test_time_distributed_dense():
    layer = L.TimeDistributed(L.Dense(7))
    x = _x(N, T, F)
    y = layer(dg.tensor(x))
    assert y.shape == (N, T, 7)
    w, b = layer.get_weights()
    np.testing.assert_allclose(y.numpy(), x @ w + b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("make", [lambda: L.LSTM(H, return_sequences=True, go_backwards=True),
                                  lambda: L.GRU(H, kernel_initializer="he_normal"),
                                  lambda: L.SimpleRNN(H, activation="relu"),
                                  lambda: L.Bidirectional(L.LSTM(H), merge_mode="sum"),
                                  lambda: L.TimeDistributed(L.Dense(3, activation="relu"))])
def test_config_round_trip(make):
    original = make()
    config = json.loads(json.dumps(original.get_config()))
    assert type(original).from_config(config).get_config() == original.get_config()


def test_set_weights_round_trip_and_gru_gate_order():
    layer = L.GRU(H)
    layer(dg.randn(1, T, F))
    weights = [np.random.default_rng(i).standard_normal(w.shape).astype(np.float32)
               for i, w in enumerate(layer.get_weights())]
    layer.set_weights(weights)
    for mine, theirs in zip(layer.get_weights(), weights):
        np.testing.assert_array_equal(mine, theirs)
    # Keras's first gate block is the update gate z, PyTorch's second
    np.testing.assert_array_equal(layer.op.weight_ih_l0.numpy()[H:2 * H], weights[0][:, :H].T)
    np.testing.assert_array_equal(layer.bias.numpy()[1, :H], weights[2][1, H:2 * H])


def test_a_small_lstm_model_trains_saves_and_loads(tmp_path):
    dg.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 8, 2)).astype(np.float32)
    y = x[:, :, 0].sum(1, keepdims=True) * 0.3  # a running sum: needs the recurrence
    model = keras.Sequential([L.Input((8, 2)), L.Bidirectional(L.LSTM(8, return_sequences=True)),
                              L.GRU(8), L.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    history = model.fit(x, y, epochs=8, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < 0.7 * history.history["loss"][0]
    model.save(tmp_path / "rnn.safetensors")
    np.testing.assert_allclose(keras.models.load_model(tmp_path / "rnn.safetensors").predict(x, verbose=0),
                               model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_functional_api_and_kernel_regularizer():
    inputs = L.Input((T, F))
    outputs = L.Dense(2)(L.LSTM(H, kernel_regularizer=keras.regularizers.l2(0.1))(inputs))
    model = keras.Model(inputs, outputs)
    assert model(dg.randn(2, T, F)).shape == (2, 2)
    lstm = model.layers[1] if isinstance(model.layers[1], L.LSTM) else model.layers[0]
    expected = 0.1 * float((lstm.op.weight_ih_l0.numpy() ** 2).sum())
    assert abs(lstm.regularization_loss().item() - expected) < 1e-4 * expected


def test_unsupported_options_say_so():
    with pytest.raises(NotImplementedError, match="dropout"):
        L.LSTM(4, dropout=0.2)
    with pytest.raises(NotImplementedError, match="reset_after=False"):
        L.GRU(4, reset_after=False)
    with pytest.raises(NotImplementedError, match="recurrent_activation"):
        L.LSTM(4, recurrent_activation="hard_sigmoid")
    with pytest.raises(NotImplementedError, match="activation='softsign'"):
        L.SimpleRNN(4, activation="softsign")
    assert len(L.LSTM(4, return_state=True)(L.Input((T, F)))) == 3  # output, h, c (functional API)
    with pytest.raises(ValueError, match="batch, timesteps, features"):
        L.LSTM(4)(dg.randn(2, 3))
    with pytest.raises(TypeError, match="Bidirectional wraps"):
        L.Bidirectional(L.Dense(3))
