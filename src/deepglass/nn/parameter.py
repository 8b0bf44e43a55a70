"""Parameter: a Tensor that a Module registers as learnable when assigned as an attribute."""

from __future__ import annotations

from ..tensor import Tensor


class Parameter(Tensor):
    """A leaf Tensor with `requires_grad=True` by default; `module.weight = Parameter(...)` registers it.

    `Parameter(data)` shares `data` when it is already an array or Tensor of the right kind (no copy).
    """

    __slots__ = ()

    def __init__(self, data=None, requires_grad: bool = True):
        if data is None:
            data = Tensor._wrap(Tensor([]).data)
        array = data.data if isinstance(data, Tensor) else Tensor(data).data
        self.data, self.grad, self._ctx, self._hooks = array, None, None, None
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()
