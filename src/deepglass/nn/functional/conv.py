"""Convolutions as functions (`F.conv2d`, …): the maths lives in `deepglass.ops.conv`."""

from ...ops.conv import conv1d, conv2d, conv_transpose2d

__all__ = ["conv1d", "conv2d", "conv_transpose2d"]
