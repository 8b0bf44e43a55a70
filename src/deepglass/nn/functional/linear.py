"""Functional affine map: `linear` (a fused op, see ops/linear.py)."""

from __future__ import annotations

from ...ops.linear import linear

__all__ = ["linear"]
