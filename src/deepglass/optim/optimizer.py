"""Optimizer: the base of every update rule — parameter groups, per-parameter state, saving and resuming.

A subclass only writes `_update(p, g, state, group)`: the maths of one step for one parameter, on raw
arrays of `xp` (NumPy or CuPy), in place. The base does the bookkeeping PyTorch users expect:

    opt = dg.optim.SGD([{"params": body, "lr": 0.1}, {"params": head}], lr=0.01, momentum=0.9)
    opt.zero_grad(); loss.backward(); opt.step()
    checkpoint = opt.state_dict()        # NumPy arrays + plain Python values, parameters by index
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ..autograd.grad_mode import enable_grad
from ..backend import device_of, get_array_module, to_device
from ..tensor import Tensor


class _Required:
    """Marks a hyper-parameter that has no default (every group must give it)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _Required()


def check_hyperparameters(optimizer: str, betas: tuple | None = None, **values: float) -> None:
    """A ValueError naming the optimizer and the argument, for a negative one of `values` (lr, eps,
    weight_decay, ...) or `betas` outside [0, 1)."""
    for name, value in values.items():
        if value < 0.0:
            raise ValueError(f"{optimizer}: invalid {name} {value} (must be >= 0)")
    if betas is not None and not all(0.0 <= beta < 1.0 for beta in betas):
        raise ValueError(f"{optimizer}: invalid betas {tuple(betas)} (each must be in [0, 1))")


class Optimizer:
    """Base class: `Optimizer(params, defaults)`; `params` is an iterable of Tensors or of group dicts.

    `param_groups` is a list of dicts: `{"params": [...], "lr": ..., ...}`; hyper-parameters are read from
    the group at every step, so learning-rate schedulers simply rewrite `group["lr"]`.
    `state[p]` holds what the algorithm remembers about parameter `p` (momentum buffers, step counts).
    """

    def __init__(self, params: Iterable, defaults: dict[str, Any]) -> None:
        self.defaults = dict(defaults)
        self.state: dict[Tensor, dict[str, Any]] = {}
        self.param_groups: list[dict[str, Any]] = []
        self._workspace: dict[tuple, Any] = {}
        if isinstance(params, Tensor):
            raise TypeError(
                f"{type(self).__name__}: params should be an iterable of Tensors or dicts, but got a Tensor; "
                "wrap it in a list"
            )
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__} got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # ---- groups -----------------------------------------------------------------------------------
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own hyper-parameters (missing ones come from `defaults`).

        Useful to unfreeze layers during fine-tuning: `opt.add_param_group({"params": body, "lr": 1e-4})`.
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        group = dict(param_group)
        params = group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters must be an ordered collection (a list), not a set")
        group["params"] = list(params)
        for p in group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor (one made by an op); optimize its leaves")
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            group.setdefault(name, default)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        ids = [id(p) for p in group["params"]]
        if len(set(ids)) != len(ids) or seen.intersection(ids):
            raise ValueError("some parameters appear in more than one parameter group (or twice in one)")
        self.param_groups.append(group)

    # ---- the training-loop calls ------------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients: set `.grad` to None (default, frees memory) or fill it with zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    p.grad.data[...] = 0

    def step(self, closure: Callable[[], Any] | None = None):
        """Update every parameter that has a gradient, in place; returns `closure()`'s loss if given.

        `closure` re-evaluates the model and returns the loss (it is run with gradients enabled).
        Parameters with `requires_grad=False` (frozen) or without a gradient are skipped.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None or not p.requires_grad:
                    continue
                if p.grad.shape != p.shape:
                    raise RuntimeError(
                        f"{type(self).__name__}.step: a parameter of shape {p.shape} has a gradient of shape "
                        f"{p.grad.shape}"
                    )
                state = self.state.get(p)
                if state is None:
                    state = self.state[p] = self._init_state(p.data, group)
                self._update(p.data, p.grad.data, state, group)
        return loss

    def _init_state(self, param, group: dict[str, Any]) -> dict[str, Any]:
        """The state of a parameter before its first step (buffers allocated once, here)."""
        return {}

    def _update(self, param, grad, state: dict[str, Any], group: dict[str, Any]) -> None:
        """One step for one parameter: change `param` (an array) in place; `grad` must not be changed."""
        raise NotImplementedError

    # ---- helpers for the update rules -------------------------------------------------------------
    def _scratch(self, like, slot: int = 0):
        """A temporary array shaped like `like`, reused across parameters and steps (no per-step allocation).

        One flat buffer per (slot, dtype, device) grows to the largest parameter; a view of it is returned.
        Slot 0 is used by `_grad_with_decay`; update rules use slots 1 and up for their own temporaries.
        """
        key = (slot, like.dtype.str, device_of(like))
        buffer = self._workspace.get(key)
        if buffer is None or buffer.size < like.size:
            buffer = self._workspace[key] = get_array_module(like).empty(like.size, dtype=like.dtype)
        return buffer[: like.size].reshape(like.shape)

    def _decayed_grad(self, param, grad, group: dict[str, Any]):
        """`_grad_with_decay`, or with `decoupled_weight_decay` (AdamW-style) the weights shrunk in place by
        `1 - lr * weight_decay` first and the gradient left without an L2 term."""
        if not group.get("decoupled_weight_decay", False):
            return self._grad_with_decay(param, grad, group)
        if group["weight_decay"] != 0:
            param *= 1 - group["lr"] * group["weight_decay"]
        return self._grad_with_decay(param, grad, group, weight_decay=0)

    def _grad_with_decay(self, param, grad, group: dict[str, Any], weight_decay: float | None = None):
        """The gradient after `maximize` (ascent) and L2 weight decay `grad + weight_decay * param`.

        `weight_decay` defaults to the group's. Returns `grad` itself when neither applies, otherwise a
        scratch array: `p.grad` is never changed.
        """
        weight_decay = group.get("weight_decay", 0) if weight_decay is None else weight_decay
        maximize = group.get("maximize", False)
        if not weight_decay and not maximize:
            return grad
        xp = get_array_module(param)
        out = self._scratch(param, 0)
        if weight_decay:
            xp.multiply(param, weight_decay, out=out)
            if maximize:
                out -= grad
            else:
                out += grad
        else:
            xp.negative(grad, out=out)
        return out

    # ---- saving and resuming ----------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """A snapshot: `{"state": {index: {name: ndarray | number}}, "param_groups": [{..., "params": [index]}]}`.

        Parameters are numbered in group order, as PyTorch does, so the dict holds no Tensors: arrays are
        copied to NumPy, everything else is a plain Python value (safe to save without pickle).
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {}
        for group in self.param_groups:
            for p in group["params"]:
                if self.state.get(p):  # parameters without state (plain SGD) are left out, as in PyTorch
                    state[index[id(p)]] = {k: _snapshot(v) for k, v in self.state[p].items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a `state_dict()` (e.g. to resume training exactly); parameters are matched by index.

        Arrays are copied to each parameter's device and (for floats) dtype; hyper-parameters, including
        those a scheduler added such as `initial_lr`, replace the current ones.
        """
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{type(self).__name__}.load_state_dict: the state dict has {len(saved_groups)} parameter groups "
                f"but the optimizer has {len(self.param_groups)}"
            )
        by_index: dict[int, Tensor] = {}
        for i, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if len(group["params"]) != len(saved["params"]):
                raise ValueError(
                    f"{type(self).__name__}.load_state_dict: parameter group {i} has {len(group['params'])} "
                    f"parameters but the saved group has {len(saved['params'])}"
                )
            by_index.update(zip(saved["params"], group["params"]))
        self.state = {}
        for key, saved_state in state_dict["state"].items():
            p = by_index[int(key)]
            self.state[p] = {name: _restore(value, p.data) for name, value in saved_state.items()}
        for group, saved in zip(self.param_groups, saved_groups):
            group.update({k: _plain(v) for k, v in saved.items() if k != "params"})

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {key}: {group[key]}" for key in sorted(group) if key != "params"]
        return "\n".join(lines) + "\n)"


def _snapshot(value):
    """A state value as it goes into a state dict: arrays copied to NumPy, numbers as Python numbers."""
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        array = to_device(value, "cpu")
        return array.copy() if array is value else array
    return _plain(value)


def _restore(value, like):
    """A state-dict value back into optimizer state: arrays shaped like the parameter `like` are copied to its
    device (floats in its dtype); anything else (step counts, 0-d arrays from a file) becomes a Python number."""
    if hasattr(value, "shape") and hasattr(value, "dtype") and (value.shape != () or like.shape == ()):
        array = to_device(value, device_of(like))
        dtype = like.dtype if array.dtype.kind == "f" else array.dtype
        return get_array_module(like).array(array, dtype=dtype, copy=True)
    return _plain(value)


def _plain(value):
    """NumPy scalars and 0-d arrays as Python numbers; tuples and lists element by element."""
    if isinstance(value, (tuple, list)):
        return type(value)(_plain(v) for v in value)
    if hasattr(value, "item") and getattr(value, "shape", None) == ():
        return value.item()
    return value
