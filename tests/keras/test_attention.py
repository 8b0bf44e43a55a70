"""Keras MultiHeadAttention, Attention and AdditiveAttention: shapes, Keras's formulas on get_weights' arrays,
masks, return_attention_scores, equality with dg.nn.MultiheadAttention given the same weights, configs."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass import keras, nn
from deepglass.keras import layers as L

N, T, S = 2, 4, 5


def _x(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def _softmax(a):
    e = np.exp(a - a.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def keras_mha_reference(layer, q, v, k=None, mask=None):
    """Keras's einsum formulas on get_weights(), reshaped to Keras's per-head kernel shapes."""
    k = v if k is None else k
    H, kd, vd = layer.num_heads, layer.key_dim, layer.value_dim
    wq, bq, wk, bk, wv, bv, wo, bo = layer.get_weights()
    wq, wk, wv = wq.reshape(-1, H, kd), wk.reshape(-1, H, kd), wv.reshape(-1, H, vd)
    bq, bk, bv, wo = bq.reshape(H, kd), bk.reshape(H, kd), bv.reshape(H, vd), wo.reshape(H, vd, -1)
    query = np.einsum("abc,cde->abde", q, wq) + bq
    key = np.einsum("abc,cde->abde", k, wk) + bk
    value = np.einsum("abc,cde->abde", v, wv) + bv
    scores = np.einsum("aecd,abcd->acbe", key, query / np.sqrt(kd))
    if mask is not None:
        scores = scores + (1.0 - mask[:, None].astype(np.float32)) * -1e9
    scores = _softmax(scores)
    out = np.einsum("acbe,aecd->abcd", scores, value)
    return np.einsum("abcd,cde->abe", out, wo) + bo, scores


def _randomize(layer, seed=3):
    rng = np.random.default_rng(seed)
    layer.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype(np.float32) for w in layer.get_weights()])


@pytest.mark.parametrize("kwargs, dims", [({"num_heads": 2, "key_dim": 3}, (6, 6, 6)),
                                          ({"num_heads": 3, "key_dim": 2, "value_dim": 4}, (5, 7, 3)),
                                          ({"num_heads": 2, "key_dim": 4, "output_shape": 9}, (8, 8, 8)),
                                          ({"num_heads": 1, "key_dim": 5, "use_bias": False}, (4, 6, 6))])
def test_mha_matches_keras_formulas(kwargs, dims):
    dq, dv, dk = dims
    layer = L.MultiHeadAttention(**kwargs)
    q, v, k = _x(N, T, dq), _x(N, S, dv, seed=1), _x(N, S, dk, seed=2)
    mask = np.random.default_rng(4).random((N, T, S)) > 0.3
    mask[..., 0] = True
    out, scores = layer(dg.tensor(q), dg.tensor(v), dg.tensor(k), attention_mask=dg.tensor(mask),
                        return_attention_scores=True)
    if not kwargs.get("use_bias", True):
        assert len(layer.get_weights()) == 4
        return
    _randomize(layer)
    out, scores = layer(dg.tensor(q), dg.tensor(v), dg.tensor(k), attention_mask=dg.tensor(mask),
                        return_attention_scores=True)
    ref_out, ref_scores = keras_mha_reference(layer, q, v, k, mask)
    assert out.shape == (N, T, kwargs.get("output_shape", dq)) and scores.shape == (N, kwargs["num_heads"], T, S)
    np.testing.assert_allclose(out.numpy(), ref_out, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(scores.numpy(), ref_scores, rtol=1e-5, atol=1e-6)
    # without the scores: the fused path gives the same output
    np.testing.assert_allclose(layer(dg.tensor(q), dg.tensor(v), dg.tensor(k), attention_mask=dg.tensor(mask)).numpy(),
                               ref_out, rtol=1e-5, atol=1e-5)


def test_mha_equals_nn_multihead_attention_with_the_same_weights():
    H, kd = 2, 4
    E = H * kd
    layer = L.MultiHeadAttention(num_heads=H, key_dim=kd)
    q, v = _x(N, T, E), _x(N, S, E, seed=1)
    layer(dg.tensor(q), dg.tensor(v))
    _randomize(layer)
    ref = nn.MultiheadAttention(E, H, batch_first=True)
    with dg.no_grad():
        ref.in_proj_weight.data[...] = np.concatenate([layer.query_dense.weight.numpy(), layer.key_dense.weight.numpy(),
                                                       layer.value_dense.weight.numpy()])
        ref.in_proj_bias.data[...] = np.concatenate([layer.query_dense.bias.numpy(), layer.key_dense.bias.numpy(),
                                                     layer.value_dense.bias.numpy()])
        ref.out_proj.weight.data[...] = layer.output_dense.weight.numpy()
        ref.out_proj.bias.data[...] = layer.output_dense.bias.numpy()
    mask = np.random.default_rng(5).random((N, T, S)) > 0.4
    mask[..., 1] = True
    qa, va = dg.tensor(q, requires_grad=True), dg.tensor(v, requires_grad=True)
    qb, vb = dg.tensor(q, requires_grad=True), dg.tensor(v, requires_grad=True)
    out, scores = layer(qa, va, attention_mask=mask, return_attention_scores=True)
    # nn's bool mask marks what is left out, one (L, S) per batch entry and head
    ref_out, ref_w = ref(qb, vb, vb, attn_mask=dg.tensor(np.repeat(~mask, H, axis=0)), average_attn_weights=False)
    np.testing.assert_allclose(out.numpy(), ref_out.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(scores.numpy(), ref_w.numpy(), rtol=1e-5, atol=1e-6)
    g = _x(N, T, E, seed=6)
    out.backward(dg.tensor(g))
    ref_out.backward(dg.tensor(g))
    np.testing.assert_allclose(qa.grad.numpy(), qb.grad.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(va.grad.numpy(), vb.grad.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layer.output_dense.weight.grad.numpy(), ref.out_proj.weight.grad.numpy(), rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(np.concatenate([layer.query_dense.weight.grad.numpy(),
                                               layer.key_dense.weight.grad.numpy(),
                                               layer.value_dense.weight.grad.numpy()]),
                               ref.in_proj_weight.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_mha_masks_causal_and_fully_masked_rows():
    layer = L.MultiHeadAttention(num_heads=2, key_dim=3)
    q = dg.tensor(_x(N, T, 6))
    out, scores = layer(q, q, use_causal_mask=True, return_attention_scores=True)
    assert np.all(np.triu(scores.numpy()[0, 0], 1) < 1e-6)
    explicit = layer(q, q, attention_mask=np.tril(np.ones((T, T), bool))[None].repeat(N, 0))
    np.testing.assert_allclose(out.numpy(), explicit.numpy(), rtol=1e-6, atol=1e-6)
    mask = np.ones((N, T, T), bool)
    mask[0, 2] = False  # query 2 of sample 0 sees no key: Keras spreads its attention evenly
    _, scores = layer(q, q, attention_mask=mask, return_attention_scores=True)
    np.testing.assert_allclose(scores.numpy()[0, :, 2], 1 / T, rtol=1e-6)
    out = layer(q, q, attention_mask=mask)
    assert np.isfinite(out.numpy()).all()


def test_mha_set_weights_takes_keras_shapes_and_config_round_trips():
    layer = L.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=4, output_shape=5, name="mha")
    q, v = dg.tensor(_x(N, T, 6)), dg.tensor(_x(N, S, 7, seed=1))
    y = layer(q, v)
    keras_shapes = [(6, 2, 3), (2, 3), (7, 2, 3), (2, 3), (7, 2, 4), (2, 4), (2, 4, 5), (5,)]
    flat = layer.get_weights()
    assert [w.shape for w in flat] == [(6, 6), (6,), (7, 6), (6,), (7, 8), (8,), (8, 5), (5,)]
    copy = L.MultiHeadAttention.from_config(layer.get_config())
    assert copy.num_heads == 2 and copy.value_dim == 4 and copy.name == "mha"
    copy(q, v)
    copy.set_weights([w.reshape(s) for w, s in zip(flat, keras_shapes)])
    np.testing.assert_array_equal(copy(q, v).numpy(), y.numpy())
    assert layer.count_params() == 6 * 6 + 6 + 7 * 6 + 6 + 7 * 8 + 8 + 8 * 5 + 5
    with pytest.raises(NotImplementedError):
        L.MultiHeadAttention(2, 3, attention_axes=(1, 2))


def test_mha_init_has_keras_fans():
    layer = L.MultiHeadAttention(num_heads=4, key_dim=16)
    layer(dg.zeros(1, 2, 32), dg.zeros(1, 2, 32))
    w = layer.get_weights()[0]
    limit = np.sqrt(6 / (32 * (4 + 16)))  # Keras's glorot_uniform on a (32, 4, 16) kernel
    assert np.abs(w).max() <= limit and np.abs(w).max() > 0.95 * limit
    assert not layer.get_weights()[1].any()


def test_mha_dropout_trains_and_functional_model():
    layer = L.MultiHeadAttention(num_heads=2, key_dim=4, dropout=0.5)
    q = dg.tensor(_x(N, T, 8))
    layer.eval()
    a = layer(q, q).numpy()
    np.testing.assert_array_equal(a, layer(q, q).numpy())
    assert not np.allclose(layer(q, q, training=True).numpy(), a)
    query, value = keras.Input((T, 8)), keras.Input((S, 6))
    out = L.MultiHeadAttention(num_heads=2, key_dim=4)(query, value)
    model = keras.Model([query, value], L.GlobalAveragePooling1D()(out))
    assert model([q, dg.tensor(_x(N, S, 6))]).shape == (N, 8)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="mse")
    x = [_x(16, T, 8), _x(16, S, 6, seed=1)]
    y = x[1].mean(axis=1)[:, :1] * _x(1, 8, seed=2)  # learnable: a function of the values
    history = model.fit(x, y, epochs=30, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]


# ---- Attention, AdditiveAttention ------------------------------------------------------------------------------
def test_attention_dot_concat_and_masks():
    q, v, k = _x(N, T, 3), _x(N, S, 2, seed=1), _x(N, S, 3, seed=2)
    layer = L.Attention()
    out, w = layer([dg.tensor(q), dg.tensor(v), dg.tensor(k)], return_attention_scores=True)
    ref_w = _softmax(q @ k.transpose(0, 2, 1))
    np.testing.assert_allclose(w.numpy(), ref_w, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out.numpy(), ref_w @ v, rtol=1e-5, atol=1e-6)
    assert layer.get_weights() == []
    scaled = L.Attention(use_scale=True, score_mode="concat")
    y = scaled([dg.tensor(q), dg.tensor(_x(N, S, 3, seed=1))])
    scaled.set_weights([np.float32(0.5), np.float32(2.0)])
    vv = _x(N, S, 3, seed=1)
    y = scaled([dg.tensor(q), dg.tensor(vv)])
    ref = _softmax(2.0 * np.tanh(0.5 * (q[:, :, None] + vv[:, None])).sum(-1)) @ vv
    np.testing.assert_allclose(y.numpy(), ref, rtol=1e-5, atol=1e-6)
    q_mask = np.array([[True, True, False, True], [True] * T])
    v_mask = np.array([[True, False, True, True, True], [True, True, True, False, False]])
    out, w = layer([dg.tensor(q), dg.tensor(v), dg.tensor(k)], mask=[q_mask, v_mask], return_attention_scores=True)
    ref_w = _softmax(q @ k.transpose(0, 2, 1) - 1e9 * ~v_mask[:, None])
    np.testing.assert_allclose(w.numpy(), ref_w, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out.numpy(), (ref_w @ v) * q_mask[..., None], rtol=1e-5, atol=1e-6)
    qq = dg.tensor(_x(N, T, 3, seed=5))
    _, w = layer([qq, qq], use_causal_mask=True, return_attention_scores=True)
    assert np.all(np.triu(w.numpy(), 1) < 1e-6)


def test_additive_attention_and_gradients():
    q, v = _x(N, T, 3), _x(N, S, 3, seed=1)
    layer = L.AdditiveAttention()
    qt, vt = dg.tensor(q, requires_grad=True), dg.tensor(v, requires_grad=True)
    out = layer([qt, vt])
    (scale,) = layer.get_weights()
    assert scale.shape == (3,) and np.abs(scale).max() <= np.sqrt(3 / 3)
    ref = _softmax((scale * np.tanh(q[:, :, None] + v[:, None])).sum(-1)) @ v
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-5, atol=1e-6)
    out.sum().backward()
    assert qt.grad is not None and vt.grad is not None and layer.scale.grad is not None
    plain = L.AdditiveAttention(use_scale=False)([qt, vt])
    np.testing.assert_allclose(plain.numpy(), _softmax(np.tanh(q[:, :, None] + v[:, None]).sum(-1)) @ v, rtol=1e-5,
                               atol=1e-6)
    with pytest.raises(ValueError, match="list"):
        layer(qt)
    with pytest.raises(ValueError, match="score_mode"):
        L.Attention(score_mode="general")


def test_attention_float64_gradcheck():
    rng = np.random.default_rng(7)
    q, v = (dg.tensor(rng.standard_normal((2, n, 3)), requires_grad=True) for n in (3, 4))
    layer = L.Attention(use_scale=True, score_mode="concat")
    layer([q.float(), v.float()])
    layer.to(dtype=dg.float64)
    assert layer.scale.dtype == np.float64
    dg.gradcheck(lambda q, v: layer([q, v]), q, v)
    additive = L.AdditiveAttention()
    additive([q.float(), v.float()])
    additive.to(dtype=dg.float64)
    dg.gradcheck(lambda q, v: additive([q, v], mask=[None, np.array([[1, 1, 0, 1], [1, 0, 0, 1]])]), q, v)
    mha = L.MultiHeadAttention(num_heads=2, key_dim=2)
    mha(q.float(), v.float())
    mha.to(dtype=dg.float64)
    dg.gradcheck(lambda q, v: mha(q, v, attention_mask=np.tril(np.ones((3, 4), bool))[None]), q, v)
