"""Convolutions as functions (`F.conv2d`, …) and their im2col building blocks (`F.unfold`, `F.fold`): the maths
lives in `deepglass.ops.conv` and `deepglass.ops.fold`."""

from ...ops.conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d
from ...ops.fold import fold, unfold

__all__ = ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "fold", "unfold"]
