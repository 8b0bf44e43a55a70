"""`nn.Unfold` / `nn.Fold`: the im2col and col2im of convolution as layers (PyTorch's names and arguments)."""

from __future__ import annotations

from ..tensor import Tensor
from . import functional as F
from .module import Module


class Unfold(Module):
    """(N, C, H, W) → (N, C·kh·kw, L): every sliding window as a column (conv = W.reshape(Cout, -1) @ columns)."""

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.kernel_size, self.dilation, self.padding, self.stride = kernel_size, dilation, padding, stride

    def forward(self, x: Tensor) -> Tensor:
        return F.unfold(x, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, padding={self.padding}, "
                f"stride={self.stride}")


class Fold(Unfold):
    """(N, C·kh·kw, L) → (N, C, *output_size): the columns summed back where their windows overlap."""

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__(kernel_size, dilation, padding, stride)
        self.output_size = output_size

    def forward(self, x: Tensor) -> Tensor:
        return F.fold(x, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}, " + super().extra_repr()
