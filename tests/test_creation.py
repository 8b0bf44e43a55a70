"""Constructors: tensor/from_numpy, filled, ranges, eye, *_like, and seeded random tensors."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg


def test_tensor_copies_and_from_numpy_shares():
    a = np.array([1.0, 2.0])
    t = dg.tensor(a)
    a[0] = 9
    assert t.tolist() == [1.0, 2.0]
    s = dg.from_numpy(a)
    a[1] = 7
    assert s.tolist() == [9.0, 7.0] and s.dtype == np.float64
    u = dg.tensor(t)
    assert not np.shares_memory(u.data, t.data)
    assert dg.as_tensor(t) is t


@pytest.mark.parametrize("make", [dg.zeros, dg.ones, dg.empty])
def test_filled(make):
    assert make(2, 3).shape == (2, 3) and make((2, 3)).shape == (2, 3) and make([4]).shape == (4,)
    assert make(2).dtype == np.float32 and make(2, dtype=dg.int64).dtype == np.int64
    x = make(2, 3, requires_grad=True)
    assert x.requires_grad and x.is_leaf


def test_values():
    assert dg.zeros(2).tolist() == [0, 0] and dg.ones(2).tolist() == [1, 1]
    assert dg.full((2, 2), 7.0).tolist() == [[7, 7], [7, 7]] and dg.full((2,), 7.0).dtype == np.float32
    assert dg.full((2,), 7).dtype == np.int64 and dg.full(3, 1.5).shape == (3,)
    assert dg.eye(3).tolist() == np.eye(3).tolist() and dg.eye(2, 3).shape == (2, 3)


def test_ranges():
    assert dg.arange(4).tolist() == [0, 1, 2, 3] and dg.arange(4).dtype == np.int64
    assert dg.arange(1, 7, 2).tolist() == [1, 3, 5]
    assert dg.arange(0.0, 1.0, 0.25).dtype == np.float32 and len(dg.arange(0.0, 1.0, 0.25)) == 4
    lin = dg.linspace(0, 1, 5)
    assert lin.dtype == np.float32 and lin.tolist() == [0, 0.25, 0.5, 0.75, 1]


def test_like_constructors():
    x = dg.ones(2, 3, dtype="float64")
    for y in (dg.zeros_like(x), dg.ones_like(x), dg.full_like(x, 3.0), dg.rand_like(x), dg.randn_like(x)):
        assert y.shape == (2, 3) and y.dtype == np.float64 and not y.requires_grad
    assert dg.zeros_like(x, dtype="int64").dtype == np.int64
    assert dg.ones_like(x, requires_grad=True).requires_grad
    assert dg.full_like(x, 3.0).tolist() == [[3.0] * 3] * 2


def test_random_shapes_ranges_dtypes():
    r = dg.rand(1000)
    assert r.dtype == np.float32 and 0 <= r.numpy().min() and r.numpy().max() < 1
    n = dg.randn(2000, dtype="float64")
    assert n.dtype == np.float64 and abs(n.numpy().mean()) < 0.1 and abs(n.numpy().std() - 1) < 0.1
    i = dg.randint(3, 7, size=(500,))
    assert i.dtype == np.int64 and set(i.tolist()) == {3, 4, 5, 6}
    assert dg.randint(5, size=(3, 2)).shape == (3, 2)
    assert sorted(dg.randperm(6).tolist()) == list(range(6))
    assert dg.randn(2, 3, requires_grad=True).requires_grad


@pytest.mark.parametrize("make", [lambda: dg.rand(3, 4), lambda: dg.randn(5), lambda: dg.randint(0, 100, size=(7,)),
                                  lambda: dg.randperm(10)])
def test_seeded_random_repeats_bit_for_bit(make):
    dg.manual_seed(123)
    first = [make().numpy().tobytes() for _ in range(3)]
    dg.manual_seed(123)
    second = [make().numpy().tobytes() for _ in range(3)]
    assert first == second
    assert len(set(first)) == 3  # successive draws differ
    dg.manual_seed(124)
    assert make().numpy().tobytes() != first[0]


def test_rng_state_round_trip():
    dg.manual_seed(0)
    state = dg.get_rng_state()
    a = dg.randn(4).numpy()
    dg.set_rng_state(state)
    np.testing.assert_array_equal(dg.randn(4).numpy(), a)


def test_random_draws_from_the_default_generator():
    dg.manual_seed(7)
    expected = np.random.default_rng(7).standard_normal(3).astype(np.float32)
    np.testing.assert_array_equal(dg.randn(3).numpy(), expected)
    gen = np.random.default_rng(1)
    np.testing.assert_array_equal(dg.rand(2, generator=gen).numpy(),
                                  np.random.default_rng(1).random(2).astype(np.float32))


def test_seeded_training_step_repeats_bit_for_bit():
    def run():
        dg.manual_seed(3)
        w = dg.randn(4, 3, requires_grad=True)
        x = dg.randn(8, 4)
        for _ in range(5):
            loss = (x @ w).tanh().square().mean()
            loss.backward()
            with dg.no_grad():
                w -= 0.1 * w.grad
            w.grad = None
        return w.numpy().tobytes()

    assert run() == run()


# ---- logspace, triangle indices, empty_like, is_tensor, numel -----------------------------------------
@pytest.mark.parametrize("args", [(0, 3, 4), (-1.0, 1.0, 5, 2.0), (1, 1, 1)], ids=str)
def test_logspace_matches_torch(torch, args):
    ours, theirs = dg.logspace(*args), torch.logspace(*args)
    assert ours.dtype == np.float32 and ours.shape == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
    assert dg.logspace(0, 2, 3, dtype="float64").dtype == np.float64


@pytest.mark.parametrize("row, col, offset", [(3, 3, 0), (3, 4, 1), (4, 2, -1), (0, 3, 0)])
def test_triangle_indices_match_torch(torch, row, col, offset):
    for ours, theirs in [(dg.tril_indices(row, col, offset), torch.tril_indices(row, col, offset)),
                         (dg.triu_indices(row, col, offset), torch.triu_indices(row, col, offset))]:
        assert ours.dtype == np.int64 and ours.shape == tuple(theirs.shape)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_empty_like_is_tensor_numel():
    x = dg.ones(2, 3, dtype="float64")
    e = dg.empty_like(x)
    assert e.shape == (2, 3) and e.dtype == np.float64 and dg.empty_like(x, dtype="int64").dtype == np.int64
    assert dg.is_tensor(x) and not dg.is_tensor(np.ones(2)) and not dg.is_tensor([1.0])
    assert dg.numel(x) == 6 and dg.numel(dg.tensor(1.0)) == 1


# ---- sampling: bernoulli, multinomial, normal ---------------------------------------------------------
SAMPLERS = {
    "bernoulli": lambda: dg.bernoulli(dg.full((50,), 0.3)),
    "bernoulli_p": lambda: dg.bernoulli(dg.zeros(50), p=0.7),
    "bernoulli_method": lambda: dg.full((50,), 0.3).bernoulli(),
    "multinomial": lambda: dg.multinomial(dg.tensor([1.0, 2.0, 3.0, 4.0]), 20, replacement=True),
    "multinomial_no_replacement": lambda: dg.tensor([[1.0, 2.0, 3.0, 4.0]] * 3).multinomial(3),
    "normal_tensors": lambda: dg.normal(dg.zeros(20), dg.ones(20)),
    "normal_numbers": lambda: dg.normal(2.0, 3.0, size=(4, 5)),
}


@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_sampling_repeats_under_manual_seed(name):
    dg.manual_seed(11)
    first = [SAMPLERS[name]().numpy() for _ in range(2)]
    dg.manual_seed(11)
    second = [SAMPLERS[name]().numpy() for _ in range(2)]
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])
    assert not np.array_equal(first[0], first[1])  # successive draws differ


def test_bernoulli_statistics_and_dtype():
    dg.manual_seed(0)
    probs = dg.tensor(np.linspace(0, 1, 5).repeat(4000).reshape(5, 4000), dtype="float64")
    out = dg.bernoulli(probs)
    assert out.dtype == np.float64 and out.shape == (5, 4000) and set(np.unique(out.numpy())) <= {0.0, 1.0}
    np.testing.assert_allclose(out.numpy().mean(axis=1), np.linspace(0, 1, 5), atol=0.03)
    assert out.numpy()[0].sum() == 0 and out.numpy()[-1].sum() == 4000  # p = 0 and p = 1 are exact
    assert abs(dg.bernoulli(dg.zeros(4000), p=0.25).numpy().mean() - 0.25) < 0.03
    with pytest.raises(ValueError, match=r"bernoulli: probabilities must lie in \[0, 1\]"):
        dg.bernoulli(dg.tensor([1.5]))


def test_multinomial_with_replacement_follows_the_weights():
    dg.manual_seed(1)
    weights = dg.tensor([[0.0, 1.0, 3.0, 0.0, 4.0], [5.0, 0.0, 0.0, 0.0, 5.0]])
    out = dg.multinomial(weights, 8000, replacement=True)
    assert out.dtype == np.int64 and out.shape == (2, 8000)
    freq = np.stack([np.bincount(row, minlength=5) / 8000 for row in out.numpy()])
    np.testing.assert_allclose(freq, weights.numpy() / weights.numpy().sum(1, keepdims=True), atol=0.03)
    assert dg.multinomial(dg.tensor([0.0, 2.0]), 5, replacement=True).tolist() == [1] * 5


def test_multinomial_without_replacement():
    dg.manual_seed(2)
    out = dg.multinomial(dg.ones(1000, 6), 6)
    rows = np.sort(out.numpy(), axis=1)
    assert (rows == np.arange(6)).all()  # every category exactly once per row
    first = np.bincount(out.numpy()[:, 0], minlength=6) / 1000
    np.testing.assert_allclose(first, 1 / 6, atol=0.05)
    skewed = dg.multinomial(dg.tensor([[1.0, 0.0, 9.0]] * 2000), 1)
    assert abs((skewed.numpy() == 2).mean() - 0.9) < 0.03 and not (skewed.numpy() == 1).any()
    with pytest.raises(ValueError, match="cannot draw 3 samples without replacement from rows with 2 non-zero"):
        dg.multinomial(dg.tensor([1.0, 0.0, 1.0]), 3)
    with pytest.raises(ValueError, match="non-negative"):
        dg.multinomial(dg.tensor([1.0, -1.0]), 1, replacement=True)


def test_normal_statistics_shapes_and_dtypes():
    dg.manual_seed(3)
    out = dg.normal(dg.tensor([-2.0, 5.0], dtype="float64").reshape(2, 1).expand(2, 5000), 2.0)
    assert out.dtype == np.float64 and out.shape == (2, 5000)
    np.testing.assert_allclose(out.numpy().mean(1), [-2.0, 5.0], atol=0.1)
    np.testing.assert_allclose(out.numpy().std(1), [2.0, 2.0], atol=0.1)
    both = dg.normal(dg.zeros(3, 1), dg.full((4,), 0.5))  # mean and std broadcast together
    assert both.shape == (3, 4) and both.dtype == np.float32
    numbers = dg.normal(1.0, 0.5, size=(20000,))
    assert numbers.dtype == np.float32 and abs(numbers.numpy().mean() - 1) < 0.02
    assert abs(numbers.numpy().std() - 0.5) < 0.02
    with pytest.raises(ValueError, match="normal: give `size`"):
        dg.normal(0.0, 1.0)
