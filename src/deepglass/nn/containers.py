"""Containers: `Sequential`, `ModuleList`, `ModuleDict`."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping

from .module import Module


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
