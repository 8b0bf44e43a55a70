"""Attention: `scaled_dot_product_attention` (PyTorch's), on the fused op of ops/attention.py."""

from __future__ import annotations

import math

import numpy as np

from ... import backend
from ...ops.attention import scaled_dot_product_attention as _fused
from ...tensor import Tensor
from .dropout import _check_p, _keep_mask

__all__ = ["scaled_dot_product_attention"]


def _mask_array(mask, device: str):
    """The mask as an array on `device` (a Tensor's data, a NumPy array or a nested list)."""
    return backend.to_device(mask.data if isinstance(mask, Tensor) else np.asarray(mask), device)


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor, attn_mask=None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """softmax(query·keyᵀ·scale + mask)·value, as torch.nn.functional.scaled_dot_product_attention.

    Shapes: query (..., L, E), key (..., S, E), value (..., S, Ev) → (..., L, Ev); the leading axes broadcast.
    `attn_mask` broadcasts to (..., L, S): a bool mask marks with True the pairs that take part (False ones are
    left out), a float mask is added to the scores (and gets a gradient when it requires one). `is_causal`: query i
    attends to keys 0..i only (top-left aligned; give no `attn_mask` then). `scale` defaults to 1/sqrt(E).
    `dropout_p` drops attention probabilities (always, as torch's function does: pass 0 when evaluating).
    `enable_gqa`: key and value may have fewer heads (axis -3) than query, each shared by a group of query heads.
    A query whose keys are all masked out gets 0 (no NaN), its gradients 0.
    """
    _check_p(dropout_p)
    if query.ndim < 2 or key.ndim < 2 or value.ndim < 2:
        raise ValueError(f"scaled_dot_product_attention: inputs need at least 2 dimensions, got shapes "
                         f"{tuple(query.shape)}, {tuple(key.shape)}, {tuple(value.shape)}")
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise ValueError(f"scaled_dot_product_attention: query (..., L, E) {tuple(query.shape)}, key (..., S, E) "
                         f"{tuple(key.shape)} and value (..., S, Ev) {tuple(value.shape)} do not match")
    if is_causal and attn_mask is not None:
        raise ValueError("scaled_dot_product_attention: give either attn_mask or is_causal=True, not both")
    if enable_gqa and query.ndim >= 3 and key.shape[-3] != query.shape[-3]:
        heads, kv_heads = query.shape[-3], key.shape[-3]
        if heads % kv_heads:
            raise ValueError(f"scaled_dot_product_attention: {heads} query heads are not a multiple of {kv_heads} "
                             "key/value heads")
        key, value = (_repeat_heads(t, heads // kv_heads) for t in (key, value))
    xp = query.xp
    L, S = query.shape[-2], key.shape[-2]
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else float(scale)
    mask, bias = None, None
    if is_causal:
        bias = xp.triu(xp.full((L, S), -np.inf, dtype=query.dtype), 1)
    elif attn_mask is not None:
        if isinstance(attn_mask, Tensor) and attn_mask.dtype != np.bool_ and attn_mask.requires_grad:
            mask = attn_mask
        else:
            array = _mask_array(attn_mask, backend.device_of(query.data))
            if array.dtype == np.bool_:
                bias = xp.where(array, query.dtype.type(0), query.dtype.type(-np.inf))
            else:
                bias = array.astype(query.dtype, copy=False)
    keep = None
    if dropout_p > 0.0:
        batch = np.broadcast_shapes(query.shape[:-2], key.shape[:-2],
                                    () if mask is None else tuple(mask.shape[:-2]),
                                    () if bias is None else tuple(bias.shape[:-2]))
        shape = (*batch, L, S)
        keep = xp.zeros(shape, query.dtype) if dropout_p == 1.0 else \
            _keep_mask(shape, dropout_p, query.dtype, backend.device_of(query.data)).data
    return _fused(query, key, value, mask, scale=scale, bias=bias, keep=keep)


def _repeat_heads(t: Tensor, times: int) -> Tensor:
    """(..., H, S, E) → (..., H·times, S, E), each head repeated `times` times in a row (repeat_interleave)."""
    *lead, h, s, e = t.shape
    return t.unsqueeze(-3).expand(*lead, h, times, s, e).reshape(*lead, h * times, s, e)
