"""The learning-rate range test (Smith, 2015): raise the learning rate exponentially, watch the loss.

    result = dg.diagnostics.lr_find(model, x_train, y_train)     # a compiled training Model
    result.suggestion                                            # the rate where the loss fell fastest
    result.plot("lr_find.png")

The loss first barely moves (rate too low), then falls quickly (good rates), then explodes (too high).
The suggestion is the rate of the steepest fall of the smoothed loss. The model's weights, buffers,
optimizer state and deepglass's random generator are restored afterwards, so the test leaves no trace.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass
class LRFinderResult:
    """Learning rates tried, the smoothed loss at each, and the suggested rate."""

    lrs: list[float]
    losses: list[float]
    suggestion: float | None
    min_loss_lr: float | None

    def plot(self, path=None):
        from .plots import plot_lr_find

        return plot_lr_find(self, path)


def _parts(model, loss_fn, optimizer, sample_x):
    module = getattr(model, "module", model)
    loss_fn = loss_fn or getattr(model, "loss_fn", None) or getattr(model, "loss", None)
    if optimizer is None and getattr(model, "optimizer", None) is None and hasattr(model, "_ensure_built"):
        model._ensure_built(_as_tensor(sample_x, _device(module)))  # lazy layers: build, then the optimizer
    optimizer = optimizer or getattr(model, "optimizer", None)
    if not callable(loss_fn) or optimizer is None:
        raise ValueError("lr_find: pass a compiled training Model, or an nn.Module with loss_fn= and optimizer=")
    return module, loss_fn, optimizer


def _batches(x, y, batch_size: int):
    """Endless batches: shuffled slices of arrays (x, y), or the items of an iterable of (inputs, targets)."""
    import deepglass as dg

    if y is None:
        while True:
            empty = True
            for batch in x:
                empty = False
                yield batch[0], batch[1]
            if empty:
                raise ValueError("lr_find: the data iterable gave no batches")
    rng = dg.random.default_generator()
    while True:
        order = rng.permutation(len(x))
        for i in range(0, len(x) - batch_size + 1 if len(x) >= batch_size else 1, batch_size):
            idx = order[i: i + batch_size]
            yield x[idx], y[idx]


def _device(module) -> str:
    return next((p.device for p in module.parameters()), "cpu") if hasattr(module, "parameters") else "cpu"


def _as_tensor(value, device: str = "cpu"):
    import deepglass as dg

    tensor = value if isinstance(value, dg.Tensor) else dg.tensor(np.asarray(value))
    return tensor if tensor.device == device else tensor.to(device)


def lr_find(model, x, y=None, loss_fn=None, optimizer=None, start_lr: float = 1e-7, end_lr: float = 10.0,
            num_steps: int = 100, batch_size: int = 32, smooth: float = 0.98, diverge: float = 4.0) -> LRFinderResult:
    """Train for up to `num_steps` batches with the rate growing from `start_lr` to `end_lr`; suggest one.

    `model`: a compiled training Model (its module, loss and optimizer are used) or an nn.Module with
    `loss_fn` and `optimizer`. Data: arrays `x`, `y` (shuffled batches of `batch_size`), or an iterable
    of (inputs, targets) batches as `x` with `y=None`. Stops early once the smoothed loss exceeds
    `diverge` times its minimum. Everything it changes is restored before it returns.
    """
    import deepglass as dg

    if not 0 < start_lr < end_lr:
        raise ValueError(f"lr_find: need 0 < start_lr < end_lr, got {start_lr} and {end_lr}")
    sample = next(iter(x))[0] if y is None else x[:1]
    module, loss_fn, optimizer = _parts(model, loss_fn, optimizer, sample)
    device = _device(module)
    params = [(p, p.data.copy()) for _, p in module.named_parameters()]
    buffers = [(b, b.data.copy()) for _, b in module.named_buffers()] if hasattr(module, "named_buffers") else []
    grads = [(p, p.grad) for p, _ in params]
    opt_state = optimizer.state_dict()
    rng_state = dg.get_rng_state()
    was_training = getattr(module, "training", True)
    lrs, losses = [], []
    try:
        module.train()
        avg, best = 0.0, math.inf
        factor = (end_lr / start_lr) ** (1.0 / max(num_steps - 1, 1))
        for step, (xb, yb) in zip(range(num_steps), _batches(x, y, batch_size)):
            lr = start_lr * factor**step
            for group in optimizer.param_groups:
                group["lr"] = lr
            optimizer.zero_grad()
            loss = loss_fn(module(_as_tensor(xb, device)), _as_tensor(yb, device))
            loss.backward()
            optimizer.step()
            value = float(loss.item())
            if not math.isfinite(value):
                break
            avg = smooth * avg + (1 - smooth) * value
            smoothed = avg / (1 - smooth ** (step + 1))
            lrs.append(lr)
            losses.append(smoothed)
            best = min(best, smoothed)
            if smoothed > diverge * best:
                break
    finally:
        for p, saved in params:
            p.data = saved
        for (p, _), (_, g) in zip(params, grads):
            p.grad = g
        for b, saved in buffers:
            b.data = saved
        optimizer.load_state_dict(opt_state)
        dg.set_rng_state(rng_state)
        module.train(was_training)
    suggestion, min_loss_lr = suggest_lr(lrs, losses)
    return LRFinderResult(lrs, losses, suggestion, min_loss_lr)


def suggest_lr(lrs, losses, skip_start: int = 3) -> tuple[float | None, float | None]:
    """(rate of the steepest fall of the loss before its minimum, rate of the minimum loss)."""
    if len(losses) < skip_start + 3:
        return None, (lrs[int(np.argmin(losses))] if losses else None)
    loss = np.asarray(losses, dtype=np.float64)
    lowest = int(np.argmin(loss))
    log_lr = np.log10(np.asarray(lrs, dtype=np.float64))
    slope = np.gradient(loss, log_lr)
    end = max(lowest, skip_start + 2)
    steepest = skip_start + int(np.argmin(slope[skip_start:end]))
    return float(lrs[steepest]), float(lrs[lowest])
