"""The functional API with layers of several outputs (`_, h, c = LSTM(..., return_state=True)(x)`), tensor
keyword arguments (`LSTM(...)(y, initial_state=[h, c])`), several positional tensors, and models with several
inputs and outputs: shapes, training, summary and save/load of the graph."""

from __future__ import annotations

import json

import numpy as np
import pytest

import deepglass as dg
from deepglass import keras
from deepglass.keras import layers as L


def _x(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def _encoder_decoder(units=8, features=4, classes=5):
    enc_in = keras.Input((None, features))
    _, h, c = L.LSTM(units, return_state=True)(enc_in)
    dec_in = keras.Input((None, features))
    dec = L.LSTM(units, return_sequences=True)(dec_in, initial_state=[h, c])
    return keras.Model([enc_in, dec_in], L.Dense(classes)(dec)), (enc_in, h, c, dec)


class _Halves(keras.layers.Layer):
    """A layer with two outputs: the first and second half of the features."""

    def call(self, x):
        k = x.shape[-1] // 2
        return x[:, :k], x[:, k:]


def test_return_state_gives_one_keras_tensor_per_output():
    x = keras.Input((7, 3))
    lstm = L.LSTM(6, return_sequences=True, return_state=True)
    outs = lstm(x)
    assert isinstance(outs, list) and len(outs) == 3
    assert [t.shape for t in outs] == [(None, 7, 6), (None, 6), (None, 6)]
    assert [t.index for t in outs] == [0, 1, 2]
    assert all(t.node is outs[0].node and t.layer is lstm for t in outs)
    assert lstm.output_shape == [(None, 7, 6), (None, 6), (None, 6)]
    gru_out, gru_h = L.GRU(5, return_state=True)(x)
    assert gru_out.shape == gru_h.shape == (None, 5)


def test_encoder_decoder_shapes_match_eager_and_fit_lowers_loss():
    dg.keras.utils.set_random_seed(0)
    model, (enc_in, h, c, dec) = _encoder_decoder()
    assert h.shape == c.shape == (None, 8) and dec.shape == (None, None, 8)
    assert model.layers[1].__class__ is L.LSTM and len(model.layers) == 3
    xe, xd = _x(16, 5, 4, seed=1), _x(16, 6, 4, seed=2)
    y = (xd[..., 0] > 0).astype(np.int64) + 2 * (xd[..., 1] > 0)  # a learnable per-step class in 0..3
    pred = model.predict([xe, xd], verbose=0)
    assert pred.shape == (16, 6, 5)
    # the graph is the eager computation: encoder states start the decoder
    enc, dec_layer, dense = model.layers
    _, he, ce = enc(dg.tensor(xe))
    eager = dense(dec_layer(dg.tensor(xd), initial_state=[he, ce])).numpy()
    np.testing.assert_allclose(pred, eager, rtol=1e-5, atol=1e-5)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss=keras.losses.SparseCategoricalCrossentropy(
        from_logits=True))
    history = model.fit([xe, xd], y, epochs=20, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < 0.8 * history.history["loss"][0]
    assert isinstance(model.evaluate([xe, xd], y, verbose=0), float)


def test_encoder_decoder_save_load_round_trip(tmp_path):
    model, _ = _encoder_decoder()
    model.compile(optimizer="adam", loss="mse")
    xe, xd = _x(4, 5, 4, seed=1), _x(4, 3, 4, seed=2)
    model.fit([xe, xd], _x(4, 3, 5, seed=4), epochs=1, verbose=0)
    config = model.get_config()
    json.dumps(config)  # JSON only
    first, second = config["nodes"][0], config["nodes"][1]
    assert first["num_outputs"] == 3
    assert second["kwargs"] == {"initial_state": [{"__keras_tensor__": "node_0:1"}, {"__keras_tensor__": "node_0:2"}]}
    path = tmp_path / "seq2seq.safetensors"
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_array_equal(loaded.predict([xe, xd], verbose=0), model.predict([xe, xd], verbose=0))
    assert loaded.get_config()["nodes"] == config["nodes"]
    loaded.fit([xe, xd], _x(4, 3, 5, seed=4), epochs=1, verbose=0)  # still compiled (mse) and trainable


def test_bidirectional_return_state_functional_outputs(tmp_path):
    x = keras.Input((5, 3))
    y, hf, cf, hb, cb = L.Bidirectional(L.LSTM(4, return_state=True))(x)
    assert y.shape == (None, 8) and all(t.shape == (None, 4) for t in (hf, cf, hb, cb))
    model = keras.Model(x, [y, hf, cb])
    data = _x(2, 5, 3)
    outs = model.predict(data, verbose=0)
    bi = model.layers[0]
    eager = [t.numpy() for t in bi(dg.tensor(data))]
    assert len(outs) == 3
    for got, want in zip(outs, [eager[0], eager[1], eager[4]]):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(outs[0][:, :4], outs[1], rtol=1e-6, atol=1e-6)  # forward half of y is h_fwd
    path = tmp_path / "bi.safetensors"
    model.save(path)
    loaded = keras.models.load_model(path)
    for a, b in zip(loaded.predict(data, verbose=0), outs):
        np.testing.assert_array_equal(a, b)


def test_bidirectional_merge_mode_none_gives_two_tensors():
    x = keras.Input((5, 3))
    fwd, bwd = L.Bidirectional(L.GRU(4, return_sequences=True), merge_mode=None)(x)
    assert fwd.shape == bwd.shape == (None, 5, 4)
    model = keras.Model(x, L.Concatenate()([fwd, bwd]))
    assert model.predict(_x(2, 5, 3), verbose=0).shape == (2, 5, 8)


def test_layer_with_two_outputs_feeds_two_heads():
    dg.keras.utils.set_random_seed(0)
    x = keras.Input((6,))
    left, right = _Halves()(L.Dense(8, activation="relu")(x))
    assert left.shape == right.shape == (None, 4) and (left.index, right.index) == (0, 1)
    class_head = L.Dense(3, name="cls")(left)
    reg_head = L.Dense(1, name="reg")(right)
    model = keras.Model(x, [class_head, reg_head])
    assert model.output_names == ["cls", "reg"]
    xs = _x(32, 6)
    y_cls = np.random.default_rng(1).integers(0, 3, 32)
    y_reg = xs[:, :1] * 2
    outs = model.predict(xs, verbose=0)
    assert [o.shape for o in outs] == [(32, 3), (32, 1)]
    model.compile(optimizer=keras.optimizers.Adam(0.02),
                  loss=[keras.losses.SparseCategoricalCrossentropy(from_logits=True), "mse"],
                  loss_weights=[1.0, 0.5])
    history = model.fit(xs, [y_cls, y_reg], epochs=20, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.8 * history.history["loss"][0]
    # the trained loss is Σ weight · loss over the outputs
    p_cls, p_reg = model.predict(xs, verbose=0)
    ce = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(y_cls, p_cls).item()
    mse = float(((p_reg - y_reg) ** 2).mean())
    # Keras 3 returns [loss, cls_loss, reg_loss] (each output's loss unweighted)
    assert model.evaluate(xs, [y_cls, y_reg], verbose=0) == pytest.approx([ce + 0.5 * mse, ce, mse], rel=1e-4)
    # a dict by output name, and one loss for every output
    model.compile(optimizer="adam", loss={"cls": keras.losses.SparseCategoricalCrossentropy(from_logits=True)})
    assert model.evaluate(xs, [y_cls, y_reg], verbose=0) == pytest.approx(ce, rel=1e-4)
    model.compile(optimizer="adam", loss="mse")
    model.fit(xs, [_x(32, 3), y_reg], epochs=1, verbose=0)
    with pytest.raises(ValueError, match="2 outputs"):
        model.compile(optimizer="adam", loss=["mse"])
    with pytest.raises(ValueError, match="one entry per output"):  # Keras 3: one entry per output, or a dict
        model.compile(optimizer="adam", loss="mse", metrics=["mae"])


def test_several_positional_tensors_and_summary(tmp_path, capsys):
    a, b = keras.Input((4,)), keras.Input((4,))
    summed = L.Add()(L.Dense(4)(a), b)  # a second positional tensor, as MultiHeadAttention(query, value)
    out, h = L.SimpleRNN(3, return_state=True)(L.Reshape((2, 2))(summed))
    model = keras.Model([a, b], [out, L.Dense(2)(h)])
    xa, xb = _x(3, 4), _x(3, 4, seed=1)
    preds = model.predict([xa, xb], verbose=0)
    assert [p.shape for p in preds] == [(3, 3), (3, 2)]
    model.summary()
    text = capsys.readouterr().out
    assert "simple_rnn (SimpleRNN)" in text and "[(None, 3), (None, 3)]" in text
    node = model.get_config()["nodes"][1]
    assert node["args"] == [{"__keras_tensor__": "node_0"}, {"__keras_tensor__": "input_1"}]
    path = tmp_path / "two_in.safetensors"
    model.save(path)
    loaded = keras.models.load_model(path)
    for x, y in zip(loaded.predict([xa, xb], verbose=0), preds):
        np.testing.assert_array_equal(x, y)


def test_single_output_graph_config_keeps_its_format():
    x = keras.Input((4,))
    y = L.Concatenate()([L.Dense(3)(x), L.Dense(2)(x)])
    model = keras.Model(x, L.Dense(1)(y))
    nodes = model.get_config()["nodes"]
    assert all(set(n) == {"layer", "inputs", "many"} for n in nodes)
    assert nodes[2] == {"layer": 2, "inputs": ["node_0", "node_1"], "many": True}
    clone = keras.Model.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    data = _x(2, 4)
    np.testing.assert_array_equal(clone.predict(data, verbose=0), model.predict(data, verbose=0))


def test_nested_functional_model_with_two_outputs():
    x = keras.Input((5, 3))
    inner = keras.Model(x, L.LSTM(4, return_state=True)(x))
    z = keras.Input((5, 3))
    y, h, _ = inner(z)
    outer = keras.Model(z, L.Add()([y, h]))
    data = _x(2, 5, 3)
    ey, eh, _ = inner.predict(data, verbose=0)
    np.testing.assert_allclose(outer.predict(data, verbose=0), ey + eh, rtol=1e-6)


def test_a_model_with_two_outputs_compiles_again_after_load(tmp_path):
    dg.keras.utils.set_random_seed(0)
    x = keras.Input((6,))
    hidden = L.Dense(8, activation="relu")(x)
    model = keras.Model(x, [L.Dense(3, name="cls")(hidden), L.Dense(1, name="reg")(hidden)])
    model.compile(optimizer=keras.optimizers.Adam(0.02),
                  loss=[keras.losses.SparseCategoricalCrossentropy(from_logits=True), "mse"], loss_weights=[1.0, 0.5])
    xs, targets = _x(32, 6), [np.random.default_rng(1).integers(0, 3, 32), _x(32, 1, seed=2)]
    model.fit(xs, targets, epochs=2, batch_size=16, verbose=0)
    model.save(tmp_path / "two_heads.safetensors")
    loaded = keras.models.load_model(tmp_path / "two_heads.safetensors")
    assert loaded.evaluate(xs, targets, verbose=0) == pytest.approx(model.evaluate(xs, targets, verbose=0), rel=1e-6)
    model.fit(xs, targets, epochs=1, batch_size=16, verbose=0, shuffle=False)  # the optimizer state came back too
    loaded.fit(xs, targets, epochs=1, batch_size=16, verbose=0, shuffle=False)
    for a, b in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


# ---- metrics of a model with several outputs (Keras 3's CompileMetrics / CompileLoss naming) -----------------
def _two_heads(seed=0):
    dg.keras.utils.set_random_seed(seed)
    x = keras.Input((6,))
    hidden = L.Dense(8, activation="relu")(x)
    return keras.Model(x, [L.Dense(3, name="cls")(hidden), L.Dense(1, name="reg")(hidden)])


def _two_head_data(n=32):
    xs = _x(n, 6)
    return xs, [np.random.default_rng(1).integers(0, 3, n), xs[:, :1] * 2]


def _sparse_ce():
    return keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def test_metrics_by_output_name_log_as_output_metric_and_output_loss():
    model = _two_heads()
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss=[_sparse_ce(), "mse"], loss_weights=[1.0, 0.5],
                  metrics={"cls": ["accuracy"], "reg": ["mae"]})
    xs, ys = _two_head_data()
    history = model.fit(xs, ys, epochs=3, batch_size=16, verbose=0, validation_data=(xs, ys))
    names = ["loss", "cls_accuracy", "reg_mae", "cls_loss", "reg_loss"]
    assert list(history.history) == names + [f"val_{n}" for n in names] + ["lr"]
    assert all(len(v) == 3 for v in history.history.values())
    # 'accuracy' is the sparse accuracy that the output's loss implies
    assert type(model.compiled_metrics[0].metric).__name__ == "SparseCategoricalAccuracy"
    logs = model.evaluate(xs, ys, verbose=0, return_dict=True)
    assert list(logs) == names
    p_cls, p_reg = model.predict(xs, verbose=0)
    ce = _sparse_ce()(ys[0], p_cls).item()
    mse = float(((p_reg - ys[1]) ** 2).mean())
    assert logs["cls_accuracy"] == pytest.approx(float((p_cls.argmax(-1) == ys[0]).mean()))
    assert logs["reg_mae"] == pytest.approx(float(np.abs(p_reg - ys[1]).mean()), rel=1e-5)
    assert logs["cls_loss"] == pytest.approx(ce, rel=1e-4) and logs["reg_loss"] == pytest.approx(mse, rel=1e-4)
    assert logs["loss"] == pytest.approx(ce + 0.5 * mse, rel=1e-4)  # the output losses are logged unweighted
    # as a list: Keras's order (loss, each output's loss, then the per-output metrics sorted by name)
    assert model.evaluate(xs, ys, verbose=0) == pytest.approx(
        [logs["loss"], logs["cls_loss"], logs["reg_loss"], logs["cls_accuracy"], logs["reg_mae"]])
    # the validation entries are evaluate()'s on the same data (after the last epoch)
    assert history.history["val_cls_accuracy"][-1] == pytest.approx(logs["cls_accuracy"])
    assert history.history["val_reg_loss"][-1] == pytest.approx(logs["reg_loss"], rel=1e-5)
    # dict targets by output name work as well
    assert model.evaluate(xs, {"cls": ys[0], "reg": ys[1]}, verbose=0, return_dict=True) == pytest.approx(logs)
    batch = model.test_on_batch(xs, ys, return_dict=True)
    assert batch == pytest.approx(logs, rel=1e-5)
    assert set(model.train_on_batch(xs, ys, return_dict=True)) == set(names)


def test_metrics_as_a_list_one_entry_per_output():
    model = _two_heads()
    xs, ys = _two_head_data()
    # one list per output, one metric for an output, None for none
    model.compile(optimizer="adam", loss=[_sparse_ce(), "mse"], metrics=[["accuracy", "acc"], "mse"])
    assert list(model.evaluate(xs, ys, verbose=0, return_dict=True)) == [
        "loss", "cls_accuracy", "cls_acc", "reg_mse", "cls_loss", "reg_loss"]
    model.compile(optimizer="adam", loss=[_sparse_ce(), "mse"], metrics=[None, ["mae", keras.metrics.R2Score()]])
    assert list(model.evaluate(xs, ys, verbose=0, return_dict=True)) == [
        "loss", "reg_mae", "reg_r2_score", "cls_loss", "reg_loss"]
    # the same name twice gets Keras's '_1'
    model.compile(optimizer="adam", loss=[_sparse_ce(), "mse"], metrics=[None, ["mae", "mae"]])
    assert list(model.evaluate(xs, ys, verbose=0, return_dict=True)) == [
        "loss", "reg_mae", "reg_mae_1", "cls_loss", "reg_loss"]
    # one loss for one output only: no per-output losses (Keras tracks them only for several losses)
    model.compile(optimizer="adam", loss={"cls": _sparse_ce()}, metrics={"reg": "mae"})
    assert list(model.evaluate(xs, ys, verbose=0, return_dict=True)) == ["loss", "reg_mae"]
    # a flat list that is not one entry per output, or an unknown output name, is an error as in Keras 3
    with pytest.raises(ValueError, match="one entry per output"):
        model.compile(optimizer="adam", loss="mse", metrics=["mae", "mse", "mae"])
    with pytest.raises(ValueError, match="not outputs of the model"):
        model.compile(optimizer="adam", loss="mse", metrics={"cls": "accuracy", "head": "mae"})


def test_accuracy_follows_each_outputs_loss():
    x = keras.Input((4,))
    hidden = L.Dense(8, activation="relu")(x)
    model = keras.Model(x, [L.Dense(1, activation="sigmoid", name="yes")(hidden),
                            L.Dense(3, activation="softmax", name="kind")(hidden),
                            L.Dense(3, name="label")(hidden)])
    model.compile(optimizer="adam", loss=["binary_crossentropy", "categorical_crossentropy", _sparse_ce()],
                  metrics=["accuracy", "accuracy", "accuracy"])
    kinds = [type(m.metric).__name__ for m in model.compiled_metrics]
    assert kinds == ["BinaryAccuracy", "CategoricalAccuracy", "SparseCategoricalAccuracy"]
    rng = np.random.default_rng(0)
    xs = _x(20, 4)
    labels = rng.integers(0, 3, 20)
    ys = [rng.integers(0, 2, (20, 1)).astype(np.float32), np.eye(3, dtype=np.float32)[labels], labels]
    logs = model.evaluate(xs, ys, verbose=0, return_dict=True)
    p_yes, p_kind, p_label = model.predict(xs, verbose=0)
    assert logs["yes_accuracy"] == pytest.approx(float(((p_yes > 0.5) == ys[0]).mean()))
    assert logs["kind_accuracy"] == pytest.approx(float((p_kind.argmax(-1) == labels).mean()))
    assert logs["label_accuracy"] == pytest.approx(float((p_label.argmax(-1) == labels).mean()))
    assert {"yes_loss", "kind_loss", "label_loss"} <= set(logs)


def test_weighted_metrics_by_output_use_the_sample_weights():
    model = _two_heads()
    xs, ys = _two_head_data()
    w = np.where(np.arange(32) < 16, 1.0, 0.0).astype(np.float32)
    model.compile(optimizer="adam", loss=[_sparse_ce(), "mse"], metrics={"cls": "accuracy"},
                  weighted_metrics={"cls": ["accuracy"], "reg": "mae"})
    logs = model.evaluate(xs, ys, sample_weight=w, verbose=0, return_dict=True)
    assert list(logs) == ["loss", "cls_accuracy", "cls_weighted_accuracy", "reg_weighted_mae", "cls_loss",
                          "reg_loss"]
    p_cls, p_reg = model.predict(xs, verbose=0)
    hits = p_cls.argmax(-1) == ys[0]
    assert logs["cls_accuracy"] == pytest.approx(float(hits.mean()))
    assert logs["cls_weighted_accuracy"] == pytest.approx(float(hits[:16].mean()))
    assert logs["reg_weighted_mae"] == pytest.approx(float(np.abs(p_reg - ys[1])[:16].mean()), rel=1e-5)


def test_early_stopping_monitors_an_output_metric():
    model = _two_heads()
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss=[_sparse_ce(), "mse"],
                  metrics={"cls": ["accuracy"], "reg": ["mae"]})
    xs, ys = _two_head_data()
    stop = keras.callbacks.EarlyStopping(monitor="val_cls_accuracy", patience=2)
    reg_stop = keras.callbacks.EarlyStopping(monitor="val_reg_loss", patience=50)
    history = model.fit(xs, ys, epochs=40, batch_size=16, verbose=0, validation_data=(xs, ys),
                        callbacks=[stop, reg_stop])
    assert stop.mode == "max" and reg_stop.mode == "min"
    assert stop.best == max(history.history["val_cls_accuracy"])
    assert reg_stop.best == min(history.history["val_reg_loss"])
    if len(history.history["loss"]) < 40:  # it stopped: no better accuracy in its last `patience` epochs
        assert max(history.history["val_cls_accuracy"][-2:]) <= max(history.history["val_cls_accuracy"][:-2])


def test_output_metrics_survive_save_and_load(tmp_path):
    model = _two_heads()
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss=[_sparse_ce(), "mse"], loss_weights=[1.0, 0.5],
                  metrics={"cls": ["accuracy", keras.metrics.SparseTopKCategoricalAccuracy(k=2)], "reg": "mae"},
                  weighted_metrics=[None, ["mse"]])
    xs, ys = _two_head_data()
    model.fit(xs, ys, epochs=2, batch_size=16, verbose=0)
    path = tmp_path / "heads.safetensors"
    model.save(path)
    compile_config = json.loads(dg.io.load_file(path)[1]["deepglass"])["compile"]
    assert compile_config["metrics"]["per_output"][1] == ["mae"]
    loaded = keras.models.load_model(path)
    want = model.evaluate(xs, ys, verbose=0, return_dict=True)
    assert list(want) == ["loss", "cls_accuracy", "cls_sparse_top_k_categorical_accuracy", "reg_mae",
                          "reg_weighted_mse", "cls_loss", "reg_loss"]
    assert loaded.evaluate(xs, ys, verbose=0, return_dict=True) == pytest.approx(want, rel=1e-6)
    assert type(loaded.compiled_metrics[0].metric).__name__ == "SparseCategoricalAccuracy"
    history = loaded.fit(xs, ys, epochs=1, batch_size=16, verbose=0)
    assert set(history.history) == set(want) | {"lr"}


def test_one_output_functional_model_takes_a_dict_of_metrics():
    x = keras.Input((6,))
    model = keras.Model(x, L.Dense(3, name="cls")(x))
    model.compile(optimizer="adam", loss=_sparse_ce(), metrics={"cls": ["accuracy"]})
    xs, ys = _two_head_data()
    assert list(model.evaluate(xs, ys[0], verbose=0, return_dict=True)) == ["loss", "accuracy"]
