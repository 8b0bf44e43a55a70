"""BatchNorm (train and eval, running statistics, momentum, affine), LayerNorm, GroupNorm against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass import nn
from deepglass.nn import functional as F

from .layercheck import check_layer, check_torch_parity


def _randomize_affine(torch, torch_layer):
    with torch.no_grad():
        for p in torch_layer.parameters():
            p.copy_(torch.randn_like(p) * 0.5 + 1)


@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("momentum", [0.1, 0.5, None])
@pytest.mark.parametrize("kind,shape", [("1d", (8, 5)), ("1d", (4, 5, 7)), ("2d", (4, 5, 3, 6))])
def test_batch_norm_train_then_eval_matches_torch(torch, affine, momentum, kind, shape):
    ours = (nn.BatchNorm1d if kind == "1d" else nn.BatchNorm2d)(5, momentum=momentum, affine=affine, eps=1e-3)
    theirs = getattr(torch.nn, f"BatchNorm{kind}")(5, momentum=momentum, affine=affine, eps=1e-3)
    _randomize_affine(torch, theirs)
    rng = np.random.default_rng(0)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    for step in range(3):  # running statistics evolve identically over several batches
        x = (rng.normal(size=shape) * 2 + step).astype(np.float32)
        ours.zero_grad()
        theirs.zero_grad()
        check_torch_parity(torch, ours, theirs, x, copy_weights=False, rtol=1e-4, atol=1e-5)
    assert int(ours.num_batches_tracked.item()) == 3
    ours.eval()
    theirs.eval()
    ours.zero_grad()
    theirs.zero_grad()
    check_torch_parity(torch, ours, theirs, rng.normal(size=shape).astype(np.float32), copy_weights=False)


def test_batch_norm_without_running_stats_uses_batch_stats_in_eval(torch):
    ours, theirs = nn.BatchNorm2d(3, track_running_stats=False), torch.nn.BatchNorm2d(3, track_running_stats=False)
    ours.eval()
    theirs.eval()
    assert ours.state_dict().keys() == {"weight", "bias"}
    check_torch_parity(torch, ours, theirs, np.random.randn(2, 3, 4, 4).astype(np.float32))


def test_batch_norm_layer_contract_and_errors():
    layer = nn.BatchNorm2d(4)
    check_layer(layer, dg.randn(3, 4, 5, 5), (3, 4, 5, 5), 8)
    assert list(layer.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    with pytest.raises(ValueError, match=r"BatchNorm2d\(4\): input of shape \(2, 3, 5, 5\) has 3 channels"):
        layer(dg.randn(2, 3, 5, 5))
    with pytest.raises(ValueError, match="4-D input"):
        layer(dg.randn(2, 4))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(4)(dg.randn(1, 4))
    assert repr(nn.BatchNorm1d(3)) == "BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)"


@pytest.mark.parametrize("shape,normalized", [((4, 10), 10), ((2, 3, 4, 5), (4, 5)), ((3, 6), (6,))])
@pytest.mark.parametrize("affine", [True, False])
def test_layer_norm_matches_torch(torch, shape, normalized, affine):
    theirs = torch.nn.LayerNorm(normalized, elementwise_affine=affine)
    if affine:
        _randomize_affine(torch, theirs)
    check_torch_parity(torch, nn.LayerNorm(normalized, elementwise_affine=affine), theirs,
                       np.random.randn(*shape).astype(np.float32) * 3)


@pytest.mark.parametrize("groups,channels,shape", [(2, 6, (3, 6, 4, 4)), (1, 4, (2, 4, 5)), (4, 4, (2, 4, 3, 3))])
def test_group_norm_matches_torch(torch, groups, channels, shape):
    theirs = torch.nn.GroupNorm(groups, channels)
    _randomize_affine(torch, theirs)
    check_torch_parity(torch, nn.GroupNorm(groups, channels), theirs, np.random.randn(*shape).astype(np.float32))


def test_norm_layer_contracts():
    check_layer(nn.LayerNorm(6), dg.randn(3, 6), (3, 6), 12)
    check_layer(nn.GroupNorm(2, 4), dg.randn(3, 4, 2, 2), (3, 4, 2, 2), 8)
    with pytest.raises(ValueError, match="divisible"):
        nn.GroupNorm(3, 4)


def test_normalization_gradcheck_float64():
    x = dg.randn(4, 3, 2, 2, dtype=dg.float64, requires_grad=True)
    w = dg.randn(3, dtype=dg.float64, requires_grad=True)
    b = dg.randn(3, dtype=dg.float64, requires_grad=True)
    dg.gradcheck(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), x, w, b)
    rm, rv = dg.randn(3, dtype=dg.float64), dg.rand(3, dtype=dg.float64) + 0.5
    dg.gradcheck(lambda x, w, b: F.batch_norm(x, rm, rv, w, b, training=False), x, w, b)
    lw = dg.randn(2, 2, dtype=dg.float64, requires_grad=True)
    dg.gradcheck(lambda x, w: F.layer_norm(x, (2, 2), w, None), x, lw)
    dg.gradcheck(lambda x, w, b: F.group_norm(x, 3, w, b), x, w, b)


def test_layer_norm_of_an_unbatched_vector(torch):
    theirs = torch.nn.LayerNorm(6)
    _randomize_affine(torch, theirs)
    check_torch_parity(torch, nn.LayerNorm(6), theirs, np.random.randn(6).astype(np.float32))


@pytest.mark.parametrize("p,dim", [(2.0, 1), (1.0, -1)])
def test_functional_normalize_matches_torch(torch, p, dim):
    x = np.random.randn(4, 5).astype(np.float32)
    x[0] = 0  # a zero vector stays finite thanks to eps
    xd, xt = dg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yd, yt = F.normalize(xd, p, dim), torch.nn.functional.normalize(xt, p, dim)
    np.testing.assert_allclose(yd.numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-6)
    g = np.random.randn(4, 5).astype(np.float32)
    yd.backward(dg.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(xd.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("size", [1, 2, 3, 5])
def test_local_response_norm_matches_torch(torch, size):
    x = np.random.default_rng(size).standard_normal((2, 6, 4, 3)).astype(np.float32) * 3
    check_torch_parity(torch, nn.LocalResponseNorm(size, alpha=1e-2, beta=0.75, k=2.0),
                       torch.nn.LocalResponseNorm(size, alpha=1e-2, beta=0.75, k=2.0), x, copy_weights=False)
    dg.gradcheck(lambda a: F.local_response_norm(a, size, 1e-2, 0.75, 2.0),
                 dg.tensor(x[:1, :, :2, :2].astype(np.float64), requires_grad=True))
    assert repr(nn.LocalResponseNorm(5)) == "LocalResponseNorm(5, alpha=0.0001, beta=0.75, k=1.0)"


def test_cosine_similarity_and_pairwise_distance_match_torch(torch):
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((4, 5)), rng.standard_normal((1, 5))
    for ours, theirs in ((lambda x, y: F.cosine_similarity(x, y), torch.nn.functional.cosine_similarity),
                         (lambda x, y: nn.PairwiseDistance(p=1.5)(x, y),
                          lambda x, y: torch.nn.functional.pairwise_distance(x, y, p=1.5))):
        xd, yd = dg.tensor(a, requires_grad=True), dg.tensor(b, requires_grad=True)
        xt, yt = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
        out, expected = ours(xd, yd), theirs(xt, yt)
        np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-10)
        out.sum().backward()
        expected.sum().backward()
        np.testing.assert_allclose(xd.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(yd.grad.numpy(), yt.grad.numpy(), rtol=1e-9, atol=1e-12)
    assert nn.CosineSimilarity(dim=0)(dg.ones(3), dg.ones(3) * 2).item() == pytest.approx(1.0)
    assert F.cosine_similarity(dg.zeros(1, 3), dg.ones(1, 3)).item() == 0.0  # eps keeps it finite


@pytest.mark.parametrize("name, shape, affine", [("InstanceNorm2d", (2, 3, 5, 4), False),
                                                  ("InstanceNorm2d", (2, 3, 5, 4), True),
                                                  ("InstanceNorm1d", (3, 4, 7), False)])
def test_instance_norm_matches_torch(torch, name, shape, affine):
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32) * 2 + 1
    ours, theirs = getattr(nn, name)(shape[1], affine=affine), getattr(torch.nn, name)(shape[1], affine=affine)
    check_torch_parity(torch, ours, theirs, x)
    with pytest.raises(ValueError, match=rf"{name}: expected input of shape"):
        getattr(nn, name)(shape[1])(dg.ones(*shape[:2]))


@pytest.mark.parametrize("name, shape, affine, momentum", [("InstanceNorm2d", (2, 3, 5, 4), True, 0.1),
                                                            ("InstanceNorm2d", (3, 2, 4, 4), False, None),
                                                            ("InstanceNorm1d", (3, 4, 7), True, 0.3)])
def test_instance_norm_running_stats_match_torch(torch, name, shape, affine, momentum):
    """Training updates the running statistics as torch's (twice), eval mode uses them; state dict keys agree."""
    rng = np.random.default_rng(1)
    kwargs = dict(affine=affine, momentum=momentum, track_running_stats=True)
    ours, theirs = getattr(nn, name)(shape[1], **kwargs), getattr(torch.nn, name)(shape[1], **kwargs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    with torch.no_grad():
        for p in theirs.parameters():
            p.uniform_(0.5, 1.5)
    for _ in range(2):
        x = (rng.standard_normal(shape) * 2 + 1).astype(np.float32)
        ours.zero_grad()
        theirs.zero_grad()
        check_torch_parity(torch, ours, theirs, x)  # training: buffers compared after the update too
    ours.eval()
    theirs.eval()
    check_torch_parity(torch, ours, theirs, (rng.standard_normal(shape) * 3).astype(np.float32))


def test_functional_instance_norm_matches_torch_and_gradcheck(torch):
    rng = np.random.default_rng(2)
    x, w, b = rng.standard_normal((2, 3, 6)), rng.uniform(0.5, 1.5, 3), rng.standard_normal(3)
    rm, rv = rng.standard_normal(3), rng.uniform(0.5, 2, 3)
    for use_input_stats in (True, False):
        mean, var, tmean, tvar = dg.tensor(rm), dg.tensor(rv), torch.tensor(rm), torch.tensor(rv)
        y = F.instance_norm(dg.tensor(x), mean, var, dg.tensor(w), dg.tensor(b), use_input_stats, 0.2)
        ty = torch.nn.functional.instance_norm(torch.tensor(x), tmean, tvar, torch.tensor(w), torch.tensor(b),
                                               use_input_stats, 0.2)
        np.testing.assert_allclose(y.numpy(), ty.numpy(), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(mean.numpy(), tmean.numpy(), rtol=1e-10)
        np.testing.assert_allclose(var.numpy(), tvar.numpy(), rtol=1e-10)
    np.testing.assert_allclose(F.instance_norm(dg.tensor(x), weight=dg.tensor(w)).numpy(),
                               torch.nn.functional.instance_norm(torch.tensor(x), weight=torch.tensor(w)).numpy(),
                               rtol=1e-10, atol=1e-12)
    args = [dg.tensor(a, requires_grad=True) for a in (x, w, b)]
    dg.gradcheck(lambda a, ww, bb: F.instance_norm(a, None, None, ww, bb), *args)
    with pytest.raises(ValueError, match="more than 1 spatial element"):
        F.instance_norm(dg.ones(2, 3, 1))
