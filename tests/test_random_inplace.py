"""In-place random fills (uniform_, normal_, bernoulli_, exponential_, random_) and the layout helpers
(element_size, nelement, stride, is_contiguous, half)."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg

FILLS = {
    "uniform_": lambda x: x.uniform_(-2.0, 3.0),
    "normal_": lambda x: x.normal_(1.0, 2.0),
    "bernoulli_": lambda x: x.bernoulli_(0.3),
    "exponential_": lambda x: x.exponential_(4.0),
    "random_": lambda x: x.random_(3, 9),
}


@pytest.mark.parametrize("name", sorted(FILLS))
def test_fills_repeat_under_manual_seed_and_stay_in_place(name):
    def draw():
        x = dg.zeros(4, 5, dtype="float64")
        data = x.data
        assert FILLS[name](x) is x and x.data is data  # the same tensor, the same buffer
        return x.numpy().copy()

    dg.manual_seed(5)
    first = [draw(), draw()]
    dg.manual_seed(5)
    second = [draw(), draw()]
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])
    assert not np.array_equal(first[0], first[1])


def test_fills_use_deepglass_generator_like_rand():
    dg.manual_seed(9)
    expected = dg.rand(3, 4, dtype="float64").numpy() * 5 - 2
    dg.manual_seed(9)
    np.testing.assert_allclose(dg.empty(3, 4, dtype="float64").uniform_(-2, 3).numpy(), expected)


def test_fill_statistics():
    dg.manual_seed(0)
    n = 20000
    u = dg.empty(n).uniform_(-2.0, 3.0).numpy()
    assert u.min() >= -2 and u.max() < 3 and abs(u.mean() - 0.5) < 0.05 and abs(u.std() - 5 / np.sqrt(12)) < 0.05
    g = dg.empty(n).normal_(1.0, 2.0).numpy()
    assert abs(g.mean() - 1) < 0.05 and abs(g.std() - 2) < 0.05
    b = dg.empty(n).bernoulli_(0.3).numpy()
    assert set(np.unique(b)) == {0.0, 1.0} and abs(b.mean() - 0.3) < 0.02
    e = dg.empty(n).exponential_(4.0).numpy()
    assert e.min() >= 0 and abs(e.mean() - 0.25) < 0.01 and abs(e.std() - 0.25) < 0.01
    r = dg.empty(n, dtype="int64").random_(3, 9).numpy()
    assert set(np.unique(r)) == set(range(3, 9)) and abs(r.mean() - 5.5) < 0.05
    assert set(np.unique(dg.empty(1000).random_(4).numpy())) == {0.0, 1.0, 2.0, 3.0}


def test_fills_keep_the_dtype_and_use_probability_tensors():
    x = dg.zeros(3, 1000)
    x.normal_()
    assert x.dtype == np.float32
    dg.manual_seed(1)
    p = dg.tensor([[0.0], [0.5], [1.0]])
    rows = dg.zeros(3, 1000).bernoulli_(p).numpy().mean(1)
    assert rows[0] == 0 and rows[2] == 1 and abs(rows[1] - 0.5) < 0.06


def test_fills_refuse_a_tensor_that_requires_grad():
    w = dg.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="normal_ on a tensor that requires grad"):
        w.normal_()
    with dg.no_grad():
        w.uniform_()
    assert (w.numpy() > 0).all()


def test_layout_helpers_match_torch(torch):
    data = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    x, t = dg.tensor(data), torch.tensor(data)
    assert x.element_size() == t.element_size() == 4
    assert x.double().element_size() == 8 and x.nelement() == t.nelement() == 24
    assert x.stride() == t.stride() == (12, 4, 1) and x.stride(1) == t.stride(1) == 4
    assert x.is_contiguous() and t.is_contiguous()
    xt, tt = x.transpose(0, 2), t.transpose(0, 2)
    assert xt.stride() == tt.stride() == (1, 4, 12)
    assert not xt.is_contiguous() and not tt.is_contiguous()
    h = x.half()
    assert h.dtype == np.float16 and h.element_size() == 2
    np.testing.assert_array_equal(h.numpy(), data.astype(np.float16))
