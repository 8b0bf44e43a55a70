"""scaled_dot_product_attention and MultiheadAttention: PyTorch parity (outputs, attention weights, input and
parameter gradients), masks, float64 gradchecks, init, errors."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass import nn
from deepglass.nn import functional as F

RTOL, ATOL = 1e-5, 1e-6


def _rand(rng, *shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


def _close(mine, theirs, what, rtol=RTOL, atol=ATOL):
    np.testing.assert_allclose(mine, theirs, rtol=rtol, atol=atol, err_msg=what)


def compare_with_torch(torch, module, torch_module, arrays, kwargs=None, pick=None, seed=1):
    """Load torch's state_dict into `module`, run both on `arrays` (float ones get gradients) with `kwargs`
    (arrays there become tensors on each side), compare every output, the input gradients and every parameter
    gradient. `pick(out)` gives the tuple of outputs to compare (the first is back-propagated)."""
    module.load_state_dict({k: v.detach().numpy() for k, v in torch_module.state_dict().items()})
    kwargs = kwargs or {}
    pick = pick or (lambda out: out if isinstance(out, tuple) else (out,))
    ds = [dg.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    dk = {k: dg.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    tk = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    d_out, t_out = pick(module(*ds, **dk)), pick(torch_module(*ts, **tk))
    assert len(d_out) == len(t_out)
    for i, (d, t) in enumerate(zip(d_out, t_out)):
        if t is None:
            assert d is None, f"output {i}: expected None"
            continue
        assert tuple(d.shape) == tuple(t.shape), f"output {i}: shape {d.shape} vs {tuple(t.shape)}"
        _close(d.numpy(), t.detach().numpy(), f"output {i}")
    g = np.random.default_rng(seed).standard_normal(t_out[0].shape).astype(arrays[0].dtype)
    d_out[0].backward(dg.tensor(g))
    t_out[0].backward(torch.tensor(g))
    for i, (d, t) in enumerate(zip(ds, ts)):
        _close(d.grad.numpy(), t.grad.numpy(), f"grad of input {i}")
    theirs = dict(torch_module.named_parameters())
    mine = dict(module.named_parameters())
    assert sorted(mine) == sorted(theirs)
    for name, p in mine.items():
        _close(p.grad.numpy(), theirs[name].grad.numpy(), f"grad of {name}")


def param_gradcheck(module, fn, eps=1e-6, rtol=1e-4, atol=1e-7):
    """Central differences of the float64 scalar `fn()` against backward, for every parameter entry."""
    module.zero_grad()
    fn().backward()
    for name, p in module.named_parameters():
        analytic = p.grad.numpy().copy()
        numeric = np.zeros_like(analytic)
        flat = p.data.reshape(-1)
        for i in range(flat.size):
            old = flat[i]
            flat[i] = old + eps
            with dg.no_grad():
                up = fn().item()
            flat[i] = old - eps
            with dg.no_grad():
                down = fn().item()
            flat[i] = old
            numeric.reshape(-1)[i] = (up - down) / (2 * eps)
        np.testing.assert_allclose(analytic, numeric, rtol=rtol, atol=atol, err_msg=f"gradient of {name}")


# ---- scaled_dot_product_attention ------------------------------------------------------------------------------
SDPA_CASES = {
    "plain": {},
    "bool mask": {"attn_mask": "bool"},
    "float mask": {"attn_mask": "float"},
    "causal": {"is_causal": True},
    "scale": {"scale": 0.37},
}


@pytest.mark.parametrize("case", SDPA_CASES)
def test_sdpa_matches_torch(torch, case):
    rng = np.random.default_rng(0)
    q, k, v = _rand(rng, 2, 3, 4, 5), _rand(rng, 2, 3, 6, 5), _rand(rng, 2, 3, 6, 7)
    kwargs = dict(SDPA_CASES[case])
    if kwargs.get("attn_mask") == "bool":
        mask = rng.random((4, 6)) > 0.4
        mask[:, 0] = True
        kwargs["attn_mask"] = mask
    elif kwargs.get("attn_mask") == "float":
        kwargs["attn_mask"] = _rand(rng, 2, 1, 4, 6)

    class Wrap:  # so compare_with_torch can call the functions like modules
        def __init__(self, fn):
            self.fn = fn

        def __call__(self, *a, **kw):
            return self.fn(*a, **kw)

        def load_state_dict(self, state):
            pass

        def named_parameters(self):
            return iter(())

        state_dict = dict

    compare_with_torch(torch, Wrap(F.scaled_dot_product_attention),
                       Wrap(torch.nn.functional.scaled_dot_product_attention), [q, k, v], kwargs)


def test_sdpa_float_mask_gets_gradient_and_masked_rows_are_zero(torch):
    rng = np.random.default_rng(1)
    q, k, v = _rand(rng, 3, 4, 5), _rand(rng, 3, 6, 5), _rand(rng, 3, 6, 2)
    fm = _rand(rng, 4, 6)
    fm[2] = -np.inf  # query 2 sees no key
    ds = [dg.tensor(a, requires_grad=True) for a in (q, k, v, fm)]
    ts = [torch.tensor(a, requires_grad=True) for a in (q, k, v, fm)]
    y = F.scaled_dot_product_attention(*ds[:3], attn_mask=ds[3])
    ty = torch.nn.functional.scaled_dot_product_attention(*ts[:3], attn_mask=ts[3])
    assert np.all(y.numpy()[:, 2] == 0) and np.isfinite(y.numpy()).all()
    _close(y.numpy(), ty.detach().numpy(), "forward")
    y.sum().backward()
    ty.sum().backward()
    for d, t in zip(ds, ts):
        assert np.isfinite(d.grad.numpy()).all()
        _close(d.grad.numpy(), t.grad.numpy(), "gradient")
    # a bool mask leaving a row empty: 0 there too, as torch
    bm = np.ones((4, 6), bool)
    bm[1] = False
    y = F.scaled_dot_product_attention(*[dg.tensor(a) for a in (q, k, v)], attn_mask=dg.tensor(bm))
    ty = torch.nn.functional.scaled_dot_product_attention(*[torch.tensor(a) for a in (q, k, v)],
                                                          attn_mask=torch.tensor(bm))
    _close(y.numpy(), ty.numpy(), "bool mask")


def test_sdpa_gqa_and_broadcast(torch):
    rng = np.random.default_rng(2)
    q, k, v = _rand(rng, 2, 4, 3, 5), _rand(rng, 2, 2, 6, 5), _rand(rng, 2, 2, 6, 3)
    y = F.scaled_dot_product_attention(*[dg.tensor(a) for a in (q, k, v)], enable_gqa=True)
    ty = torch.nn.functional.scaled_dot_product_attention(*[torch.tensor(a) for a in (q, k, v)], enable_gqa=True)
    _close(y.numpy(), ty.numpy(), "gqa")
    # key and value shared by every batch entry: their gradients are summed over it
    kd = dg.tensor(k[0, :1], requires_grad=True)
    y = F.scaled_dot_product_attention(dg.tensor(q), kd, dg.tensor(v[0, :1]))
    y.sum().backward()
    assert kd.grad.shape == (1, 6, 5)


def test_sdpa_gradcheck_float64():
    rng = np.random.default_rng(3)
    q, k, v = (dg.tensor(_rand(rng, 2, n, 3, dtype=np.float64), requires_grad=True) for n in (3, 4, 4))
    fm = dg.tensor(_rand(rng, 3, 4, dtype=np.float64), requires_grad=True)
    bm = dg.tensor(np.array([[1, 0, 1, 1], [1, 1, 0, 0], [0, 0, 0, 0]], bool))
    dg.gradcheck(lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m), q, k, v, fm)
    dg.gradcheck(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=bm, scale=0.7), q, k, v)
    dg.gradcheck(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True), q, k, v)


def test_sdpa_dropout_is_seeded_and_unbiased():
    rng = np.random.default_rng(4)
    q, k, v = (dg.tensor(_rand(rng, 64, 4, 8)) for _ in range(3))
    dg.manual_seed(5)
    a = F.scaled_dot_product_attention(q, k, v, dropout_p=0.3).numpy()
    dg.manual_seed(5)
    b = F.scaled_dot_product_attention(q, k, v, dropout_p=0.3).numpy()
    np.testing.assert_array_equal(a, b)
    plain = F.scaled_dot_product_attention(q, k, v).numpy()
    assert not np.allclose(a, plain)
    assert abs(a.mean() - plain.mean()) < 0.05
    assert np.all(F.scaled_dot_product_attention(q, k, v, dropout_p=1.0).numpy() == 0)


def test_sdpa_errors():
    x = dg.randn(2, 3, 4)
    with pytest.raises(ValueError, match="not both"):
        F.scaled_dot_product_attention(x, x, x, attn_mask=dg.ones(3, 3), is_causal=True)
    with pytest.raises(ValueError, match="do not match"):
        F.scaled_dot_product_attention(x, dg.randn(2, 3, 5), x)


# ---- MultiheadAttention ----------------------------------------------------------------------------------------
L, S, N = 4, 5, 2


def _masks(rng, heads):
    kpm = np.zeros((N, S), bool)
    kpm[0, 3:] = True
    bool_mask = rng.random((L, S)) > 0.7
    bool_mask[:, 0] = False
    return {
        "key_padding_mask": kpm,
        "bool attn_mask": bool_mask,
        "float attn_mask": _rand(rng, L, S),
        "3-D attn_mask": _rand(rng, N * heads, L, S),
        "float key_padding_mask": _rand(rng, N, S),
    }


MHA_CASES = [
    ({}, {}),
    ({"batch_first": True}, {}),
    ({}, {"need_weights": False}),
    ({}, {"average_attn_weights": False}),
    ({}, {"key_padding_mask": "key_padding_mask"}),
    ({"batch_first": True}, {"key_padding_mask": "key_padding_mask", "attn_mask": "bool attn_mask",
                             "need_weights": False}),
    ({}, {"attn_mask": "float attn_mask", "key_padding_mask": "float key_padding_mask"}),
    ({}, {"attn_mask": "3-D attn_mask", "average_attn_weights": False}),
    ({}, {"attn_mask": "3-D attn_mask", "need_weights": False}),
    ({"kdim": 3, "vdim": 6}, {"key_padding_mask": "key_padding_mask"}),
    ({"kdim": 3, "vdim": 6, "batch_first": True}, {"attn_mask": "bool attn_mask", "need_weights": False}),
    ({"bias": False}, {}),
    ({"add_bias_kv": True, "add_zero_attn": True}, {"key_padding_mask": "float key_padding_mask",
                                                     "attn_mask": "float attn_mask"}),
    ({"add_zero_attn": True}, {"key_padding_mask": "key_padding_mask", "attn_mask": "bool attn_mask"}),
    ({"add_bias_kv": True}, {"attn_mask": "bool attn_mask", "need_weights": False}),
    ({}, {"attn_mask": "causal", "is_causal": True, "need_weights": False}),
    ({}, {"attn_mask": "causal", "is_causal": True, "key_padding_mask": "key_padding_mask"}),
    ({"dropout": 0.5}, {"need_weights": False}),  # compared in eval mode: dropout off
]


@pytest.mark.parametrize("config, call", MHA_CASES, ids=[f"{c}-{f}" for c, f in MHA_CASES])
def test_multihead_attention_matches_torch(torch, config, call):
    rng = np.random.default_rng(0)
    E, heads = 8, 2
    kdim, vdim = config.get("kdim", E), config.get("vdim", E)
    masks = _masks(rng, heads)
    masks["causal"] = np.triu(np.ones((L, S), bool), 1)
    kwargs = {k: masks[v] if isinstance(v, str) else v for k, v in call.items()}
    torch.manual_seed(0)
    tm = torch.nn.MultiheadAttention(E, heads, **config)
    dm = nn.MultiheadAttention(E, heads, **config)
    if config.get("dropout"):
        tm.eval()
        dm.eval()
    bf = config.get("batch_first", False)
    shape = (lambda T, d: (N, T, d)) if bf else (lambda T, d: (T, N, d))
    arrays = [_rand(rng, *shape(L, E)), _rand(rng, *shape(S, kdim)), _rand(rng, *shape(S, vdim))]
    compare_with_torch(torch, dm, tm, arrays, kwargs)


def test_multihead_attention_unbatched_and_self_attention(torch):
    rng = np.random.default_rng(1)
    torch.manual_seed(0)
    tm, dm = torch.nn.MultiheadAttention(6, 3), nn.MultiheadAttention(6, 3)
    x = _rand(rng, L, 6)
    kpm = np.array([False, False, True, False])
    compare_with_torch(torch, dm, tm, [x, x, x], {"key_padding_mask": kpm})
    compare_with_torch(torch, dm, tm, [x, x, x], {"need_weights": False, "attn_mask": _rand(rng, L, L)})


def test_multihead_attention_state_dict_and_init_match_torch(torch):
    for kwargs in ({}, {"kdim": 3, "vdim": 5, "add_bias_kv": True}, {"bias": False}):
        tm, dm = torch.nn.MultiheadAttention(8, 2, **kwargs), nn.MultiheadAttention(8, 2, **kwargs)
        theirs, mine = tm.state_dict(), dm.state_dict()
        assert list(mine) == list(theirs)
        for key in theirs:
            assert mine[key].shape == tuple(theirs[key].shape) and mine[key].dtype == np.float32
    dm = nn.MultiheadAttention(64, 4)
    w = dm.in_proj_weight.numpy()
    bound = np.sqrt(6 / (64 + 3 * 64))  # Xavier-uniform on (3E, E)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert not dm.in_proj_bias.numpy().any() and not dm.out_proj.bias.numpy().any()
    out_w = dm.out_proj.weight.numpy()
    assert np.abs(out_w).max() <= 1 / np.sqrt(64) and np.abs(out_w).max() > 0.95 / np.sqrt(64)
    assert nn.MultiheadAttention(4, 2, dtype=dg.float64).in_proj_weight.dtype == np.float64


def test_multihead_attention_gradcheck_float64():
    rng = np.random.default_rng(2)
    m = nn.MultiheadAttention(4, 2, kdim=3, vdim=2, dtype=dg.float64)
    q = dg.tensor(_rand(rng, 3, 2, 4, dtype=np.float64), requires_grad=True)
    k = dg.tensor(_rand(rng, 4, 2, 3, dtype=np.float64), requires_grad=True)
    v = dg.tensor(_rand(rng, 4, 2, 2, dtype=np.float64), requires_grad=True)
    kpm = dg.tensor(np.array([[False, False, True, False], [False, False, False, False]]))
    am = dg.tensor(_rand(rng, 3, 4, dtype=np.float64), requires_grad=True)
    for need_weights in (True, False):
        dg.gradcheck(lambda q, k, v, am, nw=need_weights: m(q, k, v, key_padding_mask=kpm, attn_mask=am,
                                                             need_weights=nw)[0], q, k, v, am)
    dg.gradcheck(lambda q, k, v: m(q, k, v, average_attn_weights=False)[1], q, k, v)
    weights = dg.tensor(rng.standard_normal((3, 2, 4)))
    param_gradcheck(m, lambda: (m(q, k, v, key_padding_mask=kpm)[0] * weights).sum())
    packed = nn.MultiheadAttention(4, 2, add_bias_kv=True, dtype=dg.float64)
    param_gradcheck(packed, lambda: (packed(q, q, q, need_weights=False)[0] * weights).sum())


def test_multihead_attention_dropout_only_while_training():
    m = nn.MultiheadAttention(8, 2, dropout=0.5)
    x = dg.randn(4, 3, 8)
    m.eval()
    a, wa = m(x, x, x)
    b, wb = m(x, x, x)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    np.testing.assert_allclose(wa.numpy().sum(-1), 1, rtol=1e-5)
    m.train()
    c, wc = m(x, x, x, average_attn_weights=False)
    assert not np.allclose(c.numpy(), a.numpy())
    assert set(np.unique(wc.numpy() == 0)) == {True, False}  # some probabilities dropped


def test_multihead_attention_errors():
    with pytest.raises(ValueError, match="divisible"):
        nn.MultiheadAttention(10, 3)
    m = nn.MultiheadAttention(4, 2)
    x = dg.randn(3, 2, 4)
    with pytest.raises(RuntimeError, match="Need attn_mask"):
        m(x, x, x, is_causal=True)
    with pytest.raises(RuntimeError, match="2D attn_mask"):
        m(x, x, x, attn_mask=dg.zeros(3, 4))
    with pytest.raises(RuntimeError, match="key_padding_mask"):
        m(x, x, x, key_padding_mask=dg.zeros(3, 3))
    with pytest.raises(ValueError, match="embed_dim=4"):
        m(dg.randn(3, 2, 5), x, x)


def test_multihead_attention_trains():
    dg.manual_seed(0)
    m = nn.MultiheadAttention(8, 2, batch_first=True)
    x = dg.randn(4, 5, 8)
    target = dg.randn(4, 5, 8)
    opt = dg.optim.Adam(m.parameters(), lr=0.01)
    losses = []
    for _ in range(30):
        loss = ((m(x, x, x, need_weights=False)[0] - target) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.7 * losses[0]
