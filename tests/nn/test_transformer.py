"""Transformer layers: PyTorch parity (outputs, input and parameter gradients) over norm_first, gelu, batch_first
and masks; stacks of layers, the full Transformer, the causal mask, float64 gradcheck, a tiny model trains."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass import nn

from .test_attention import compare_with_torch, param_gradcheck

S, T, N, E, HEADS, FF = 5, 4, 2, 8, 2, 16


def _rand(rng, *shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


def _masks(rng):
    kpm = np.zeros((N, S), bool)
    kpm[1, 3:] = True
    bool_mask = rng.random((S, S)) > 0.7
    np.fill_diagonal(bool_mask, False)
    return {"kpm": kpm, "bool": bool_mask, "float": _rand(rng, S, S), "causal": np.triu(np.ones((S, S), bool), 1),
            "float causal": np.triu(np.full((S, S), -np.inf, np.float32), 1), "float kpm": _rand(rng, N, S)}


ENCODER_CASES = [
    ({}, {}),
    ({"norm_first": True}, {}),
    ({"activation": "gelu"}, {"src_mask": "bool"}),
    ({"batch_first": True}, {"src_key_padding_mask": "kpm"}),
    ({"norm_first": True, "activation": "gelu", "batch_first": True}, {"src_mask": "float",
                                                                       "src_key_padding_mask": "float kpm"}),
    ({}, {"src_mask": "causal", "is_causal": True}),
    ({"norm_first": True}, {"src_mask": "float causal", "is_causal": True, "src_key_padding_mask": "float kpm"}),
    ({"bias": False}, {"src_mask": "bool", "src_key_padding_mask": "kpm"}),
    ({"dropout": 0.3}, {}),  # compared in eval mode
]


def _pair(torch, cls_name, *args, **kwargs):
    torch.manual_seed(0)
    tm = getattr(torch.nn, cls_name)(*args, **kwargs)
    dm = getattr(nn, cls_name)(*args, **kwargs)
    if kwargs.get("dropout", 0.0):
        tm.eval()
        dm.eval()
    return dm, tm


@pytest.mark.parametrize("config, call", ENCODER_CASES, ids=[f"{c}-{f}" for c, f in ENCODER_CASES])
def test_encoder_layer_matches_torch(torch, config, call):
    rng = np.random.default_rng(0)
    masks = _masks(rng)
    config = {"dropout": 0.0, **config}
    dm, tm = _pair(torch, "TransformerEncoderLayer", E, HEADS, FF, **config)
    x = _rand(rng, N, S, E) if config.get("batch_first") else _rand(rng, S, N, E)
    compare_with_torch(torch, dm, tm, [x], {k: masks[v] if isinstance(v, str) else v for k, v in call.items()})


@pytest.mark.parametrize("call", [{}, {"mask": "causal"}, {"mask": "float causal"},
                                  {"mask": "bool", "src_key_padding_mask": "kpm"}])
def test_encoder_of_two_layers_matches_torch(torch, call):
    rng = np.random.default_rng(1)
    masks = _masks(rng)
    torch.manual_seed(0)
    t_layer = torch.nn.TransformerEncoderLayer(E, HEADS, FF, dropout=0.0, batch_first=True)
    tm = torch.nn.TransformerEncoder(t_layer, 2, norm=torch.nn.LayerNorm(E), enable_nested_tensor=False)
    dm = nn.TransformerEncoder(nn.TransformerEncoderLayer(E, HEADS, FF, dropout=0.0, batch_first=True), 2,
                               norm=nn.LayerNorm(E))
    assert list(dm.state_dict()) == list(tm.state_dict())
    compare_with_torch(torch, dm, tm, [_rand(rng, N, S, E)], {k: masks[v] for k, v in call.items()})


def test_encoder_layers_are_independent_copies():
    layer = nn.TransformerEncoderLayer(E, HEADS, FF)
    enc = nn.TransformerEncoder(layer, 3)
    weights = [m.linear1.weight for m in enc.layers]
    assert len({id(w) for w in weights}) == 3 and all(w is not layer.linear1.weight for w in weights)
    np.testing.assert_array_equal(weights[0].numpy(), weights[2].numpy())  # copies of one layer, as torch


DECODER_CASES = [
    ({}, {}),
    ({"norm_first": True, "activation": "gelu"}, {"tgt_mask": "causal", "tgt_is_causal": True}),
    ({"batch_first": True}, {"tgt_mask": "causal", "memory_key_padding_mask": "kpm",
                             "tgt_key_padding_mask": "tgt kpm"}),
    ({}, {"memory_mask": "memory", "tgt_mask": "float causal"}),
]


@pytest.mark.parametrize("config, call", DECODER_CASES, ids=[f"{c}-{f}" for c, f in DECODER_CASES])
def test_decoder_layer_matches_torch(torch, config, call):
    rng = np.random.default_rng(2)
    masks = _masks(rng)
    masks["causal"] = np.triu(np.ones((T, T), bool), 1)
    masks["float causal"] = np.triu(np.full((T, T), -np.inf, np.float32), 1)
    masks["memory"] = _rand(rng, T, S)
    masks["tgt kpm"] = np.array([[False] * T, [False, False, False, True]])
    dm, tm = _pair(torch, "TransformerDecoderLayer", E, HEADS, FF, dropout=0.0, **config)
    bf = config.get("batch_first", False)
    tgt = _rand(rng, N, T, E) if bf else _rand(rng, T, N, E)
    memory = _rand(rng, N, S, E) if bf else _rand(rng, S, N, E)
    compare_with_torch(torch, dm, tm, [tgt, memory], {k: masks[v] if isinstance(v, str) else v
                                                      for k, v in call.items()})


def test_transformer_matches_torch(torch):
    rng = np.random.default_rng(3)
    dm, tm = _pair(torch, "Transformer", d_model=E, nhead=HEADS, num_encoder_layers=2, num_decoder_layers=1,
                   dim_feedforward=FF, dropout=0.0, batch_first=True)
    assert list(dm.state_dict()) == list(tm.state_dict())
    causal = nn.Transformer.generate_square_subsequent_mask(T)
    np.testing.assert_array_equal(causal.numpy(), torch.nn.Transformer.generate_square_subsequent_mask(T).numpy())
    kpm = np.zeros((N, S), bool)
    kpm[0, -1] = True
    compare_with_torch(torch, dm, tm, [_rand(rng, N, S, E), _rand(rng, N, T, E)],
                       {"tgt_mask": causal.numpy(), "src_key_padding_mask": kpm, "memory_key_padding_mask": kpm})


def test_transformer_init_is_xavier_uniform():
    model = nn.Transformer(d_model=32, nhead=4, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=64)
    w = model.encoder.layers[0].linear1.weight.numpy()
    bound = np.sqrt(6 / (32 + 64))
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert np.all(model.encoder.norm.weight.numpy() == 1)


def test_encoder_layer_gradcheck_float64():
    rng = np.random.default_rng(4)
    layer = nn.TransformerEncoderLayer(4, 2, 6, dropout=0.0, activation="gelu", norm_first=True,
                                       dtype=dg.float64)
    x = dg.tensor(_rand(rng, 3, 2, 4, dtype=np.float64), requires_grad=True)
    mask = dg.tensor(np.triu(np.ones((3, 3), bool), 1))
    kpm = dg.tensor(np.array([[False, False, True], [False, False, False]]))
    dg.gradcheck(lambda x: layer(x, src_mask=mask, src_key_padding_mask=kpm), x)
    weights = dg.tensor(rng.standard_normal((3, 2, 4)))
    param_gradcheck(layer, lambda: (layer(x, src_mask=mask, is_causal=True) * weights).sum())
    dec = nn.TransformerDecoderLayer(4, 2, 6, dropout=0.0, dtype=dg.float64)
    memory = dg.tensor(_rand(rng, 2, 2, 4, dtype=np.float64), requires_grad=True)
    dg.gradcheck(lambda x, m: dec(x, m, tgt_mask=mask), x, memory)


def test_causal_mask_is_detected():
    from deepglass.nn.transformer import _detect_is_causal_mask

    causal = nn.Transformer.generate_square_subsequent_mask(4)
    assert _detect_is_causal_mask(causal, None, 4)
    assert _detect_is_causal_mask(np.triu(np.ones((4, 4), bool), 1), None, 4)
    assert not _detect_is_causal_mask(np.zeros((4, 4), np.float32), None, 4)
    assert not _detect_is_causal_mask(causal, False, 4) and not _detect_is_causal_mask(None, None, 4)


def test_errors():
    with pytest.raises(RuntimeError, match="relu/gelu"):
        nn.TransformerEncoderLayer(E, HEADS, activation="tanh")
    layer = nn.TransformerEncoderLayer(E, HEADS, FF)
    with pytest.raises(RuntimeError, match="Need attn_mask"):
        layer(dg.randn(S, N, E), is_causal=True)
    model = nn.Transformer(d_model=E, nhead=HEADS, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=FF)
    with pytest.raises(RuntimeError, match="batch number"):
        model(dg.randn(S, N, E), dg.randn(T, N + 1, E))


def test_tiny_transformer_learns_to_reverse():
    """An encoder-only model learns to output each sequence reversed (needs attention across positions)."""
    dg.manual_seed(0)
    rng = np.random.default_rng(0)
    vocab, length = 5, 4

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(vocab, 16)
            self.pos = nn.Parameter(dg.randn(length, 16) * 0.1)
            layer = nn.TransformerEncoderLayer(16, 2, 32, dropout=0.0, batch_first=True)
            self.encoder = nn.TransformerEncoder(layer, 2)
            self.head = nn.Linear(16, vocab)

        def forward(self, tokens):
            return self.head(self.encoder(self.embed(tokens) + self.pos))

    model = Model()
    opt = dg.optim.Adam(model.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    tokens = rng.integers(0, vocab, (32, length))
    x, y = dg.tensor(tokens), dg.tensor(tokens[:, ::-1].copy())
    losses = []
    for _ in range(60):
        loss = loss_fn(model(x).reshape(-1, vocab), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.3 * losses[0], losses[::10]
