"""Containers: `Sequential`, `ModuleList`, `ModuleDict`, `ParameterList`, `ParameterDict`."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping

from ..tensor import Tensor
from .module import Module
from .parameter import Parameter


class Sequential(Module):
    """Calls its modules in order, each on the previous one's output.

    `Sequential(a, b, c)`, `Sequential(OrderedDict(name=module, ...))`, or empty and then `.add(layer)`.
    Indexing gives a module, slicing a new Sequential sharing the same modules.
    """

    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], (OrderedDict, dict)):
            for name, module in modules[0].items():
                self.add_module(name, module)
        else:
            for module in modules:
                self.append(module)

    def append(self, module: Module) -> Sequential:
        """Add `module` at the end (named by its position)."""
        if not isinstance(module, Module):
            raise TypeError(f"Sequential.append: expected a Module, got {type(module).__name__}")
        self.add_module(str(len(self._modules)), module)
        return self

    def add(self, module: Module) -> Sequential:
        """Keras' spelling of `append`."""
        return self.append(module)

    def forward(self, x):
        for module in self._modules.values():
            x = module(x)
        return x

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __getitem__(self, index):
        modules = list(self._modules.items())
        if isinstance(index, slice):
            return Sequential(OrderedDict(modules[index]))
        try:
            return modules[index][1]
        except IndexError:
            raise IndexError(f"Sequential index {index} is out of range for {len(modules)} modules") from None

    def __setitem__(self, index: int, module: Module) -> None:
        name = list(self._modules)[index]
        setattr(self, name, module)

    def __delitem__(self, index) -> None:
        names = list(self._modules)
        for name in names[index] if isinstance(index, slice) else [names[index]]:
            delattr(self, name)
        if all(name.isdigit() for name in self._modules):  # keep positional names 0..n-1, as PyTorch does
            modules = list(self._modules.values())
            self._modules.clear()
            for module in modules:
                self.append(module)


class ModuleList(Module):
    """A list of modules whose parameters are registered (a plain Python list would hide them)."""

    def __init__(self, modules: Iterable[Module] | None = None):
        super().__init__()
        for module in modules or []:
            self.append(module)

    def append(self, module: Module) -> ModuleList:
        self.add_module(str(len(self._modules)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> None:
        items = list(self._modules.values())
        items.insert(index, module)
        self._renumber(items)

    def _renumber(self, items: list) -> None:
        self._modules.clear()
        for module in items:
            self.append(module)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __getitem__(self, index):
        items = list(self._modules.values())
        if isinstance(index, slice):
            return ModuleList(items[index])
        return items[index]

    def __setitem__(self, index: int, module: Module) -> None:
        setattr(self, list(self._modules)[index], module)

    def __delitem__(self, index) -> None:
        items = list(self._modules.values())
        del items[index]
        self._renumber(items)

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ModuleList has no forward(): iterate over it in your own module's forward")


class ModuleDict(Module):
    """A dict of modules whose parameters are registered, in insertion order."""

    def __init__(self, modules: Mapping[str, Module] | None = None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def update(self, modules: Mapping[str, Module] | Iterable) -> None:
        items = modules.items() if isinstance(modules, Mapping) else modules
        for name, module in items:
            self[name] = module

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        delattr(self, key)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: str) -> bool:
        return key in self._modules

    def keys(self):
        return self._modules.keys()

    def values(self):
        return self._modules.values()

    def items(self):
        return self._modules.items()

    def pop(self, key: str) -> Module:
        module = self._modules[key]
        delattr(self, key)
        return module

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ModuleDict has no forward(): pick modules by key in your own module's forward")


def _as_parameter(value, container: str):
    """`value` itself when a Parameter, a Tensor wrapped as one (as PyTorch does), else a TypeError."""
    if isinstance(value, Parameter):
        return value
    if isinstance(value, Tensor):
        return Parameter(value)
    raise TypeError(f"{container}: expected a Parameter or a Tensor, got {type(value).__name__}")


def _describe(param) -> str:
    """PyTorch's one-line description of a parameter inside a ParameterList/ParameterDict repr."""
    size = "x".join(str(n) for n in param.shape)
    device = f" ({param.device})" if param.device != "cpu" else ""
    return f"Parameter containing: [{param.dtype} of size {size}{device}]"


class ParameterList(Module):
    """A list of Parameters, registered under "0", "1", … (a plain Python list would hide them from the optimizer).

    Tensors appended are wrapped as Parameters. Indexing gives a Parameter, slicing a new ParameterList.
    """

    def __init__(self, values: Iterable | None = None):
        super().__init__()
        if values is not None:
            self.extend(values)

    def append(self, value) -> ParameterList:
        self.register_parameter(str(len(self._parameters)), _as_parameter(value, "ParameterList.append"))
        return self

    def extend(self, values: Iterable) -> ParameterList:
        if isinstance(values, Tensor) or not isinstance(values, Iterable):
            raise TypeError(f"ParameterList.extend: expected an iterable of Parameters, got {type(values).__name__}")
        for value in values:
            self.append(value)
        return self

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[Parameter]:
        return iter(self._parameters.values())

    def __getitem__(self, index):
        items = list(self._parameters.values())
        if isinstance(index, slice):
            return ParameterList(items[index])
        try:
            return items[index]
        except IndexError:
            raise IndexError(f"ParameterList index {index} is out of range for {len(items)} parameters") from None

    def __setitem__(self, index: int, value) -> None:
        names = list(self._parameters)
        try:
            name = names[index]
        except IndexError:
            raise IndexError(f"ParameterList index {index} is out of range for {len(names)} parameters") from None
        self._parameters[name] = _as_parameter(value, "ParameterList")

    def __iadd__(self, values: Iterable) -> ParameterList:
        return self.extend(values)

    def __dir__(self):
        return [k for k in super().__dir__() if not k.isdigit()]

    def extra_repr(self) -> str:
        return "\n".join(f"  ({i}): {_describe(p)}" for i, p in enumerate(self))

    def __repr__(self) -> str:
        body, name = self.extra_repr(), type(self).__name__
        return f"{name}(\n  " + body.replace("\n", "\n  ") + "\n)" if body else f"{name}()"

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ParameterList has no forward(): use its parameters in your own module's forward")


class ParameterDict(Module):
    """A dict of Parameters registered under their (string) keys, in insertion order; Tensors are wrapped."""

    def __init__(self, parameters: Mapping | Iterable | None = None):
        super().__init__()
        if parameters is not None:
            self.update(parameters)

    def update(self, parameters: Mapping | Iterable) -> None:
        """Add or replace entries from a mapping or an iterable of (key, parameter) pairs."""
        items = parameters.items() if isinstance(parameters, Mapping) else parameters
        for key, value in items:
            self[key] = value

    def __getitem__(self, key: str) -> Parameter:
        if key not in self._parameters:
            raise KeyError(key)
        return self._parameters[key]

    def __setitem__(self, key: str, value) -> None:
        if not isinstance(key, str):
            raise TypeError(f"ParameterDict: keys must be strings, got {type(key).__name__}")
        if "." in key or not key:
            raise KeyError(f"ParameterDict: a key must be a non-empty name without \".\", got {key!r}")
        param = _as_parameter(value, f"ParameterDict[{key!r}]")
        if key in self._parameters:
            self._parameters[key] = param  # replacing keeps the order
        else:
            self.register_parameter(key, param)

    def __delitem__(self, key: str) -> None:
        if key not in self._parameters:
            raise KeyError(key)
        self._forget(key)

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[str]:
        return iter(self._parameters)

    def __contains__(self, key: str) -> bool:
        return key in self._parameters

    def keys(self):
        return self._parameters.keys()

    def values(self):
        return self._parameters.values()

    def items(self):
        return self._parameters.items()

    def get(self, key: str, default=None):
        return self._parameters.get(key, default)

    def pop(self, key: str) -> Parameter:
        param = self[key]
        del self[key]
        return param

    def setdefault(self, key: str, default=None) -> Parameter:
        if key not in self._parameters:
            self[key] = default
        return self[key]

    def clear(self) -> None:
        for key in list(self._parameters):
            del self[key]

    def copy(self) -> ParameterDict:
        """A new ParameterDict holding the same Parameters."""
        return ParameterDict(self._parameters)

    def extra_repr(self) -> str:
        return "\n".join(f"  ({k}): {_describe(p)}" for k, p in self.items())

    __repr__ = ParameterList.__repr__

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ParameterDict has no forward(): pick parameters by key in your own module's forward")
