"""MultiheadAttention, PyTorch's layer: same arguments, parameter names and shapes, initialization and masks."""

from __future__ import annotations

import math

import numpy as np

from .. import ops
from ..tensor import Tensor
from . import functional as F
from . import init
from .linear import Linear
from .module import Module
from .parameter import Parameter

__all__ = ["MultiheadAttention"]


def canonical_mask(mask, dtype, name: str, device: str = "cpu"):
    """A mask as a float Tensor added to scores: a bool one becomes -inf where True (PyTorch's `_canonical_mask`
    for the layer masks, where True means "leave out"), a float one is kept (cast to `dtype`). None stays None."""
    if mask is None:
        return None
    if not isinstance(mask, Tensor):
        mask = Tensor(np.asarray(mask))
    if mask.device != device:
        mask = mask.to(device)
    if mask.dtype == np.bool_:
        xp = mask.xp
        return Tensor._wrap(xp.where(mask.data, dtype.type(-np.inf), dtype.type(0)))
    if mask.dtype.kind != "f":
        raise TypeError(f"{name}: only bool and floating masks are supported, got {mask.dtype}")
    return mask if mask.dtype == dtype else mask.to(dtype=dtype)


def _empty(shape, dtype, device) -> Parameter:
    return Parameter(Tensor(np.empty(shape, np.dtype(dtype or np.float32)), device=device))


class MultiheadAttention(Module):
    """Attention over `num_heads` heads of embed_dim // num_heads features each, as torch.nn.MultiheadAttention.

    forward(query, key, value) → (attn_output, attn_weights or None). Shapes (batch_first=False): query (L, N, E),
    key (S, N, kdim), value (S, N, vdim) → output (L, N, E); (N, L, E) etc. with batch_first; unbatched (L, E)
    inputs give (L, E). Weights: (N, L, S) averaged over heads, (N, num_heads, L, S) with
    average_attn_weights=False. Masks: `key_padding_mask` (N, S) and `attn_mask` (L, S) or (N·num_heads, L, S);
    a bool mask marks with True what is left out, a float one is added to the scores. `is_causal` is a hint that
    `attn_mask` is the causal mask (which must be given), as in PyTorch.

    Parameters: `in_proj_weight` (3E, E) and `in_proj_bias` (3E,) — or, when kdim or vdim differ from E,
    `q_proj_weight` (E, E), `k_proj_weight` (E, kdim), `v_proj_weight` (E, vdim) — `out_proj.weight` (E, E),
    `out_proj.bias`, and with add_bias_kv `bias_k`, `bias_v` (1, 1, E). Initialization as PyTorch: Xavier-uniform
    projections, zero biases, out_proj.weight as Linear's, Xavier-normal bias_k/bias_v.

    Differences: a query whose keys are all masked out gives NaN when need_weights=True (as PyTorch) and 0 with
    need_weights=False (as PyTorch's fused path); there is no fast inference path (it gives the same values).
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: int | None = None,
                 vdim: int | None = None, batch_first: bool = False, device=None, dtype=None):
        super().__init__()
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"embed_dim and num_heads must be greater than 0, got embed_dim={embed_dim} and "
                             f"num_heads={num_heads} instead")
        self.embed_dim = int(embed_dim)
        self.kdim = int(kdim) if kdim is not None else self.embed_dim
        self.vdim = int(vdim) if vdim is not None else self.embed_dim
        self._qkv_same_embed_dim = self.kdim == self.embed_dim and self.vdim == self.embed_dim
        self.num_heads, self.dropout, self.batch_first = int(num_heads), float(dropout), bool(batch_first)
        self.head_dim = self.embed_dim // self.num_heads
        if self.head_dim * self.num_heads != self.embed_dim:
            raise ValueError(f"embed_dim ({embed_dim}) must be divisible by num_heads ({num_heads})")
        E = self.embed_dim
        if self._qkv_same_embed_dim:
            self.in_proj_weight = _empty((3 * E, E), dtype, device)
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.q_proj_weight = _empty((E, E), dtype, device)
            self.k_proj_weight = _empty((E, self.kdim), dtype, device)
            self.v_proj_weight = _empty((E, self.vdim), dtype, device)
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = _empty((3 * E,), dtype, device)
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(E, E, bias=bias, device=device, dtype=dtype)
        if add_bias_kv:
            self.bias_k = _empty((1, 1, E), dtype, device)
            self.bias_v = _empty((1, 1, E), dtype, device)
        else:
            self.register_parameter("bias_k", None)
            self.register_parameter("bias_v", None)
        self.add_zero_attn = bool(add_zero_attn)
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
            init.xavier_normal_(self.bias_v)

    def _projection_weights(self) -> tuple:
        E = self.embed_dim
        if self._qkv_same_embed_dim:
            w = self.in_proj_weight
            weights = (w[:E], w[E:2 * E], w[2 * E:])
        else:
            weights = (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight)
        b = self.in_proj_bias
        biases = (None, None, None) if b is None else (b[:E], b[E:2 * E], b[2 * E:])
        return weights, biases

    def forward(self, query: Tensor, key: Tensor, value: Tensor, key_padding_mask=None, need_weights: bool = True,
                attn_mask=None, average_attn_weights: bool = True, is_causal: bool = False):
        batched = query.ndim == 3
        if query.ndim not in (2, 3) or key.ndim != query.ndim or value.ndim != query.ndim:
            raise ValueError(f"MultiheadAttention: query, key and value must all be 3-D (batched) or 2-D "
                             f"(unbatched), got shapes {tuple(query.shape)}, {tuple(key.shape)}, "
                             f"{tuple(value.shape)}")
        if self.batch_first and batched:
            query, key, value = (t.transpose(0, 1) for t in (query, key, value))
        if not batched:
            query, key, value = (t.unsqueeze(1) for t in (query, key, value))
            if key_padding_mask is not None:
                key_padding_mask = Tensor(key_padding_mask) if not isinstance(key_padding_mask, Tensor) \
                    else key_padding_mask
                key_padding_mask = key_padding_mask.unsqueeze(0)
        L, N, E = query.shape
        S = key.shape[0]
        H, hd = self.num_heads, self.head_dim
        if E != self.embed_dim or key.shape[2] != self.kdim or value.shape[2] != self.vdim:
            raise ValueError(f"MultiheadAttention(embed_dim={self.embed_dim}, kdim={self.kdim}, vdim={self.vdim}): "
                             f"got query {tuple(query.shape)}, key {tuple(key.shape)}, value {tuple(value.shape)}")
        if key.shape[:2] != value.shape[:2] or key.shape[1] != N:
            raise ValueError(f"MultiheadAttention: key {tuple(key.shape)} and value {tuple(value.shape)} must match "
                             f"each other in (S, N) and query {tuple(query.shape)} in N")
        dtype = query.dtype
        key_padding_mask = canonical_mask(key_padding_mask, dtype, "key_padding_mask", query.device)
        if is_causal and attn_mask is None:
            raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the Transformer module "
                               "method `generate_square_subsequent_mask` to create this mask.")
        if is_causal and key_padding_mask is None and not need_weights:
            attn_mask = None  # PyTorch: the hint alone tells the fused attention to be causal
        else:
            attn_mask = canonical_mask(attn_mask, dtype, "attn_mask", query.device)
            is_causal = False  # the (merged) mask does the work
        if attn_mask is not None:
            if attn_mask.ndim == 2:
                if tuple(attn_mask.shape) != (L, S):
                    raise RuntimeError(f"The shape of the 2D attn_mask is {tuple(attn_mask.shape)}, but should be "
                                       f"{(L, S)}.")
                attn_mask = attn_mask.unsqueeze(0)
            elif attn_mask.ndim == 3:
                if tuple(attn_mask.shape) != (N * H, L, S):
                    raise RuntimeError(f"The shape of the 3D attn_mask is {tuple(attn_mask.shape)}, but should be "
                                       f"{(N * H, L, S)}.")
            else:
                raise RuntimeError(f"attn_mask's dimension {attn_mask.ndim} is not supported")
        if key_padding_mask is not None and tuple(key_padding_mask.shape) != (N, S):
            raise RuntimeError(f"expecting key_padding_mask shape of {(N, S)}, but got "
                               f"{tuple(key_padding_mask.shape)}")

        (w_q, w_k, w_v), (b_q, b_k, b_v) = self._projection_weights()
        q, k, v = F.linear(query, w_q, b_q), F.linear(key, w_k, b_k), F.linear(value, w_v, b_v)
        if self.bias_k is not None:
            k = ops.cat([k, self.bias_k.expand(1, N, E)], dim=0)
            v = ops.cat([v, self.bias_v.expand(1, N, E)], dim=0)
            attn_mask = None if attn_mask is None else _pad_last(attn_mask)
            key_padding_mask = None if key_padding_mask is None else _pad_last(key_padding_mask)
        # (L, N, E) → (N·H, L, hd)
        q = q.reshape(L, N * H, hd).transpose(0, 1)
        k = k.reshape(k.shape[0], N * H, hd).transpose(0, 1)
        v = v.reshape(v.shape[0], N * H, hd).transpose(0, 1)
        if self.add_zero_attn:
            zeros = Tensor._wrap(q.xp.zeros((N * H, 1, hd), dtype))
            k, v = ops.cat([k, zeros], dim=1), ops.cat([v, zeros], dim=1)
            attn_mask = None if attn_mask is None else _pad_last(attn_mask)
            key_padding_mask = None if key_padding_mask is None else _pad_last(key_padding_mask)
        S = k.shape[1]
        if key_padding_mask is not None:
            kpm = key_padding_mask.reshape(N, 1, 1, S).expand(N, H, 1, S).reshape(N * H, 1, S)
            attn_mask = kpm if attn_mask is None else attn_mask + kpm
        dropout_p = self.dropout if self.training else 0.0

        if need_weights:
            scores = ops.matmul(q * (1.0 / math.sqrt(hd)), k.transpose(-2, -1))
            if attn_mask is not None:
                scores = scores + attn_mask
            weights = F.softmax(scores, dim=-1)
            if dropout_p > 0.0:
                weights = F.dropout(weights, dropout_p)
            out = ops.matmul(weights, v).transpose(0, 1).reshape(L * N, E)
            out = F.linear(out, self.out_proj.weight, self.out_proj.bias).reshape(L, N, E)
            weights = weights.reshape(N, H, L, S)
            if average_attn_weights:
                weights = weights.mean(dim=1)
            if not batched:
                out, weights = out.squeeze(1), weights.squeeze(0)
        else:
            if attn_mask is not None:
                attn_mask = attn_mask.unsqueeze(0) if attn_mask.shape[0] == 1 else attn_mask.reshape(N, H, -1, S)
            q, k, v = (t.reshape(N, H, t.shape[1], hd) for t in (q, k, v))
            out = F.scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)
            out = out.permute(2, 0, 1, 3).reshape(L * N, E)
            out = F.linear(out, self.out_proj.weight, self.out_proj.bias).reshape(L, N, E)
            weights = None
            if not batched:
                out = out.squeeze(1)
        if self.batch_first and batched:
            out = out.transpose(0, 1)
        return out, weights

    def extra_repr(self) -> str:
        return ""


def _pad_last(mask: Tensor) -> Tensor:
    """One more key column of 0 (taking part) at the end of a float mask."""
    pad = Tensor._wrap(mask.xp.zeros((*mask.shape[:-1], 1), mask.dtype))
    return ops.cat([mask, pad], dim=-1)
