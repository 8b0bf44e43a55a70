"""Vision functions: pixel and channel shuffles, and the spatial transformer's affine_grid and grid_sample."""

from __future__ import annotations

from ...ops.grid_sample import affine_grid, grid_sample
from ...ops.pixel_shuffle import channel_shuffle, pixel_shuffle, pixel_unshuffle

__all__ = ["affine_grid", "channel_shuffle", "grid_sample", "pixel_shuffle", "pixel_unshuffle"]
