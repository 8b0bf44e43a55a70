"""Why momentum and adaptive methods exist: on an ill-conditioned quadratic and on the Rosenbrock valley,
they reach a far lower loss than plain SGD with the same learning rate and number of steps."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg


def ill_conditioned_quadratic(x):
    """`0.5 * (x0² + 100 x1²)`: curvatures 1 and 100 (condition number 100); minimum 0 at the origin."""
    return 0.5 * (dg.tensor(np.array([1.0, 100.0])) * x * x).sum()


def rosenbrock(x):
    """`(1 - x0)² + 100 (x1 - x0²)²`: a curved, narrow valley; minimum 0 at (1, 1)."""
    return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


def minimize(loss_fn, start, name, steps, **kwargs) -> float:
    """The loss after `steps` steps of optimizer `name`, starting from `start`."""
    x = dg.tensor(np.array(start, dtype=np.float64), requires_grad=True)
    opt = getattr(dg.optim, name)([x], **kwargs)
    for _ in range(steps):
        opt.zero_grad()
        loss_fn(x).backward()
        opt.step()
    return loss_fn(x).item()


@pytest.mark.parametrize(
    "name, kwargs, bound",
    [("SGD", dict(momentum=0.9), 1e-8), ("RMSprop", {}, 1e-8), ("Adam", {}, 1e-4)],
    ids=["momentum", "RMSprop", "Adam"],
)
def test_ill_conditioned_quadratic(name, kwargs, bound):
    lr, steps = 0.01, 300
    plain = minimize(ill_conditioned_quadratic, [1.0, 1.0], "SGD", steps, lr=lr)
    better = minimize(ill_conditioned_quadratic, [1.0, 1.0], name, steps, lr=lr, **kwargs)
    assert plain > 1e-4, "plain SGD crawls along the flat direction (loss ~1e-3 here)"
    assert better < bound and better < plain / 100


@pytest.mark.parametrize(
    "name, kwargs, lr, bound",
    [("SGD", dict(momentum=0.9), 2e-3, 1e-10), ("RMSprop", {}, 5e-3, 2e-2), ("Adam", {}, 2e-3, 1e-6)],
    ids=["momentum", "RMSprop", "Adam"],
)
def test_rosenbrock(name, kwargs, lr, bound):
    steps = 2000
    plain = minimize(rosenbrock, [0.0, 0.0], "SGD", steps, lr=lr)
    better = minimize(rosenbrock, [0.0, 0.0], name, steps, lr=lr, **kwargs)
    assert np.isfinite(plain) and plain > 1e-3, "plain SGD is still in the valley"
    assert better < bound and better < plain / 10


def test_plain_sgd_does_converge_given_time():
    """The comparison is about speed: SGD is not broken, only slower."""
    assert minimize(ill_conditioned_quadratic, [1.0, 1.0], "SGD", 3000, lr=0.01) < 1e-20
