"""Elementwise ops: arithmetic with broadcasting, unary maths, activations, comparisons."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg

from .opcheck import check_op

BROADCAST_CASES = [
    [(3, 4), (3, 4)],
    [(3, 4), (4,)],
    [(3, 1), (1, 4)],
    [(2, 3, 4), (3, 1)],
    [(4,), (2, 3, 4)],
    [(), (2, 3)],
    [(2, 1, 3), (2, 4, 1)],
]


@pytest.mark.parametrize("shapes", BROADCAST_CASES, ids=str)
@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "maximum", "minimum"])
def test_binary_broadcasting(torch_or_none, op, shapes):
    dg_fn = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
             "div": lambda a, b: a / b, "maximum": dg.maximum, "minimum": dg.minimum}[op]
    torch_fn = None
    if torch_or_none is not None and op in ("maximum", "minimum"):
        torch_fn = getattr(torch_or_none, op)
    inputs = None
    if op == "div":  # keep the divisor away from zero
        rng = np.random.default_rng(0)
        inputs = [rng.uniform(-2, 2, shapes[0]), rng.uniform(0.5, 2, shapes[1]) * rng.choice([-1, 1], shapes[1])]
    check_op(torch_or_none, dg_fn, shapes, torch_fn, inputs=inputs)


@pytest.mark.parametrize("shapes", [[(3, 4), (3, 4)], [(3, 4), (4,)], [(2, 1), (1, 3)]], ids=str)
def test_pow_tensor_exponent(torch_or_none, shapes):
    rng = np.random.default_rng(0)
    check_op(torch_or_none, lambda a, b: a ** b, inputs=[rng.uniform(0.5, 2, shapes[0]), rng.uniform(-2, 2, shapes[1])])


@pytest.mark.parametrize("p", [2, 3, 0.5, -1, -0.5, 1.7])
def test_pow_scalar_exponent(torch_or_none, p):
    check_op(torch_or_none, lambda a: a ** p, [(3, 4)], low=0.5, high=2.0)


def test_functional_forms(torch_or_none):
    check_op(torch_or_none, dg.add, [(2, 3), (3,)], None if torch_or_none is None else torch_or_none.add)
    check_op(torch_or_none, dg.sub, [(2, 3), (3,)], None if torch_or_none is None else torch_or_none.sub)
    check_op(torch_or_none, dg.mul, [(2, 3), (3,)], None if torch_or_none is None else torch_or_none.mul)
    check_op(torch_or_none, dg.div, [(2, 3), (3,)], None if torch_or_none is None else torch_or_none.div,
             low=0.5, high=2)
    check_op(torch_or_none, dg.pow, [(2, 3), (3,)], None if torch_or_none is None else torch_or_none.pow,
             low=0.5, high=2)
    check_op(torch_or_none, lambda a: dg.neg(a), [(2, 3)], lambda a: -a)


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "pow"])
def test_reflected_operators_with_numbers(torch_or_none, name):
    fn = {"add": lambda x: 2 + x, "sub": lambda x: 2 - x, "mul": lambda x: 2 * x, "div": lambda x: 2 / x,
          "pow": lambda x: 2 ** x}[name]
    check_op(torch_or_none, fn, [(3, 4)], low=0.5, high=2.0)


def test_operators_with_numbers_keep_float32():
    x = (dg.rand(3) + 0.5).requires_grad_()
    for y in (x + 1.5, 1.5 + x, x - 2, 2 - x, x * 0.1, 0.1 * x, x / 3.0, 3.0 / x, x ** 2, x ** 0.5, 2.0 ** x, -x):
        assert y.dtype == np.float32, y
        assert y.requires_grad


def test_ndarray_on_the_left_calls_the_tensor_operator():
    x = dg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    a = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    for y, expected in ((a + x, [2, 4, 6]), (a - x, [0, 0, 0]), (a * x, [1, 4, 9]), (a / x, [1, 1, 1])):
        assert isinstance(y, dg.Tensor) and y.requires_grad
        np.testing.assert_allclose(y.numpy(), expected)
    (a * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), a)


def test_matmul_operator_reflected():
    x = dg.randn(3, 2, requires_grad=True)
    a = np.ones((4, 3), dtype=np.float32)
    y = a @ x
    assert isinstance(y, dg.Tensor) and y.shape == (4, 2)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full((3, 2), 4.0))


UNARY = {
    # name: (deepglass fn, torch fn name or None for same method, low, high)
    "exp": (lambda x: x.exp(), None, -2, 2),
    "log": (lambda x: x.log(), None, 0.2, 3),
    "sqrt": (lambda x: x.sqrt(), None, 0.2, 3),
    "abs": (lambda x: x.abs(), None, -2, 2),
    "sin": (lambda x: x.sin(), None, -3, 3),
    "cos": (lambda x: x.cos(), None, -3, 3),
    "tanh": (lambda x: x.tanh(), None, -3, 3),
    "sigmoid": (lambda x: x.sigmoid(), None, -5, 5),
    "relu": (lambda x: x.relu(), None, -2, 2),
    "neg": (lambda x: -x, None, -2, 2),
    "square": (lambda x: x.square(), None, -2, 2),
    "log1p": (lambda x: x.log1p(), None, -0.5, 2),
    "expm1": (lambda x: x.expm1(), None, -2, 2),
    "reciprocal": (lambda x: x.reciprocal(), None, 0.5, 2),
    "rsqrt": (lambda x: x.rsqrt(), None, 0.5, 2),
    "clip": (lambda x: x.clip(-0.5, 0.7), lambda x: x.clip(-0.5, 0.7), -2, 2),
    "clamp_min": (lambda x: x.clamp(min=-0.5), lambda x: x.clamp(min=-0.5), -2, 2),
    "clamp_max": (lambda x: dg.clamp(x, max=0.3), lambda x: x.clamp(max=0.3), -2, 2),
    "abs_builtin": (lambda x: abs(x), None, -2, 2),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary(torch_or_none, name):
    fn, torch_fn, low, high = UNARY[name]
    check_op(torch_or_none, fn, [(3, 5)], torch_fn, low=low, high=high)


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "abs", "sin", "cos", "tanh", "sigmoid", "relu"])
def test_unary_function_form(torch_or_none, name):
    low = 0.2 if name in ("log", "sqrt") else -2
    torch_fn = None if torch_or_none is None else getattr(torch_or_none, name)
    check_op(torch_or_none, getattr(dg, name), [(2, 3)], torch_fn, low=low)


def test_sigmoid_is_stable_for_large_inputs():
    x = dg.tensor([-1000.0, 0.0, 1000.0], requires_grad=True)
    y = x.sigmoid()
    np.testing.assert_allclose(y.numpy(), [0.0, 0.5, 1.0])
    y.sum().backward()
    assert np.all(np.isfinite(x.grad.numpy()))


def test_relu_and_clip_gradients_at_the_boundaries_match_torch(torch_or_none):
    values = [[-1.0, 0.0, 0.5, 1.0, 2.0]]
    check_op(torch_or_none, lambda x: x.relu(), inputs=values, gradcheck=False)
    check_op(torch_or_none, lambda x: x.clip(0.0, 1.0), inputs=values, gradcheck=False)


def test_maximum_ties_split_the_gradient(torch_or_none):
    inputs = [[1.0, 2.0, 3.0], [1.0, 0.0, 3.0]]
    torch_fn = None if torch_or_none is None else torch_or_none.maximum
    check_op(torch_or_none, dg.maximum, inputs=inputs, torch_fn=torch_fn, gradcheck=False)


@pytest.mark.parametrize("shapes", [[(3, 4), (3, 4), (3, 4)], [(3, 4), (4,), (3, 1)], [(2, 1), (1, 3), (2, 3)]],
                         ids=str)
def test_where(torch_or_none, shapes):
    cond = np.random.default_rng(5).random(shapes[2]) > 0.5
    torch_fn = None
    if torch_or_none is not None:
        torch_fn = lambda a, b: torch_or_none.where(torch_or_none.tensor(cond), a, b)  # noqa: E731
    check_op(torch_or_none, lambda a, b: dg.where(dg.tensor(cond), a, b), shapes[:2], torch_fn)


def test_where_accepts_numbers_and_numpy_conditions():
    x = dg.tensor([-1.0, 2.0, -3.0], requires_grad=True)
    y = dg.where(x.data > 0, x, 0.0)
    np.testing.assert_allclose(y.numpy(), [0, 2, 0])
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0, 1, 0])


@pytest.mark.parametrize("op", ["eq", "ne", "lt", "le", "gt", "ge"])
def test_comparisons_are_boolean_and_outside_the_graph(op):
    x = dg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    other = dg.tensor([3.0, 2.0, 1.0])
    expected = getattr(np, {"eq": "equal", "ne": "not_equal", "lt": "less", "le": "less_equal", "gt": "greater",
                            "ge": "greater_equal"}[op])(x.numpy(), other.numpy())
    symbol = {"eq": "__eq__", "ne": "__ne__", "lt": "__lt__", "le": "__le__", "gt": "__gt__", "ge": "__ge__"}[op]
    for result in (getattr(x, symbol)(other), getattr(dg, op)(x, other), getattr(x, op)(other),
                   getattr(x, symbol)(2.0)):
        assert result.dtype == np.bool_
        assert not result.requires_grad and result.grad_fn is None
    np.testing.assert_array_equal(getattr(dg, op)(x, other).numpy(), expected)


def test_logical_ops_and_predicates():
    a, b = dg.tensor([True, False, True]), dg.tensor([True, True, False])
    assert (a & b).tolist() == [True, False, False]
    assert (a | b).tolist() == [True, True, True]
    assert (~a).tolist() == [False, True, False]
    x = dg.tensor([1.0, float("nan"), float("inf")])
    assert x.isnan().tolist() == [False, True, False]
    assert x.isinf().tolist() == [False, False, True]
    assert x.isfinite().tolist() == [True, False, False]


def test_non_differentiable_rounding_ops():
    x = dg.tensor([-1.5, -0.2, 0.4, 2.6], requires_grad=True)
    assert x.sign().tolist() == [-1, -1, 1, 1]
    assert x.floor().tolist() == [-2, -1, 0, 2]
    assert x.ceil().tolist() == [-1, 0, 1, 3]
    assert x.round().tolist() == [-2, 0, 0, 3]
    assert not x.floor().requires_grad


def test_equal_and_allclose():
    a = dg.tensor([1.0, 2.0])
    assert dg.equal(a, dg.tensor([1.0, 2.0])) and not dg.equal(a, dg.tensor([1.0, 2.5]))
    assert dg.allclose(a, dg.tensor([1.0, 2.0 + 1e-9])) and not dg.allclose(a, dg.tensor([1.0, 2.1]))


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "maximum", "minimum", "pow"])
def test_shape_mismatch_names_the_op_and_both_shapes(op):
    a, b = dg.ones(2, 3), dg.ones(4, 5)
    with pytest.raises(ValueError) as info:
        getattr(dg, op)(a, b)
    message = str(info.value)
    assert op in message and "(2, 3)" in message and "(4, 5)" in message


def test_operator_shape_mismatch_message():
    with pytest.raises(ValueError, match=r"add: shapes \(3,\) and \(4,\)"):
        dg.ones(3) + dg.ones(4)


def test_relu_of_non_contiguous_views():
    """A permuted (channels-last) view in, a strided gradient back: ReLU works in logical order, not memory order."""
    rng = np.random.default_rng(11)
    base = rng.standard_normal((4, 3, 5, 6))
    x = dg.tensor(base, requires_grad=True)
    y = x.permute(0, 2, 3, 1).relu()
    np.testing.assert_array_equal(y.numpy(), np.maximum(base.transpose(0, 2, 3, 1), 0))
    gy = rng.standard_normal((6, 5, 3, 4)).T  # a transposed, non-contiguous gradient of shape (4, 3, 5, 6)
    y.backward(dg.tensor(gy.transpose(0, 2, 3, 1)))
    np.testing.assert_array_equal(x.grad.numpy(), gy * (base > 0))
