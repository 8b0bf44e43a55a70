"""Ranking, embedding, multi-label and likelihood losses against PyTorch (values and the gradient of every
float input, every reduction), float64 gradcheck, stability, shape errors and buffers."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass import nn
from deepglass.nn import functional as F

REDUCTIONS = ["none", "mean", "sum"]


def _compare(torch, ours, theirs, *arrays, grads=(0,), rtol=1e-5, atol=1e-6):
    """Run `ours` and `theirs` on the same arrays (floats not in `grads` are constants): same value and the same
    gradient for each input listed in `grads`."""
    def wrap(make):
        return [make(a, requires_grad=i in grads) if isinstance(a, np.ndarray) else a for i, a in enumerate(arrays)]
    xs_d, xs_t = wrap(dg.tensor), wrap(torch.tensor)
    ld, lt = ours(*xs_d), theirs(*xs_t)
    np.testing.assert_allclose(ld.numpy(), lt.detach().numpy(), rtol=rtol, atol=atol, err_msg="loss value")
    g = np.random.default_rng(2).normal(size=lt.shape).astype(ld.dtype)
    ld.backward(dg.tensor(g))
    lt.backward(torch.tensor(g))
    for i in grads:
        np.testing.assert_allclose(xs_d[i].grad.numpy(), xs_t[i].grad.numpy(), rtol=rtol, atol=atol,
                                   err_msg=f"gradient of input {i}")


def _signs(rng, shape):
    return np.where(rng.uniform(size=shape) > 0.5, 1.0, -1.0).astype(np.float32)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.5])
def test_margin_ranking_loss(torch, reduction, margin):
    rng = np.random.default_rng(0)
    x1, x2 = rng.normal(size=(2, 9)).astype(np.float32)
    y = _signs(rng, 9)
    _compare(torch, nn.MarginRankingLoss(margin, reduction), torch.nn.MarginRankingLoss(margin, reduction=reduction),
             x1, x2, y, grads=(0, 1))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin, p, swap, shape", [(1.0, 2.0, False, (6, 5)), (0.5, 1.0, True, (6, 5)),
                                                    (2.0, 3.0, True, (6, 5)), (1.0, 2.0, True, (5,))])
def test_triplet_margin_loss(torch, reduction, margin, p, swap, shape):
    rng = np.random.default_rng(1)
    a, pos, neg = (rng.normal(size=(3,) + shape) * 0.7).astype(np.float32)
    _compare(torch, nn.TripletMarginLoss(margin, p, swap=swap, reduction=reduction),
             torch.nn.TripletMarginLoss(margin, p, swap=swap, reduction=reduction), a, pos, neg, grads=(0, 1, 2))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("cosine", [False, True])
def test_triplet_margin_with_distance_loss(torch, reduction, cosine):
    rng = np.random.default_rng(2)
    a, pos, neg = rng.normal(size=(3, 7, 4)).astype(np.float32)
    ours = (lambda u, v: 1.0 - F.cosine_similarity(u, v)) if cosine else None
    theirs = (lambda u, v: 1.0 - torch.nn.functional.cosine_similarity(u, v)) if cosine else None
    _compare(torch, nn.TripletMarginWithDistanceLoss(distance_function=ours, margin=0.8, swap=True,
                                                     reduction=reduction),
             torch.nn.TripletMarginWithDistanceLoss(distance_function=theirs, margin=0.8, swap=True,
                                                    reduction=reduction), a, pos, neg, grads=(0, 1, 2))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin, batched", [(0.0, True), (0.3, True), (-0.2, False)])
def test_cosine_embedding_loss(torch, reduction, margin, batched):
    rng = np.random.default_rng(3)
    shape = (8, 5) if batched else (5,)
    x1, x2 = rng.normal(size=(2,) + shape).astype(np.float32)
    y = _signs(rng, shape[:-1])
    _compare(torch, nn.CosineEmbeddingLoss(margin, reduction),
             torch.nn.CosineEmbeddingLoss(margin, reduction=reduction), x1, x2, y, grads=(0, 1))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_soft_margin_loss(torch, reduction):
    rng = np.random.default_rng(4)
    x = (rng.normal(size=(5, 4)) * 3).astype(np.float32)
    _compare(torch, nn.SoftMarginLoss(reduction), torch.nn.SoftMarginLoss(reduction=reduction), x, _signs(rng, x.shape))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted, shape", [(False, (6, 4)), (True, (6, 4)), (True, (4,))])
def test_multilabel_soft_margin_loss(torch, reduction, weighted, shape):
    rng = np.random.default_rng(5)
    x = (rng.normal(size=shape) * 3).astype(np.float32)
    t = (rng.uniform(size=shape) > 0.5).astype(np.float32)
    w = rng.uniform(0.5, 2, size=shape[-1]).astype(np.float32) if weighted else None
    _compare(torch, nn.MultiLabelSoftMarginLoss(None if w is None else dg.tensor(w), reduction),
             torch.nn.MultiLabelSoftMarginLoss(None if w is None else torch.tensor(w), reduction=reduction), x, t)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("batched", [True, False])
def test_multilabel_margin_loss(torch, reduction, batched):
    rng = np.random.default_rng(6)
    x = rng.normal(size=(5, 6)).astype(np.float32)
    y = np.array([[3, 0, -1, 1, 1, 5], [2, 2, 4, -1, -1, -1], [-1, 0, 1, 2, 3, 4], [0, 1, 2, 3, 4, 5],
                  [5, -1, 2, 2, 2, 2]])  # -1 ends the list (what follows is ignored); a repeat counts twice
    if not batched:
        x, y = x[0], y[0]
    _compare(torch, nn.MultiLabelMarginLoss(reduction), torch.nn.MultiLabelMarginLoss(reduction=reduction), x, y)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("log_input", [True, False])
@pytest.mark.parametrize("full", [False, True])
def test_poisson_nll_loss(torch, reduction, log_input, full):
    rng = np.random.default_rng(7)
    x = rng.normal(size=(6, 3)).astype(np.float32)
    x = x if log_input else np.exp(x).astype(np.float32)
    t = rng.poisson(2.0, size=(6, 3)).astype(np.float32)
    t[0] = [0.0, 1.0, 9.0]
    _compare(torch, nn.PoissonNLLLoss(log_input, full, reduction=reduction),
             torch.nn.PoissonNLLLoss(log_input, full, reduction=reduction), x, t)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("var_shape", [(4, 3, 2), (4, 3), (4, 3, 1), (4, 1, 2), (1, 3, 2), "float"])
def test_gaussian_nll_loss_every_variance_shape(torch, reduction, full, var_shape):
    rng = np.random.default_rng(8)
    x, t = rng.normal(size=(2, 4, 3, 2)).astype(np.float32)
    if var_shape == "float":
        var, grads = 0.7, (0,)
    else:
        var, grads = rng.uniform(0.1, 2.0, size=var_shape).astype(np.float32), (0, 2)
        var.flat[0] = 1e-8  # below eps: clamped, with the gradient passing through as in PyTorch
    _compare(torch, nn.GaussianNLLLoss(full=full, reduction=reduction),
             torch.nn.GaussianNLLLoss(full=full, reduction=reduction), x, t, var, grads=grads, rtol=1e-5, atol=1e-5)


def test_losses_gradcheck_float64():
    rng = np.random.default_rng(9)

    def inputs(*shape, n=1):
        return [dg.tensor(rng.normal(size=shape), requires_grad=True) for _ in range(n)]

    a, p, n = inputs(5, 4, n=3)
    y = dg.tensor(_signs(rng, 5).astype(np.float64))
    dg.gradcheck(lambda u, v: F.margin_ranking_loss(u, v, y, 0.3, "none"), *inputs(5, n=2))
    dg.gradcheck(lambda u, v, w: F.triplet_margin_loss(u, v, w, 1.5, swap=True), a, p, n)
    dg.gradcheck(lambda u, v, w: F.triplet_margin_loss(u, v, w, 2.0, p=3.0, reduction="sum"), a, p, n)
    dg.gradcheck(lambda u, v, w: F.triplet_margin_with_distance_loss(u, v, w, margin=2.0), a, p, n)
    dg.gradcheck(lambda u, v: F.cosine_embedding_loss(u, v, y, -0.5, "none"), a, p)
    labels = dg.tensor((rng.uniform(size=(5, 4)) > 0.5).astype(np.float64))
    dg.gradcheck(lambda u: F.soft_margin_loss(u, labels * 2 - 1, "none"), a)
    dg.gradcheck(lambda u: F.multilabel_soft_margin_loss(u, labels, [0.5, 1.0, 2.0, 1.0], "none"), a)
    dg.gradcheck(lambda u: F.multilabel_margin_loss(u, dg.tensor([[1, 3, -1, 0]] * 5), "none"), a)
    counts = dg.tensor(rng.poisson(2.0, size=(5, 4)).astype(np.float64))
    dg.gradcheck(lambda u: F.poisson_nll_loss(u, counts, full=True, reduction="none"), a)
    dg.gradcheck(lambda u: F.poisson_nll_loss(u * u + 0.5, counts, log_input=False), a)
    var = dg.tensor(rng.uniform(0.2, 2.0, size=(5, 1)), requires_grad=True)
    dg.gradcheck(lambda u, v: F.gaussian_nll_loss(u, p, v, full=True, reduction="none"), a, var)


def test_soft_margin_losses_are_stable_for_huge_inputs():
    x = dg.tensor(np.array([[1e4, -1e4, 3.0]], np.float32), requires_grad=True)
    y = dg.tensor(np.array([[-1.0, -1.0, 1.0]], np.float32))
    with np.errstate(over="raise", invalid="raise"):
        loss = F.soft_margin_loss(x, y, "sum")
        loss.backward()
    np.testing.assert_allclose(loss.item(), 1e4 + np.log1p(np.exp(-3.0)), rtol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), [[1.0, 0.0, -1 / (1 + np.exp(3.0))]], rtol=1e-6)
    x.grad = None
    multi = F.multilabel_soft_margin_loss(x, (y + 1) * 0.5, reduction="sum")
    multi.backward()
    np.testing.assert_allclose(multi.item(), (1e4 + np.log1p(np.exp(-3.0))) / 3, rtol=1e-6)
    assert np.all(np.isfinite(x.grad.numpy()))


def test_errors_name_the_loss_and_shapes():
    with pytest.raises(ValueError, match=r"soft_margin_loss: input of shape \(2, 3\) and target of shape \(3,\)"):
        F.soft_margin_loss(dg.zeros(2, 3), dg.zeros(3))
    with pytest.raises(ValueError, match=r"margin_ranking_loss: input1 \(4,\), input2 \(4, 1\)"):
        F.margin_ranking_loss(dg.zeros(4), dg.zeros(4, 1), dg.ones(4))
    with pytest.raises(ValueError, match=r"triplet_margin_loss: anchor \(2, 3\), positive \(3,\)"):
        F.triplet_margin_loss(dg.zeros(2, 3), dg.zeros(3), dg.zeros(2, 3))
    with pytest.raises(ValueError, match="margin must be greater than 0"):
        nn.TripletMarginLoss(margin=0.0)
    with pytest.raises(ValueError, match=r"cosine_embedding_loss: .* target \(2, 1\)"):
        F.cosine_embedding_loss(dg.zeros(2, 3), dg.zeros(2, 3), dg.ones(2, 1))
    with pytest.raises(IndexError, match=r"multilabel_margin_loss: target holds a class index outside \[-1, 3\)"):
        F.multilabel_margin_loss(dg.zeros(2, 3), dg.tensor([[0, 3, -1], [0, -1, 0]]))
    with pytest.raises(ValueError, match=r"gaussian_nll_loss: var of shape \(4, 2, 2\) does not fit input of shape"):
        F.gaussian_nll_loss(dg.zeros(4, 3, 2), dg.zeros(4, 3, 2), dg.ones(4, 2, 2))
    with pytest.raises(ValueError, match="gaussian_nll_loss: var has negative"):
        F.gaussian_nll_loss(dg.zeros(4, 3), dg.zeros(4, 3), -dg.ones(4, 3))
    with pytest.raises(ValueError, match="reduction"):
        F.poisson_nll_loss(dg.zeros(2), dg.zeros(2), reduction="avg")


def test_config_and_weight_buffer():
    loss = nn.MultiLabelSoftMarginLoss(weight=[1, 2, 3], reduction="sum")
    assert list(loss.state_dict()) == ["weight"] and loss.state_dict()["weight"].dtype == np.float32
    assert loss.get_config() == {"weight": [1.0, 2.0, 3.0], "reduction": "sum"}
    triplet = nn.TripletMarginLoss(0.5, p=1.0, swap=True)
    assert type(triplet)(**triplet.get_config()).get_config() == triplet.get_config() == {
        "margin": 0.5, "p": 1.0, "eps": 1e-6, "swap": True, "reduction": "mean"}
    assert nn.GaussianNLLLoss(full=True).get_config() == {"full": True, "eps": 1e-6, "reduction": "mean"}
    assert nn.PoissonNLLLoss(False).get_config()["log_input"] is False
