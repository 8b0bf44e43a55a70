"""Losses: values and input gradients equal PyTorch's for every option; stability; the course numbers."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass import nn
from deepglass.nn import functional as F

RTOL, ATOL = 1e-5, 1e-6
REDUCTIONS = ["none", "mean", "sum"]


def _compare(torch, dg_fn, torch_fn, x: np.ndarray, *others, rtol=RTOL, atol=ATOL):
    """Run the loss in both libraries on input `x` (and constant `others`): same value, same input gradient."""
    xd, xt = dg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ld = dg_fn(xd, *[dg.tensor(o) if isinstance(o, np.ndarray) else o for o in others])
    lt = torch_fn(xt, *[torch.tensor(o) if isinstance(o, np.ndarray) else o for o in others])
    np.testing.assert_allclose(ld.numpy(), lt.detach().numpy(), rtol=rtol, atol=atol, err_msg="loss value")
    g = np.random.default_rng(2).normal(size=lt.shape).astype(x.dtype)
    ld.backward(dg.tensor(g))
    lt.backward(torch.tensor(g))
    np.testing.assert_allclose(xd.grad.numpy(), xt.grad.numpy(), rtol=rtol, atol=atol, err_msg="input gradient")


def test_course_cross_entropy_numbers():
    loss = nn.CrossEntropyLoss()
    assert round(loss(dg.tensor([[5.0, 1.0, -2.0]]), dg.tensor([0])).item(), 4) == 0.0190
    assert round(loss(dg.tensor([[1.0, 5.0, -2.0]]), dg.tensor([0])).item(), 4) == 4.0190
    assert round(loss(dg.tensor([5.0, 1.0, -2.0]), dg.tensor(0)).item(), 4) == 0.0190  # unbatched


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
@pytest.mark.parametrize("ignore", [False, True])
@pytest.mark.parametrize("spatial", [False, True])
def test_cross_entropy_class_indices_every_option(torch, reduction, weighted, smoothing, ignore, spatial):
    rng = np.random.default_rng(0)
    shape = (6, 5, 3, 2) if spatial else (8, 5)
    x = rng.normal(size=shape).astype(np.float32) * 3
    y = rng.integers(0, 5, size=(shape[0],) + shape[2:])
    if ignore:
        y.flat[::3] = 2  # ignore class 2 wherever it is used, and force some
    weight = rng.uniform(0.2, 2, size=5).astype(np.float32) if weighted else None
    kw = dict(reduction=reduction, label_smoothing=smoothing, ignore_index=2 if ignore else -100)
    wd = None if weight is None else dg.tensor(weight)
    wt = None if weight is None else torch.tensor(weight)
    _compare(torch, lambda a, b: F.cross_entropy(a, b, weight=wd, **kw),
             lambda a, b: torch.nn.functional.cross_entropy(a, b, weight=wt, **kw), x, y)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_cross_entropy_probability_targets(torch, reduction, weighted, smoothing):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(7, 4)).astype(np.float32)
    p = rng.dirichlet(np.ones(4), size=7).astype(np.float32)
    weight = rng.uniform(0.2, 2, size=4).astype(np.float32) if weighted else None
    module_d = nn.CrossEntropyLoss(None if weight is None else dg.tensor(weight), reduction=reduction,
                                   label_smoothing=smoothing)
    module_t = torch.nn.CrossEntropyLoss(None if weight is None else torch.tensor(weight), reduction=reduction,
                                         label_smoothing=smoothing)
    _compare(torch, module_d, module_t, x, p)


def test_cross_entropy_stable_for_huge_logits():
    x = dg.tensor([[1e4, -1e4, 0.0], [-1e4, 1e4, 5.0]], requires_grad=True)
    loss = F.cross_entropy(x, dg.tensor([1, 1]))
    loss.backward()
    assert np.isfinite(loss.item()) and np.all(np.isfinite(x.grad.numpy()))
    np.testing.assert_allclose(loss.item(), 1e4, rtol=1e-6)  # first row: 2e4 / 2 samples
    z = dg.tensor([1e4, -1e4, 3.0], requires_grad=True)
    bce = F.binary_cross_entropy_with_logits(z, dg.tensor([0.0, 1.0, 1.0]), reduction="sum")
    bce.backward()
    assert np.isfinite(bce.item()) and np.all(np.isfinite(z.grad.numpy()))
    np.testing.assert_allclose(bce.item(), 2e4 + np.log1p(np.exp(-3.0)), rtol=1e-6)


def test_cross_entropy_errors_name_shapes():
    with pytest.raises(ValueError, match=r"target of shape \(3,\) does not match input of shape \(2, 4\)"):
        F.cross_entropy(dg.randn(2, 4), dg.tensor([0, 1, 2]))
    with pytest.raises(IndexError, match="outside"):
        F.cross_entropy(dg.randn(2, 4), dg.tensor([0, 7]))
    with pytest.raises(IndexError, match=r"outside \[0, 4\)"):
        F.cross_entropy(dg.randn(2, 4), dg.tensor([-1, 0]))
    with pytest.raises(IndexError, match=r"nll_loss: target holds a class index outside \[0, 4\)"):
        F.nll_loss(dg.randn(2, 4), dg.tensor([0, 4]))


@pytest.mark.parametrize("name", ["cross_entropy", "nll_loss"])
def test_mean_over_an_empty_or_fully_ignored_batch_is_nan_like_pytorch(torch, name):
    """A mean over no targets is NaN (values and gradients as PyTorch's); a sum over none is 0."""
    for y in ([], [2, 2]):
        x = np.zeros((len(y), 3), np.float32)
        for reduction in ("mean", "sum"):
            ours, theirs = dg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
            loss = getattr(F, name)(ours, dg.tensor(np.array(y, dtype=np.int64)), ignore_index=2, reduction=reduction)
            expected = getattr(torch.nn.functional, name)(theirs, torch.tensor(y, dtype=torch.int64), ignore_index=2,
                                                          reduction=reduction)
            loss.backward()
            expected.backward()
            np.testing.assert_array_equal(loss.item(), expected.item())
            np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_nll_loss(torch, reduction, weighted):
    rng = np.random.default_rng(3)
    x = np.log(rng.dirichlet(np.ones(5), size=9)).astype(np.float32)
    y = rng.integers(0, 5, size=9)
    y[0] = 1
    w = rng.uniform(0.5, 2, 5).astype(np.float32) if weighted else None
    _compare(torch, nn.NLLLoss(None if w is None else dg.tensor(w), ignore_index=1, reduction=reduction),
             torch.nn.NLLLoss(None if w is None else torch.tensor(w), ignore_index=1, reduction=reduction), x, y)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("with_weights", [False, True])
def test_bce_with_logits_and_bce(torch, reduction, with_weights):
    rng = np.random.default_rng(4)
    x = (rng.normal(size=(6, 3)) * 4).astype(np.float32)
    t = rng.uniform(size=(6, 3)).astype(np.float32)
    t[0] = [0, 1, 0]
    w = rng.uniform(0.5, 2, size=(6, 3)).astype(np.float32) if with_weights else None
    pw = rng.uniform(0.5, 3, size=3).astype(np.float32) if with_weights else None
    _compare(torch, nn.BCEWithLogitsLoss(None if w is None else dg.tensor(w), reduction, None if pw is None
                                         else dg.tensor(pw)),
             torch.nn.BCEWithLogitsLoss(None if w is None else torch.tensor(w), reduction=reduction,
                                        pos_weight=None if pw is None else torch.tensor(pw)), x, t)
    probs = 1 / (1 + np.exp(-x))
    _compare(torch, nn.BCELoss(None if w is None else dg.tensor(w), reduction),
             torch.nn.BCELoss(None if w is None else torch.tensor(w), reduction=reduction), probs, t, rtol=1e-4)


def test_bce_clamps_log_like_pytorch(torch):
    x = np.array([0.0, 1.0, 0.5], np.float32)
    t = np.array([1.0, 0.0, 1.0], np.float32)
    value = F.binary_cross_entropy(dg.tensor(x), dg.tensor(t), reduction="none").numpy()
    np.testing.assert_allclose(value, torch.nn.functional.binary_cross_entropy(
        torch.tensor(x), torch.tensor(t), reduction="none").numpy(), rtol=1e-6)
    assert value[0] == 100


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_regression_losses(torch, reduction):
    rng = np.random.default_rng(5)
    x = (rng.normal(size=(5, 4)) * 2).astype(np.float32)
    t = rng.normal(size=(5, 4)).astype(np.float32)
    tn = torch.nn
    pairs = [
        (nn.MSELoss(reduction), tn.MSELoss(reduction=reduction)),
        (nn.L1Loss(reduction), tn.L1Loss(reduction=reduction)),
        (nn.HuberLoss(reduction, delta=0.7), tn.HuberLoss(reduction=reduction, delta=0.7)),
        (nn.SmoothL1Loss(reduction, beta=0.5), tn.SmoothL1Loss(reduction=reduction, beta=0.5)),
        (nn.SmoothL1Loss(reduction, beta=0.0), tn.SmoothL1Loss(reduction=reduction, beta=0.0)),
    ]
    for ours, theirs in pairs:
        _compare(torch, ours, theirs, x, t)


def test_mse_course_factor_half():
    s, d = dg.tensor([2.0, 0.5], requires_grad=True), dg.tensor([1.0, 1.5])
    loss = nn.MSELoss(reduction="sum", factor=0.5)(s, d)
    loss.backward()
    assert loss.item() == pytest.approx(0.5 * (1 + 1))
    np.testing.assert_allclose(s.grad.numpy(), [1.0, -1.0])  # the gradient of ½(s-d)² is s - d


@pytest.mark.filterwarnings("ignore:reduction. .mean. divides")
@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(torch, reduction, log_target):
    rng = np.random.default_rng(6)
    x = np.log(rng.dirichlet(np.ones(4), size=3)).astype(np.float32)
    t = rng.dirichlet(np.ones(4), size=3).astype(np.float32)
    t[0, 0] = 0
    t = np.log(t + 1e-3).astype(np.float32) if log_target else t
    _compare(torch, nn.KLDivLoss(reduction, log_target), torch.nn.KLDivLoss(reduction=reduction,
                                                                             log_target=log_target), x, t)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_hinge_losses(torch, reduction):
    rng = np.random.default_rng(7)
    x = rng.normal(size=(6, 4)).astype(np.float32)
    sign = np.where(rng.uniform(size=(6, 4)) > 0.5, 1.0, -1.0).astype(np.float32)
    _compare(torch, nn.HingeEmbeddingLoss(0.8, reduction), torch.nn.HingeEmbeddingLoss(0.8, reduction=reduction),
             x, sign)
    y = rng.integers(0, 4, size=6)
    w = rng.uniform(0.5, 2, 4).astype(np.float32)
    for p in (1, 2):
        _compare(torch, nn.MultiMarginLoss(p, 0.9, dg.tensor(w), reduction),
                 torch.nn.MultiMarginLoss(p, 0.9, torch.tensor(w), reduction=reduction), x, y)


def test_dice_loss_values_and_gradcheck():
    target = np.zeros((1, 1, 4, 4), np.float32)
    target[..., :2, :] = 1
    perfect = nn.DiceLoss(smooth=0.0)(dg.tensor(target), dg.tensor(target))
    assert perfect.item() == pytest.approx(0.0)
    disjoint = nn.DiceLoss(smooth=0.0)(dg.tensor(1 - target), dg.tensor(target))
    assert disjoint.item() == pytest.approx(1.0)
    x = dg.rand(2, 3, 4, 4, dtype=dg.float64, requires_grad=True)
    mask = dg.tensor(np.round(np.random.rand(2, 3, 4, 4)))
    dg.gradcheck(lambda a: F.dice_loss(a, mask), x)


def test_fused_losses_gradcheck_float64():
    rng = np.random.default_rng(8)
    x = dg.tensor(rng.normal(size=(4, 3)), dtype=dg.float64, requires_grad=True)
    y = dg.tensor([0, 2, 1, 1])
    w = dg.tensor([0.5, 1.0, 2.0], dtype=dg.float64)
    dg.gradcheck(lambda a: F.cross_entropy(a, y, weight=w, label_smoothing=0.1), x)
    dg.gradcheck(lambda a: F.cross_entropy(a, y), x)  # the plain case takes its own short path
    dg.gradcheck(lambda a: F.cross_entropy(a, y, reduction="sum"), x)
    t = dg.tensor(rng.uniform(size=(4, 3)), dtype=dg.float64)
    dg.gradcheck(lambda a: F.binary_cross_entropy_with_logits(a, t, pos_weight=w), x)
    dg.gradcheck(lambda a: F.binary_cross_entropy(dg.sigmoid(a), t), x)
    dg.gradcheck(lambda a: F.huber_loss(a, t, delta=0.5), x)


def test_bad_reduction_is_rejected():
    with pytest.raises(ValueError, match="reduction"):
        nn.MSELoss(reduction="avg")
    with pytest.raises(ValueError, match=r"mse_loss: input of shape \(2,\) and target of shape \(3,\)"):
        F.mse_loss(dg.zeros(2), dg.zeros(3))


@pytest.mark.parametrize("make, names", [
    (lambda w: nn.CrossEntropyLoss(weight=w), ["weight"]),
    (lambda w: nn.NLLLoss(weight=w), ["weight"]),
    (lambda w: nn.BCELoss(weight=w), ["weight"]),
    (lambda w: nn.BCEWithLogitsLoss(weight=w, pos_weight=w), ["weight", "pos_weight"]),
    (lambda w: nn.MultiMarginLoss(weight=w), ["weight"]),
    (lambda w: nn.MultiLabelSoftMarginLoss(weight=w), ["weight"]),
])
def test_class_weights_are_buffers_like_pytorch(make, names):
    """`to()` moves and casts them and `state_dict()` saves them, as in PyTorch; lists become float Tensors."""
    loss = make([1, 2, 3])
    assert list(loss.state_dict()) == names and [n for n, _ in loss.named_buffers()] == names
    assert all(loss.state_dict()[n].dtype == np.float32 and loss.state_dict()[n].tolist() == [1, 2, 3]
               for n in names)
    loss.double()
    assert all(getattr(loss, n).dtype == np.float64 for n in names)
    assert make(None).state_dict() == {}


def test_weight_given_as_a_list_or_array_to_the_functions():
    x, y = dg.randn(4, 3, requires_grad=True), dg.tensor([0, 1, 2, 1])
    expected = F.cross_entropy(x, y, dg.tensor([1.0, 2.0, 3.0])).item()
    assert F.cross_entropy(x, y, [1.0, 2.0, 3.0]).item() == pytest.approx(expected, rel=1e-6)
    assert F.cross_entropy(x, y, np.array([1, 2, 3])).item() == pytest.approx(expected, rel=1e-6)
    t = dg.rand(4, 3)
    expected = F.binary_cross_entropy_with_logits(x, t, dg.tensor([1.0, 0.5, 2.0]), pos_weight=dg.ones(3) * 2).item()
    got = F.binary_cross_entropy_with_logits(x, t, [1.0, 0.5, 2.0], pos_weight=[2.0, 2.0, 2.0]).item()
    assert got == pytest.approx(expected, rel=1e-6)
