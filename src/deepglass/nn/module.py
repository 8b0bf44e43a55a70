"""Module: the base of every layer and model, with PyTorch's semantics.

Assigning a `Parameter` or a `Module` as an attribute registers it, so `parameters()`, `state_dict()`,
`to(device)`, `train()/eval()` and `zero_grad()` reach everything below. Persistent buffers (e.g.
BatchNorm's running statistics) are registered with `register_buffer` and saved in the state dict.
Subclasses write `__init__` (create sub-modules and parameters), `reset_parameters()` (initialize them)
and `forward(...)`; calling the module runs the forward pre-hooks, `forward` and the forward hooks.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict, namedtuple
from collections.abc import Callable, Iterator

import numpy as np

from .. import backend
from ..autograd.grad_mode import no_grad
from ..tensor import Tensor, _to_array
from . import backward_hooks
from .parameter import Parameter

_IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])
_hook_ids = itertools.count()


class RemovableHandle:
    """Returned by `register_*_hook`; `handle.remove()` unregisters the hook (also usable as a context manager)."""

    def __init__(self, hooks: dict, key: int):
        self._hooks, self._key = hooks, key

    def remove(self) -> None:
        self._hooks.pop(self._key, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


class Module:
    """Base class of layers and models: subclass it, register parts in `__init__`, compute in `forward`."""

    training: bool

    def __init__(self) -> None:
        d = self.__dict__
        d["training"] = True
        d["_parameters"] = OrderedDict()
        d["_buffers"] = OrderedDict()
        d["_non_persistent"] = set()
        d["_modules"] = OrderedDict()
        d["_forward_pre_hooks"] = OrderedDict()
        d["_forward_hooks"] = OrderedDict()
        d["_backward_hooks"] = OrderedDict()

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args, **kwargs):
        if self._forward_pre_hooks:
            for hook in list(self._forward_pre_hooks.values()):
                result = hook(self, args)
                if result is not None:
                    args = result if isinstance(result, tuple) else (result,)
        call = None
        if self._backward_hooks:
            args, call = backward_hooks.wrap_inputs(self, args)
        out = self.forward(*args, **kwargs)
        if self._forward_hooks:
            for hook in list(self._forward_hooks.values()):
                result = hook(self, args, out)
                if result is not None:
                    out = result
        return out if call is None else backward_hooks.watch_output(out, call)

    # ---- registration by attribute assignment ----------------------------------------------------
    def __setattr__(self, name: str, value) -> None:
        d = self.__dict__
        if "_parameters" not in d:
            raise AttributeError(f"cannot assign {name!r} before Module.__init__() is called (call super().__init__())")
        params, buffers, modules = d["_parameters"], d["_buffers"], d["_modules"]
        if isinstance(value, Parameter):
            if name not in params:  # replacing keeps the registration order
                self._forget(name)
            params[name] = value
        elif isinstance(value, Module):
            if name not in modules:
                self._forget(name)
            modules[name] = value
        elif name in params:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} to parameter {name!r} (Parameter or None)")
            params[name] = None
        elif name in modules:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} to sub-module {name!r} (Module or None)")
            modules[name] = None
        elif name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign {type(value).__name__} to buffer {name!r} (Tensor or None)")
            buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def _forget(self, name: str) -> None:
        """Remove `name` from every registry and the plain attributes, before registering it anew."""
        d = self.__dict__
        d.pop(name, None)
        for registry in (d["_parameters"], d["_buffers"], d["_modules"]):
            registry.pop(name, None)
        d["_non_persistent"].discard(name)

    def __getattr__(self, name: str):
        # only called when normal lookup fails: look in the registries
        d = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            if registry in d and name in d[registry]:
                return d[registry][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute {name!r}")

    def __delattr__(self, name: str) -> None:
        d = self.__dict__
        if any(name in d[r] for r in ("_parameters", "_buffers", "_modules")):
            self._forget(name)
        else:
            object.__delattr__(self, name)

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._buffers) | set(self._modules))

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register `param` (or None, a placeholder such as a disabled bias) under `name`."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter({name!r}): expected a Parameter or None, got {type(param).__name__}")
        self._forget(name)
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Register a non-learnable tensor (moved by `to()`; saved in `state_dict()` when `persistent`)."""
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"register_buffer({name!r}): expected a Tensor or None, got {type(tensor).__name__}")
        self._forget(name)
        self._buffers[name] = tensor
        if not persistent:
            self._non_persistent.add(name)

    def register_module(self, name: str, module: Module | None) -> None:
        """Register `module` as a child under `name` (same as attribute assignment)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"register_module({name!r}): expected a Module or None, got {type(module).__name__}")
        self._forget(name)
        self._modules[name] = module

    add_module = register_module

    def get_submodule(self, target: str) -> Module:
        """The sub-module at dotted path `target` ('' is this module), e.g. 'features.3'."""
        module = self
        for part in target.split(".") if target else []:
            if part not in module._modules or module._modules[part] is None:
                raise AttributeError(f"{type(module).__name__} has no sub-module {part!r} (in path {target!r})")
            module = module._modules[part]
        return module

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at dotted path `target`, e.g. 'features.0.weight' (PyTorch's errors when absent)."""
        module_path, _, name = target.rpartition(".")
        module = self.get_submodule(module_path)
        if not hasattr(module, name):
            raise AttributeError(f"{type(module).__name__} has no attribute `{name}`")
        if name not in module._parameters or not isinstance(module._parameters[name], Parameter):
            raise AttributeError(f"`{name}` is not an nn.Parameter")
        return module._parameters[name]

    def get_buffer(self, target: str) -> Tensor:
        """The buffer at dotted path `target`, e.g. 'bn.running_mean' (PyTorch's errors when absent)."""
        module_path, _, name = target.rpartition(".")
        module = self.get_submodule(module_path)
        if not hasattr(module, name):
            raise AttributeError(f"{type(module).__name__} has no attribute `{name}`")
        if name not in module._buffers:
            raise AttributeError(f"`{name}` is not a buffer")
        return module._buffers[name]

    # ---- walking the tree ------------------------------------------------------------------------
    def named_modules(self, memo: set | None = None, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """(dotted name, module) for this module and every descendant, each once, parents first."""
        memo = set() if memo is None else memo
        if id(self) in memo:
            return
        memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                yield from child.named_modules(memo, f"{prefix}.{name}" if prefix else name)

    def modules(self) -> Iterator[Module]:
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """(name, module) for the direct sub-modules."""
        seen = set()
        for name, child in self._modules.items():
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self) -> Iterator[Module]:
        for _, child in self.named_children():
            yield child

    def _named_members(self, registry: str, prefix: str, recurse: bool):
        seen = set()
        modules = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for module_prefix, module in modules:
            for name, value in getattr(module, registry).items():
                if value is None or id(value) in seen:
                    continue
                seen.add(id(value))
                yield (f"{module_prefix}.{name}" if module_prefix else name), value

    def named_parameters(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Parameter]]:
        """(dotted name, Parameter) for every parameter, shared ones once, in registration order."""
        yield from self._named_members("_parameters", prefix, recurse)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Tensor]]:
        yield from self._named_members("_buffers", prefix, recurse)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def apply(self, fn: Callable[[Module], None]) -> Module:
        """Call `fn` on every sub-module (children first) and then on this module; e.g. custom init."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # ---- modes and gradients ---------------------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Training mode (Dropout active, BatchNorm uses batch statistics) for this module and below."""
        if not isinstance(mode, bool):
            raise TypeError(f"train(mode) expects a bool, got {type(mode).__name__}")
        self.training = mode
        for child in self.children():  # through train(), so a layer may override it
            child.train(mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode: same as `train(False)`."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Freeze (`False`) or unfreeze every parameter, e.g. a pretrained backbone."""
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients of every parameter (set them to None, or fill them with zeros)."""
        for param in self.parameters():
            if param.grad is None:
                continue
            if set_to_none:
                param.grad = None
            else:
                param.grad.data[...] = 0

    # ---- devices and dtypes ----------------------------------------------------------------------
    def _apply_to_arrays(self, convert: Callable, floats_only: bool = False) -> Module:
        """Replace the array of every parameter, gradient and buffer by `convert(array)`, in place,

        so optimizers holding these Parameter objects keep working after `to()`.
        """
        for tensor in itertools.chain(self.parameters(), self.buffers()):
            if floats_only and tensor.data.dtype.kind != "f":
                continue
            tensor.data = convert(tensor.data)
            if tensor.grad is not None:
                tensor.grad.data = convert(tensor.grad.data)
        return self

    def to(self, device=None, dtype=None) -> Module:
        """Move parameters and buffers to `device` ('cpu'/'cuda') and/or cast float ones to `dtype`."""
        if device is not None and not isinstance(device, str):
            try:
                dtype, device = np.dtype(device), None
            except TypeError:
                pass
        if device is not None:
            target = backend.normalize_device(device)
            self._apply_to_arrays(lambda a: backend.to_device(a, target))
        if dtype is not None:
            dtype = np.dtype(dtype)
            if dtype.kind != "f":
                raise TypeError(f"Module.to(dtype) only casts to float dtypes, got {dtype}")
            self._apply_to_arrays(lambda a: a.astype(dtype, copy=False), floats_only=True)
        return self

    def cpu(self) -> Module:
        return self.to("cpu")

    def cuda(self) -> Module:
        return self.to("cuda")

    def float(self) -> Module:
        return self.to(dtype=np.float32)

    def double(self) -> Module:
        return self.to(dtype=np.float64)

    def half(self) -> Module:
        return self.to(dtype=np.float16)

    # ---- saving and loading ----------------------------------------------------------------------
    def state_dict(self, prefix: str = "") -> OrderedDict:
        """Ordered {dotted name: NumPy array copy} of every parameter and persistent buffer."""
        out = OrderedDict()
        for module_prefix, module in self.named_modules(prefix=prefix.rstrip(".")):
            for name, param in module._parameters.items():
                if param is not None:
                    out[f"{module_prefix}.{name}" if module_prefix else name] = np.array(param.numpy(), copy=True)
            for name, buffer in module._buffers.items():
                if buffer is not None and name not in module._non_persistent:
                    out[f"{module_prefix}.{name}" if module_prefix else name] = np.array(buffer.numpy(), copy=True)
        return out

    def _state_tensors(self) -> OrderedDict:
        out = OrderedDict()
        for module_prefix, module in self.named_modules():
            for registry in (module._parameters, module._buffers):
                for name, tensor in registry.items():
                    if tensor is not None and name not in module._non_persistent:
                        out[f"{module_prefix}.{name}" if module_prefix else name] = tensor
        return out

    def load_state_dict(self, state_dict, strict: bool = True):
        """Copy arrays (NumPy, CuPy or Tensors) from `state_dict` into the parameters and buffers, in place.

        Names and shapes are checked: with `strict` any missing or unexpected key is an error, and a shape
        mismatch always is; the error lists every offending key. Returns (missing_keys, unexpected_keys).
        """
        own = self._state_tensors()
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        mismatched = []
        for key, tensor in own.items():
            if key in state_dict:
                value = state_dict[key]
                shape = tuple(np.shape(value.data if isinstance(value, Tensor) else value))
                if shape != tuple(tensor.shape) and not _is_lazy_slot(tensor):
                    mismatched.append(f"{key}: checkpoint {shape} vs model {tuple(tensor.shape)}")
        if mismatched or (strict and (missing or unexpected)):
            lines = [f"load_state_dict failed for {type(self).__name__}:"]
            if missing:
                lines.append(f"  missing keys ({len(missing)}): {', '.join(missing)}")
            if unexpected:
                lines.append(f"  unexpected keys ({len(unexpected)}): {', '.join(unexpected)}")
            if mismatched:
                lines.append(f"  shape mismatches ({len(mismatched)}): " + "; ".join(mismatched))
            raise RuntimeError("\n".join(lines))
        with no_grad():
            for key, tensor in own.items():
                if key not in state_dict:
                    continue
                value = state_dict[key]
                if _is_lazy_slot(tensor):
                    tensor.materialize(value)
                else:
                    tensor.data[...] = _to_array(value, tensor.data.dtype, tensor.device)
        return _IncompatibleKeys(missing, unexpected)

    # ---- hooks -----------------------------------------------------------------------------------
    def register_forward_pre_hook(self, hook: Callable) -> RemovableHandle:
        """Call `hook(module, args)` before `forward`; a non-None return replaces the positional args."""
        key = next(_hook_ids)
        self._forward_pre_hooks[key] = hook
        return RemovableHandle(self._forward_pre_hooks, key)

    def register_forward_hook(self, hook: Callable) -> RemovableHandle:
        """Call `hook(module, args, output)` after `forward`; a non-None return replaces the output.

        Diagnostics use this to record activations and feature maps (keep `output` to read its gradient).
        """
        key = next(_hook_ids)
        self._forward_hooks[key] = hook
        return RemovableHandle(self._forward_hooks, key)

    def register_full_backward_hook(self, hook: Callable) -> RemovableHandle:
        """Call `hook(module, grad_input, grad_output)` during backward, with the gradients (tuples of Tensors,
        None where no gradient) of this call's tensor inputs and of its output, e.g. to read a layer's output
        gradient for Grad-CAM. A returned tuple replaces grad_input (modules with one such input)."""
        key = next(_hook_ids)
        self._backward_hooks[key] = hook
        return RemovableHandle(self._backward_hooks, key)

    # ---- printing --------------------------------------------------------------------------------
    def extra_repr(self) -> str:
        """The arguments shown inside `Name(...)`; layers override it (e.g. 'in_features=784, ...')."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        children = [(name, m) for name, m in self._modules.items() if m is not None]
        if not children:
            return f"{type(self).__name__}({extra})"
        lines = [extra] if extra else []
        for name, child in children:
            lines.append(f"({name}): " + repr(child).replace("\n", "\n  "))
        return f"{type(self).__name__}(\n  " + "\n  ".join(lines) + "\n)"

    def num_parameters(self, trainable_only: bool = False) -> int:
        """Total number of parameter elements (only those with requires_grad when `trainable_only`)."""
        return sum(p.numel() for p in self.parameters() if p.requires_grad or not trainable_only)


def _is_lazy_slot(tensor) -> bool:
    """True for a parameter a lazy module has not shaped yet (see nn/lazy.py): loading gives it a shape."""
    return getattr(type(tensor), "is_uninitialized", False)
