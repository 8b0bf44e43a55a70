"""Lazy modules: layers that learn their input size from the first batch (Keras' `build(input_shape)`).

`LazyLinear(64)` holds `UninitializedParameter` placeholders until its first call; a forward pre-hook
then calls `initialize_parameters(x)`, which materializes them (the same Parameter objects, so an
optimizer created earlier keeps working), runs `reset_parameters()`, and turns the module into its
`cls_to_become` (a plain `Linear`). Loading a state dict also materializes the placeholders.

A lazy layer mixes `LazyModuleMixin` in before its layer class, creates its parameters as
`UninitializedParameter`s, calls `_register_lazy_hook()`, and defines `initialize_parameters(x)` (shape
them from the first input) and `_on_loaded(x)` (read the input size back from loaded weights):
`LazyLinear` below and `LazyConv2d` in conv.py.
"""

from __future__ import annotations

import numpy as np

from .. import backend
from ..tensor import Tensor, _to_array
from .linear import Linear
from .module import Module
from .parameter import Parameter


class UninitializedParameter(Parameter):
    """A placeholder Parameter with no shape yet; `materialize(shape)` turns it into a real one in place."""

    __slots__ = ()
    is_uninitialized = True

    def __init__(self, requires_grad: bool = True, device=None, dtype=None):
        super().__init__(Tensor(np.empty(0, np.dtype(dtype or np.float32)), device=device), requires_grad)

    def materialize(self, shape_or_array, dtype=None, device=None) -> Parameter:
        """Give the placeholder an uninitialized array of `shape` (or a copy of an array) and make it a Parameter."""
        dtype = np.dtype(dtype or self.data.dtype)
        device = device or self.device
        if isinstance(shape_or_array, tuple):
            data = backend.array_module_for(device).empty(shape_or_array, dtype=dtype)
        else:
            data = _to_array(shape_or_array, dtype, device).copy()
        self.data = data
        self.__class__ = Parameter  # same memory layout: the object stays, its type changes
        return self

    def __repr__(self) -> str:
        return "<UninitializedParameter>"


def _infer_parameters(module: Module, args: tuple) -> None:
    """The forward pre-hook of a lazy module: shape the parameters from the first input, then step aside."""
    if module.has_uninitialized_params():
        module.initialize_parameters(*args)
    else:
        module._on_loaded(*args)
    if module.has_uninitialized_params():
        raise RuntimeError(f"{type(module).__name__}.initialize_parameters left a parameter uninitialized")
    module._lazy_hook.remove()
    del module._lazy_hook
    if module.cls_to_become is not None:
        module.__class__ = module.cls_to_become


class LazyModuleMixin:
    """Mix in before the layer class; see the module docstring for the recipe."""

    cls_to_become: type | None = None

    def _register_lazy_hook(self) -> None:
        self._lazy_hook = self.register_forward_pre_hook(_infer_parameters)

    def has_uninitialized_params(self) -> bool:
        return any(getattr(type(p), "is_uninitialized", False) for p in self.parameters(recurse=False))

    def initialize_parameters(self, *args) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _on_loaded(self, *args) -> None:
        """Called instead of initialize_parameters when a state dict already gave the parameters their shapes."""

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params():
            super().reset_parameters()


class LazyLinear(LazyModuleMixin, Linear):
    """A Linear whose `in_features` is read from the last axis of the first input (Keras' `Dense(units)`)."""

    cls_to_become = Linear

    def __init__(self, out_features: int, bias: bool = True, device=None, dtype=None):
        Module.__init__(self)
        self.in_features, self.out_features = 0, int(out_features)
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)
        else:
            self.register_parameter("bias", None)
        self._register_lazy_hook()

    def initialize_parameters(self, x: Tensor) -> None:
        self.in_features = int(x.shape[-1])
        self.weight.materialize((self.out_features, self.in_features))
        if self.bias is not None:
            self.bias.materialize((self.out_features,))
        self.reset_parameters()

    def _on_loaded(self, x: Tensor) -> None:
        self.in_features = int(self.weight.shape[1])
