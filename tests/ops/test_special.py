"""Special functions (erf/erfc/erfinv, log2/log10/exp2, trigonometry, atan2, hypot, xlogy, logit, lerp,
trunc/frac, nan_to_num): values and gradients equal PyTorch's in float64."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg

from .opcheck import check_op

# (name, low, high): inputs drawn where the function and its gradient are defined
UNARY = [
    ("erf", -3, 3), ("erfc", -3, 3), ("erfinv", -0.99, 0.99), ("log2", 0.1, 3), ("log10", 0.1, 3),
    ("exp2", -3, 3), ("sinh", -2, 2), ("cosh", -2, 2), ("tan", -1.2, 1.2), ("asin", -0.95, 0.95),
    ("acos", -0.95, 0.95), ("atan", -3, 3), ("logit", 0.05, 0.95), ("trunc", -3, 3), ("frac", -3, 3),
]


@pytest.mark.parametrize("name, low, high", UNARY)
def test_unary_matches_torch(torch, name, low, high):
    check_op(torch, lambda x: getattr(x, name)(), [(3, 4)], lambda x: getattr(torch, name)(x), low=low, high=high)
    check_op(torch, lambda x: getattr(dg, name)(x), [(5,)], lambda x: getattr(torch, name)(x), low=low, high=high)


def test_erf_erfc_erfinv_full_float64_accuracy_over_the_range(torch):
    x = np.concatenate([np.linspace(-9, 9, 20001), [0.46875, -0.46875, 4.0, -4.0, 26.0, -27.0, 0.0, 1e-300]])
    t = torch.tensor(x)
    for name in ("erf", "erfc"):
        ours, expected = getattr(dg, name)(dg.tensor(x)).numpy(), getattr(torch, name)(t).numpy()
        np.testing.assert_allclose(ours, expected, rtol=5e-15, atol=1e-300, err_msg=name)
    assert dg.erfc(dg.tensor(10.0)).item() == pytest.approx(2.088487583762545e-45, rel=1e-14)  # the far tail
    y = np.concatenate([np.linspace(-1, 1, 20001), 1 - np.logspace(-16, -1, 200), np.logspace(-300, -1, 50),
                        [2.0, -1.5, np.nan]])
    ours, expected = dg.erfinv(dg.tensor(y)).numpy(), torch.erfinv(torch.tensor(y)).numpy()
    np.testing.assert_allclose(ours, expected, rtol=1e-14, atol=0)  # ±inf at ±1, NaN outside match too
    assert dg.erfinv(dg.tensor([0.3], dtype=dg.float32)).dtype == np.float32


def test_integer_inputs_give_floats_and_float32_stays(torch):
    ints = np.array([[1, 2], [3, 4]])
    for name in ("erf", "log2", "exp2", "sinh", "atan"):
        out, expected = getattr(dg, name)(dg.tensor(ints)), getattr(torch, name)(torch.tensor(ints))
        assert out.dtype == np.float32 and expected.dtype == torch.float32
        np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-6)
    assert dg.erf(dg.tensor([0.5], dtype=dg.float32)).dtype == np.float32
    assert dg.trunc(dg.tensor(ints)).dtype == np.int64


@pytest.mark.parametrize("shapes", [[(3, 4), (3, 4)], [(3, 4), (4,)], [(2, 1, 4), (3, 1)]])
@pytest.mark.parametrize("name", ["atan2", "hypot"])
def test_binary_matches_torch(torch, shapes, name):
    check_op(torch, lambda a, b: getattr(a, name)(b), shapes, lambda a, b: getattr(torch, name)(a, b))


def test_atan2_quadrants_and_errors(torch):
    y, x = np.array([1.0, 1.0, -1.0, -1.0, 0.0]), np.array([1.0, -1.0, 1.0, -1.0, -1.0])
    np.testing.assert_allclose(dg.atan2(dg.tensor(y), dg.tensor(x)).numpy(),
                               torch.atan2(torch.tensor(y), torch.tensor(x)).numpy())
    with pytest.raises(ValueError, match=r"atan2: shapes \(3,\) and \(4,\)"):
        dg.atan2(dg.ones(3), dg.ones(4))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # log(0), 0 * inf, 1/0: as torch
def test_xlogy_matches_torch_with_zeros(torch):
    x = np.array([[0.0, 1.5, -2.0], [0.0, 3.0, 0.5]])
    y = np.array([[2.0, 0.5, 1.5], [0.7, 2.5, 3.0]])
    check_op(torch, lambda a, b: a.xlogy(b), inputs=[x, y], torch_fn=lambda a, b: torch.xlogy(a, b))
    check_op(torch, lambda a, b: dg.xlogy(a, b), [(2, 3), (3,)], lambda a, b: torch.xlogy(a, b), low=0.1)
    special = dg.xlogy(dg.tensor([0.0, 0.0, 1.0]), dg.tensor([0.0, np.nan, 0.0])).numpy()
    np.testing.assert_array_equal(special, torch.xlogy(torch.tensor([0.0, 0.0, 1.0]),
                                                       torch.tensor([0.0, np.nan, 0.0])).numpy())
    assert dg.xlogy(2.0, dg.tensor([np.e])).item() == pytest.approx(2.0)


@pytest.mark.parametrize("eps", [None, 0.2])
def test_logit_eps_matches_torch(torch, eps):
    x = np.array([0.05, 0.1, 0.3, 0.5, 0.7, 0.9, 0.95])  # some outside [eps, 1 - eps]: zero gradient there
    check_op(torch, lambda a: a.logit(eps), inputs=[x], torch_fn=lambda a: torch.logit(a, eps), gradcheck=False)
    dg.gradcheck(lambda a: a.logit(eps), dg.tensor([0.3, 0.5, 0.7], dtype=dg.float64, requires_grad=True))


def test_lerp_scalar_and_tensor_weights(torch):
    check_op(torch, lambda a, b: a.lerp(b, 0.3), [(3, 4), (3, 4)], lambda a, b: torch.lerp(a, b, 0.3))
    check_op(torch, lambda a, b, w: dg.lerp(a, b, w), [(3, 4), (4,), (3, 1)], lambda a, b, w: torch.lerp(a, b, w))


def test_trunc_frac_values_and_gradients(torch):
    x = np.array([-2.5, -1.5, -0.3, 0.0, 0.7, 1.5, 2.9])
    check_op(torch, lambda a: a.trunc(), inputs=[x], torch_fn=torch.trunc, gradcheck=False)
    check_op(torch, lambda a: a.frac(), inputs=[x], torch_fn=torch.frac, gradcheck=False)
    assert dg.tensor([-1.5]).frac().item() == -0.5


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # log(0), 0 * inf, 1/0: as torch
def test_nan_to_num_matches_torch(torch):
    x = np.array([1.0, np.nan, np.inf, -np.inf, -2.0])
    for kwargs in ({}, {"nan": 1.5, "posinf": 10.0, "neginf": -10.0}, {"posinf": 3.0}):
        check_op(torch, lambda a, kw=kwargs: a.nan_to_num(**kw), inputs=[x],
                 torch_fn=lambda a, kw=kwargs: torch.nan_to_num(a, **kw), gradcheck=False)
    out = dg.nan_to_num(dg.tensor(x, dtype=dg.float32))
    assert out.dtype == np.float32 and out.numpy()[2] == np.finfo(np.float32).max
    assert dg.nan_to_num(dg.tensor([1, 2])).tolist() == [1, 2]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # log(0), 0 * inf, 1/0: as torch
def test_gradients_at_the_domain_edges_match_torch(torch):
    x = np.array([-1.0, 1.0, 0.0])
    for name in ("erfinv", "asin"):
        t = torch.tensor(x, requires_grad=True)
        getattr(torch, name)(t).sum().backward()
        d = dg.tensor(x, requires_grad=True)
        getattr(dg, name)(d).sum().backward()
        np.testing.assert_allclose(d.grad.numpy(), t.grad.numpy())


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # log(0), 0 * inf, 1/0: as torch
def test_xlogy_gradients_at_zero_match_torch(torch):
    x, y = np.array([0.0, 0.0, 0.0, 1.0]), np.array([2.0, 0.0, np.nan, 0.0])
    a, b = dg.tensor(x, requires_grad=True), dg.tensor(y, requires_grad=True)
    ta, tb = torch.tensor(x, requires_grad=True), torch.tensor(y, requires_grad=True)
    dg.xlogy(a, b).sum().backward()
    torch.xlogy(ta, tb).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), ta.grad.numpy())
    np.testing.assert_array_equal(b.grad.numpy(), tb.grad.numpy())
