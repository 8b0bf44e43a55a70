"""Normalization layers: BatchNorm1d/2d (running statistics), LayerNorm, GroupNorm."""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


def _tensor(shape, fill: float, dtype, device) -> Tensor:
    return Tensor(np.full(shape, fill, np.dtype(dtype or np.float32)), device=device)


class _BatchNorm(Module):
    """Per-channel normalization with learned scale (`weight`) and shift (`bias`).

    Training mode uses the batch's statistics and updates `running_mean`/`running_var` (buffers, saved in
    the state dict); eval mode uses the running ones. `momentum=None` gives a cumulative average.
    """

    _expected_dims: tuple = ()

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device=None, dtype=None):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = Parameter(_tensor(num_features, 1.0, dtype, device))
            self.bias = Parameter(_tensor(num_features, 0.0, dtype, device))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", _tensor(num_features, 0.0, dtype, device))
            self.register_buffer("running_var", _tensor(num_features, 1.0, dtype, device))
            self.register_buffer("num_batches_tracked", Tensor(np.array(0, np.int64), device=device))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            self.running_mean.data[...] = 0
            self.running_var.data[...] = 1
            self.num_batches_tracked.data[...] = 0

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            init.zeros_(self.bias)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim not in self._expected_dims:
            raise ValueError(f"{type(self).__name__}: expected a {' or '.join(map(str, self._expected_dims))}-D input, "
                             f"got shape {tuple(x.shape)}")
        if x.shape[1] != self.num_features:
            raise ValueError(f"{type(self).__name__}({self.num_features}): input of shape {tuple(x.shape)} has "
                             f"{x.shape[1]} channels on axis 1")
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.data += 1
            if self.momentum is None:
                momentum = 1.0 / int(self.num_batches_tracked.data)
        use_batch_stats = self.training or not self.track_running_stats
        return F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias, use_batch_stats, momentum,
                            self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """BatchNorm over (N, C) or (N, C, L) inputs."""

    _expected_dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """BatchNorm over (N, C, H, W) inputs: one mean and variance per channel, across batch and pixels."""

    _expected_dims = (4,)


class BatchNorm3d(_BatchNorm):
    """BatchNorm over (N, C, D, H, W) volumes: one mean and variance per channel, across batch and voxels."""

    _expected_dims = (5,)


class LayerNorm(Module):
    """Normalize each sample over its last axes (`normalized_shape`), with elementwise scale and shift."""

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True, bias: bool = True,
                 device=None, dtype=None):
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.normalized_shape, self.eps, self.elementwise_affine = shape, eps, elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(_tensor(shape, 1.0, dtype, device))
            if bias:
                self.bias = Parameter(_tensor(shape, 0.0, dtype, device))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, x: Tensor) -> Tensor:
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class GroupNorm(Module):
    """Normalize groups of channels of each sample of (N, C, *); batch-size independent."""

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True, device=None,
                 dtype=None):
        super().__init__()
        if num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels={num_channels} must be divisible by num_groups={num_groups}")
        self.num_groups, self.num_channels, self.eps, self.affine = num_groups, num_channels, eps, affine
        if affine:
            self.weight = Parameter(_tensor(num_channels, 1.0, dtype, device))
            self.bias = Parameter(_tensor(num_channels, 0.0, dtype, device))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        if self.affine:
            init.ones_(self.weight)
            init.zeros_(self.bias)

    def forward(self, x: Tensor) -> Tensor:
        return F.group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"


class _InstanceNorm(GroupNorm):
    """Each channel of each sample normalized over its own positions (GroupNorm with one channel per group);
    PyTorch's defaults: no affine parameters, no running statistics. With track_running_stats=True, training
    updates `running_mean`/`running_var` (the batch's mean of the per-sample statistics) and eval mode uses them."""

    dims = 2

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = False,
                 track_running_stats: bool = False, device=None, dtype=None):
        super().__init__(num_features, num_features, eps, affine, device, dtype)
        self.num_features, self.momentum, self.track_running_stats = num_features, momentum, track_running_stats
        if track_running_stats:
            self.register_buffer("running_mean", _tensor(num_features, 0.0, dtype, device))
            self.register_buffer("running_var", _tensor(num_features, 1.0, dtype, device))
            self.register_buffer("num_batches_tracked", Tensor(np.array(0, np.int64), device=device))

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            self.running_mean.data[...] = 0
            self.running_var.data[...] = 1
            self.num_batches_tracked.data[...] = 0

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != self.dims + 2:
            spatial = "L" if self.dims == 1 else "H, W"
            raise ValueError(f"{type(self).__name__}: expected input of shape (N, C, {spatial}), got {tuple(x.shape)}")
        if not self.track_running_stats:
            return super().forward(x)
        if x.shape[1] != self.num_features:
            raise ValueError(f"{type(self).__name__}({self.num_features}): input of shape {tuple(x.shape)} has "
                             f"{x.shape[1]} channels on axis 1")
        momentum = 0.0 if self.momentum is None else self.momentum  # PyTorch's InstanceNorm: no cumulative average
        return F.instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias, self.training, momentum,
                               self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_channels}, eps={self.eps}, affine={self.affine}"


class InstanceNorm1d(_InstanceNorm):
    """Instance normalization of (N, C, L): each channel of each sample over its length."""

    dims = 1


class InstanceNorm2d(_InstanceNorm):
    """Instance normalization of (N, C, H, W): each feature map of each sample on its own (U-Nets, style
    transfer)."""


class LocalResponseNorm(Module):
    """AlexNet's cross-channel normalization: x / (k + alpha · mean of x² over `size` channels)^beta."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0):
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, x: Tensor) -> Tensor:
        return F.local_response_norm(x, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


class CosineSimilarity(Module):
    """x1·x2 / (‖x1‖ ‖x2‖) along `dim`."""

    def __init__(self, dim: int = 1, eps: float = 1e-8):
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return F.cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """‖x1 − x2 + eps‖_p along the last axis."""

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False):
        super().__init__()
        self.p, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return F.pairwise_distance(x1, x2, self.p, self.eps, self.keepdim)
