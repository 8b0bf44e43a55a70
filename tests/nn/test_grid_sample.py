"""F.affine_grid and F.grid_sample (the spatial transformer) against torch: values and gradients."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass.nn import functional as F


@pytest.mark.parametrize("align_corners", [False, True])
def test_affine_grid_matches_torch(torch, align_corners):
    theta = np.random.default_rng(0).standard_normal((2, 2, 3))
    td, tt = dg.tensor(theta, requires_grad=True), torch.tensor(theta, requires_grad=True)
    grid = F.affine_grid(td, (2, 3, 4, 5), align_corners=align_corners)
    tgrid = torch.nn.functional.affine_grid(tt, (2, 3, 4, 5), align_corners=align_corners)
    np.testing.assert_allclose(grid.numpy(), tgrid.detach().numpy(), rtol=1e-12, atol=1e-12)
    g = np.random.default_rng(1).standard_normal(tgrid.shape)
    grid.backward(dg.tensor(g))
    tgrid.backward(torch.tensor(g))
    np.testing.assert_allclose(td.grad.numpy(), tt.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_grid_sample_matches_torch(torch, mode, padding_mode, align_corners):
    """Points inside, on the edges and well outside the image (the padding modes), float32 within 1e-5."""
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 3, 5, 6)).astype(np.float32)
    grid = rng.uniform(-1.6, 1.6, (2, 4, 7, 2)).astype(np.float32)
    grid[0, 0, :3] = [[-1, -1], [1, 1], [1, -1]]
    xd, gd = dg.tensor(x, requires_grad=True), dg.tensor(grid, requires_grad=True)
    xt, gt = torch.tensor(x, requires_grad=True), torch.tensor(grid, requires_grad=True)
    kwargs = dict(mode=mode, padding_mode=padding_mode, align_corners=align_corners)
    y, ty = F.grid_sample(xd, gd, **kwargs), torch.nn.functional.grid_sample(xt, gt, **kwargs)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-6)
    g = rng.standard_normal(ty.shape).astype(np.float32)
    y.backward(dg.tensor(g))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(xd.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(gd.grad.numpy(), gt.grad.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
def test_grid_sample_gradcheck_float64(padding_mode):
    """Away from pixel boundaries (where bilinear is not differentiable), both gradients by finite differences."""
    rng = np.random.default_rng(3)
    x = dg.tensor(rng.standard_normal((1, 2, 4, 5)), requires_grad=True)
    grid = dg.tensor(rng.uniform(-1.3, 1.3, (1, 3, 2, 2)), requires_grad=True)
    dg.gradcheck(lambda a, b: F.grid_sample(a, b, padding_mode=padding_mode, align_corners=False), x, grid)


def test_spatial_transformer_identity_and_errors():
    x = dg.randn(2, 3, 5, 4)
    theta = dg.tensor(np.tile(np.array([[1.0, 0, 0], [0, 1, 0]], np.float32), (2, 1, 1)))
    same = F.grid_sample(x, F.affine_grid(theta, x.shape, align_corners=False), align_corners=False)
    np.testing.assert_allclose(same.numpy(), x.numpy(), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="grid_sample: mode must be"):
        F.grid_sample(x, dg.zeros(2, 1, 1, 2), mode="bicubic")
    with pytest.raises(ValueError, match=r"grid_sample: expected input \(N, C, H, W\) and grid \(N, Ho, Wo, 2\)"):
        F.grid_sample(x, dg.zeros(2, 1, 1, 3))
    with pytest.raises(ValueError, match=r"affine_grid: expected theta \(N, 2, 3\)"):
        F.affine_grid(theta, (3, 1, 2, 2))
