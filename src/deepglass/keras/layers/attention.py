"""Keras attention layers: MultiHeadAttention, Attention (Luong, dot-product) and AdditiveAttention (Bahdanau).

Inputs are batch first, (N, T, dim) queries and (N, S, dim) values/keys. The work is done by deepglass's
`scaled_dot_product_attention` (one fused op) unless the attention scores are returned or dropped out.
Masks follow Keras: True (or 1) = take part; left-out pairs get -1e9 added to their scores, so a query that
sees no key spreads its attention evenly, as in Keras.
"""

from __future__ import annotations

import math

import numpy as np

from ... import nn, ops
from ...io import register
from ...nn import functional as F
from ...tensor import Tensor
from .. import initializers, regularizers
from ..layer import Layer

_LARGE_NEGATIVE = 1e9  # Keras's value for float32 scores


def _as_bool_array(mask, xp):
    array = xp.asarray(mask.data if isinstance(mask, Tensor) else np.asarray(mask))
    return array if array.dtype == np.bool_ else array != 0


def _causal(xp, T: int, S: int):
    """(T, S) with True where key j ≤ query i (Keras's top-left aligned causal mask)."""
    return xp.tril(xp.ones((T, S), dtype=bool))


def _adder(keep, dtype, xp) -> Tensor:
    """The additive mask: 0 where `keep`, -1e9 elsewhere."""
    return Tensor._wrap(xp.where(keep, dtype.type(0), dtype.type(-_LARGE_NEGATIVE)))


def _init_like_keras(initializer, weight, keras_shape: tuple) -> None:
    """Fill `weight` from `initializer` with Keras's fans for a kernel of `keras_shape` (Keras counts fans of an
    (a, b, c) kernel as in=b·a, out=c·a; deepglass's rule gives those for the reversed shape). The entries are
    drawn independently, so only the distribution matters, not which entry lands where."""
    tmp = Tensor(np.zeros(keras_shape[::-1], dtype=weight.dtype))
    initializers.get(initializer)(tmp)
    weight.data[...] = weight.xp.asarray(tmp.numpy().reshape(weight.shape))


@register
class MultiHeadAttention(Layer):
    """Keras's MultiHeadAttention: `layer(query, value, key=None, attention_mask=None,
    return_attention_scores=False, training=None, use_causal_mask=False)`.

    query (N, T, dim_q), value (N, S, dim_v), key (N, S, dim_k) (default: value) → (N, T, output_shape or dim_q);
    with return_attention_scores also the scores (N, num_heads, T, S). `attention_mask` (N, T, S) (or
    broadcastable): True = query t may attend to key s. Each head projects queries and keys to `key_dim` and
    values to `value_dim` (default key_dim) features.

    Weights live in four dg.nn.Linear layers in PyTorch's layout: `query_dense` (heads·key_dim, dim_q),
    `key_dense`, `value_dense`, `output_dense` (out, heads·value_dim). `get_weights()` gives Keras's order
    (query kernel, query bias, key kernel, key bias, value kernel, value bias, output kernel, output bias) with
    the head axes flattened: query kernel (dim_q, heads·key_dim) — Keras's (dim_q, heads, key_dim) is its
    `.reshape(dim_q, num_heads, key_dim)` — bias (heads·key_dim,) for Keras's (heads, key_dim), output kernel
    (heads·value_dim, out) for Keras's (heads, value_dim, out). `set_weights` takes either form.
    Not supported: attention_axes other than the sequence axis, flash_attention, query/value masks from
    Keras's implicit masking, constraints.
    """

    def __init__(self, num_heads: int, key_dim: int, value_dim: int | None = None, dropout: float = 0.0,
                 use_bias: bool = True, output_shape=None, attention_axes=None, flash_attention=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 seed=None, **kwargs):
        super().__init__(**kwargs)
        if attention_axes is not None and tuple(np.atleast_1d(attention_axes)) not in ((1,), (-2,)):
            raise NotImplementedError("MultiHeadAttention: attention_axes other than the sequence axis are not "
                                      "supported")
        if activity_regularizer is not None or kernel_constraint is not None or bias_constraint is not None:
            raise NotImplementedError("MultiHeadAttention: activity_regularizer and constraints are not supported")
        self.num_heads, self.key_dim = int(num_heads), int(key_dim)
        self.value_dim = int(value_dim) if value_dim is not None else self.key_dim
        self.dropout, self.use_bias = float(dropout), bool(use_bias)
        self._out_shape = None if output_shape is None else tuple(np.atleast_1d(output_shape).astype(int).tolist())
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)

    KERAS_LAYOUT = {"query_dense.weight": "kernel", "key_dense.weight": "kernel", "value_dense.weight": "kernel",
                    "output_dense.weight": "kernel"}

    def build(self, input_shape) -> None:
        query_shape, value_shape, key_shape = input_shape
        if len(query_shape) != 2 or len(value_shape) != 2 or len(key_shape) != 2:
            raise ValueError(f"{self.name}: expected (batch, time, features) inputs, got shapes "
                             f"{[(None, *s) for s in input_shape]}")
        H, kd, vd = self.num_heads, self.key_dim, self.value_dim
        dq, dv, dk = int(query_shape[-1]), int(value_shape[-1]), int(key_shape[-1])
        out = int(np.prod(self._out_shape)) if self._out_shape is not None else dq
        self.query_dense = nn.Linear(dq, H * kd, bias=self.use_bias)
        self.key_dense = nn.Linear(dk, H * kd, bias=self.use_bias)
        self.value_dense = nn.Linear(dv, H * vd, bias=self.use_bias)
        self.output_dense = nn.Linear(H * vd, out, bias=self.use_bias)
        for dense, shape in ((self.query_dense, (dq, H, kd)), (self.key_dense, (dk, H, kd)),
                             (self.value_dense, (dv, H, vd)), (self.output_dense, (H, vd, out))):
            _init_like_keras(self.kernel_initializer, dense.weight, shape)
            if dense.bias is not None:
                initializers.get(self.bias_initializer)(dense.bias)

    def forward(self, query, value=None, key=None, query_mask=None, value_mask=None, key_mask=None,
                attention_mask=None, return_attention_scores: bool = False, training=None,
                use_causal_mask: bool = False):
        if isinstance(query, (list, tuple)) and value is None:  # [query, value(, key)], as a functional node
            query, value, *rest = query
            key = rest[0] if rest else None
        if value is None:
            raise TypeError(f"{self.name}: call the layer as layer(query, value) or layer(query, value, key)")
        if query_mask is not None or value_mask is not None or key_mask is not None:
            raise NotImplementedError(f"{self.name}: query_mask/value_mask/key_mask are not supported; pass "
                                      "attention_mask")
        key = value if key is None else key
        self._maybe_build([tuple(query.shape[1:]), tuple(value.shape[1:]), tuple(key.shape[1:])],
                          getattr(query, "device", "cpu"))
        return self.call(query, value, key, attention_mask, return_attention_scores,
                         self.training if training is None else bool(training), use_causal_mask)

    def call(self, query, value, key, attention_mask=None, return_attention_scores=False, training=False,
             use_causal_mask=False):
        N, T, S = query.shape[0], query.shape[1], value.shape[1]
        if key.shape[:2] != value.shape[:2] or value.shape[0] != N:
            raise ValueError(f"{self.name}: key {tuple(key.shape)} and value {tuple(value.shape)} must share "
                             f"(batch, time), and the batch of query {tuple(query.shape)}")
        H, kd, vd = self.num_heads, self.key_dim, self.value_dim
        q = self.query_dense(query).reshape(N, T, H, kd).transpose(1, 2)  # (N, H, T, kd)
        k = self.key_dense(key).reshape(N, S, H, kd).transpose(1, 2)
        v = self.value_dense(value).reshape(N, S, H, vd).transpose(1, 2)
        xp = q.xp
        keep = None
        if attention_mask is not None:
            keep = _as_bool_array(attention_mask, xp)
            keep = keep[:, None] if keep.ndim == 3 else keep  # (N, T, S) → (N, 1, T, S): every head
        if use_causal_mask:
            causal = _causal(xp, T, S)
            keep = causal if keep is None else xp.logical_and(keep, causal)
        adder = None if keep is None else _adder(keep, q.dtype, xp)
        dropping = training and self.dropout > 0.0
        if return_attention_scores or dropping:
            scores = ops.matmul(q * (1.0 / math.sqrt(kd)), k.transpose(-2, -1))
            scores = F.softmax(scores if adder is None else scores + adder, dim=-1)
            out = ops.matmul(F.dropout(scores, self.dropout, dropping), v)
        else:
            scores = None
            out = F.scaled_dot_product_attention(q, k, v, attn_mask=adder, scale=1.0 / math.sqrt(kd))
        out = self.output_dense(out.transpose(1, 2).reshape(N, T, H * vd))
        if self._out_shape is not None and len(self._out_shape) > 1:
            out = out.reshape(N, T, *self._out_shape)
        return (out, scores) if return_attention_scores else out

    def set_weights(self, weights: list) -> None:
        """Keras's arrays, in get_weights' flattened shapes or Keras's own per-head ones (reshaped here)."""
        expected = self.get_weights()
        if len(weights) == len(expected):
            weights = [np.asarray(w).reshape(e.shape) if np.size(w) == e.size else w
                       for w, e in zip(weights, expected)]
        super().set_weights(weights)

    def regularization_loss(self):
        total = None
        for reg, name in ((self.kernel_regularizer, "weight"), (self.bias_regularizer, "bias")):
            for dense in ("query_dense", "key_dense", "value_dense", "output_dense"):
                w = getattr(getattr(self, dense, None), name, None)
                term = None if reg is None or w is None else reg(w)
                if term is not None:
                    total = term if total is None else total + term
        return total


class _BaseDenseAttention(Layer):
    """What Attention and AdditiveAttention share: `layer([query, value])` or `layer([query, value, key])`,
    mask=[query_mask (N, T), value_mask (N, S)], return_attention_scores, use_causal_mask."""

    def forward(self, inputs, *rest, mask=None, training=None, return_attention_scores: bool = False,
                use_causal_mask: bool = False):
        inputs = [inputs, *rest] if rest else inputs
        if not isinstance(inputs, (list, tuple)) or len(inputs) not in (2, 3):
            raise ValueError(f"{self.name}: call the layer on a list [query, value] or [query, value, key]")
        self._maybe_build([tuple(t.shape[1:]) for t in inputs], getattr(inputs[0], "device", "cpu"))
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        if mask is not None and (not isinstance(mask, (list, tuple)) or len(mask) < 2):
            raise ValueError(f"{self.name}: mask must be a list [query_mask, value_mask]")
        q_mask, v_mask = (mask[0], mask[1]) if mask is not None else (None, None)
        training = self.training if training is None else bool(training)
        scores = self._scores(query, key)
        xp = scores.xp
        keep = None if v_mask is None else _as_bool_array(v_mask, xp)[:, None, :]  # (N, 1, S)
        if use_causal_mask:
            causal = _causal(xp, scores.shape[-2], scores.shape[-1])
            keep = causal if keep is None else xp.logical_and(keep, causal)
        if keep is not None:
            scores = scores + _adder(keep, scores.dtype, xp)
        weights = F.softmax(scores, dim=-1)
        out = ops.matmul(F.dropout(weights, self.dropout, training and self.dropout > 0.0), value)
        if q_mask is not None:
            out = out * Tensor._wrap(_as_bool_array(q_mask, xp)[..., None].astype(out.dtype))
        return (out, weights) if return_attention_scores else out


@register
class Attention(_BaseDenseAttention):
    """Keras's Attention (Luong): scores = query·keyᵀ (times a learned scalar `scale` with use_scale), or with
    score_mode='concat' concat_score_weight·Σ tanh(scale·(query + key)); softmax over the keys; output
    weights·value. query (N, T, dim), value (N, S, dim_v), key (N, S, dim) → (N, T, dim_v); scores (N, T, S).
    Weights (get_weights order): scale (), concat_score_weight () — both start at 1."""

    def __init__(self, use_scale: bool = False, score_mode: str = "dot", dropout: float = 0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        if score_mode not in ("dot", "concat"):
            raise ValueError(f"Attention: score_mode must be 'dot' or 'concat', got {score_mode!r}")
        self.use_scale, self.score_mode, self.dropout = bool(use_scale), score_mode, float(dropout)

    def build(self, input_shape) -> None:
        if self.use_scale:
            self.scale = nn.Parameter(Tensor(np.ones((), np.float32)))
        if self.score_mode == "concat":
            self.concat_score_weight = nn.Parameter(Tensor(np.ones((), np.float32)))

    def _scores(self, query, key):
        if self.score_mode == "dot":
            scores = ops.matmul(query, key.transpose(-2, -1))
            return scores * self.scale if self.use_scale else scores
        summed = query.unsqueeze(-2) + key.unsqueeze(-3)  # (N, T, S, dim)
        if self.use_scale:
            summed = summed * self.scale
        return self.concat_score_weight * ops.tanh(summed).sum(dim=-1)


@register
class AdditiveAttention(_BaseDenseAttention):
    """Keras's AdditiveAttention (Bahdanau): scores = Σ_d scale_d·tanh(query_d + key_d) (scale: a learned (dim,)
    vector with use_scale, Glorot-uniform), softmax over the keys, output weights·value. Shapes as Attention."""

    def __init__(self, use_scale: bool = True, dropout: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.use_scale, self.dropout = bool(use_scale), float(dropout)

    def build(self, input_shape) -> None:
        if self.use_scale:
            dim = int(input_shape[0][-1])
            self.scale = nn.Parameter(Tensor(np.zeros((dim,), np.float32)))
            initializers.get("glorot_uniform")(self.scale)

    def _scores(self, query, key):
        t = ops.tanh(query.unsqueeze(-2) + key.unsqueeze(-3))  # (N, T, S, dim)
        return (t * self.scale).sum(dim=-1) if self.use_scale else t.sum(dim=-1)
