"""The layer-test helpers every nn test uses.

`check_layer` (Keras' idea): output shape, parameter count, state-dict save/reload round trip,
and one SGD step that changes every trainable parameter and lowers a simple loss.
`check_torch_parity`: copy the torch layer's weights in through `load_state_dict`, run the same input
through both, and compare output, input gradient and every parameter gradient (float32, 1e-5 rel).
"""

from __future__ import annotations

import numpy as np

import deepglass as dg


def check_layer(layer, x, out_shape: tuple, num_params: int, train: bool = True) -> dg.Tensor:
    """Shape, parameter count, save/reload and one training step of `layer` on input `x` (a Tensor)."""
    y = layer(x)
    assert tuple(y.shape) == tuple(out_shape), f"{layer}: output shape {y.shape}, expected {out_shape}"
    assert sum(p.numel() for p in layer.parameters()) == num_params, f"{layer}: parameter count"
    # save and reload into a fresh copy: identical outputs
    state = layer.state_dict()
    for value in state.values():
        assert isinstance(value, np.ndarray)
    layer.eval()
    with dg.no_grad():
        before = layer(x).numpy().copy()
        for p in layer.parameters():
            p.data[...] = 0
        layer.load_state_dict(state)
        after = layer(x).numpy()
    np.testing.assert_array_equal(before, after)
    layer.train()
    if train and num_params:
        params = [p for p in layer.parameters() if p.requires_grad]
        old = [p.numpy().copy() for p in params]
        target = dg.Tensor(np.random.default_rng(0).normal(size=y.shape).astype(y.dtype))
        loss0 = ((layer(x) - target) ** 2).mean()
        layer.zero_grad()
        loss0.backward()
        with dg.no_grad():
            for p in params:
                assert p.grad is not None, f"{layer}: no gradient reached a parameter"
                p.data -= 1e-3 * p.grad.data
        for p, o in zip(params, old):
            assert not np.array_equal(p.numpy(), o), f"{layer}: a training step left a parameter unchanged"
        if not any(isinstance(m, dg.nn.Dropout) for m in layer.modules()):
            with dg.no_grad():
                loss1 = ((layer(x) - target) ** 2).mean()
            assert loss1.item() < loss0.item()
    return y


def check_torch_parity(torch, layer, torch_layer, x: np.ndarray, rtol: float = 1e-5, atol: float = 1e-6,
                       copy_weights: bool = True, grad_out: np.ndarray | None = None) -> None:
    """Forward, input gradient and parameter gradients of `layer` equal those of `torch_layer` on `x`."""
    if copy_weights:
        layer.load_state_dict({k: v.detach().numpy() for k, v in torch_layer.state_dict().items()})
    xd = dg.tensor(x, requires_grad=x.dtype.kind == "f")
    xt = torch.tensor(x, requires_grad=x.dtype.kind == "f")
    yd, yt = layer(xd), torch_layer(xt)
    np.testing.assert_allclose(yd.numpy(), yt.detach().numpy(), rtol=rtol, atol=atol, err_msg="forward")
    g = np.random.default_rng(1).normal(size=yt.shape).astype(x.dtype if x.dtype.kind == "f" else np.float32)
    g = g if grad_out is None else grad_out
    yd.backward(dg.tensor(g))
    yt.backward(torch.tensor(g))
    if x.dtype.kind == "f":
        np.testing.assert_allclose(xd.grad.numpy(), xt.grad.numpy(), rtol=rtol, atol=atol, err_msg="input grad")
    torch_params = dict(torch_layer.named_parameters())
    for name, p in layer.named_parameters():
        tp = torch_params[name]
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=rtol, atol=atol, err_msg=f"grad of {name}")
    for name, b in torch_layer.named_buffers():
        own = dict(layer.named_buffers())
        np.testing.assert_allclose(own[name].numpy(), b.numpy(), rtol=rtol, atol=atol, err_msg=f"buffer {name}")


def check_device_parity(make, inputs: list, device: str, rtol: float = 1e-4, atol: float = 1e-5,
                        train: bool = True) -> None:
    """`make()` (a layer or a loss) on the CPU and on `device` gives the same output, input gradients, parameter
    gradients and buffers, within `rtol` of each one's largest entry. `inputs` are arrays: float ones get
    gradients, integer ones are indices or classes."""
    cpu = make()
    other = make()
    other.load_state_dict(cpu.state_dict())
    other.to(device)
    results = []
    for module, dev in ((cpu, "cpu"), (other, device)):
        module.train(train)
        xs = [dg.tensor(a, device=dev, requires_grad=a.dtype.kind == "f") for a in inputs]
        y = module(*xs)
        assert y.device == dev, f"{module}: output on {y.device}, expected {dev}"
        g = np.random.default_rng(1).normal(size=y.shape).astype(y.dtype)
        y.backward(dg.tensor(g, device=dev))
        results.append({"output": y.numpy(),
                        **{f"grad of input {i}": x.grad.numpy() for i, x in enumerate(xs) if x.grad is not None},
                        **{f"grad of {n}": p.grad.numpy() for n, p in module.named_parameters()},
                        **{f"buffer {n}": b.numpy() for n, b in module.named_buffers()}})
    assert results[0].keys() == results[1].keys(), f"{cpu}: {sorted(results[0])} vs {sorted(results[1])}"
    for key, value in results[0].items():  # relative to the largest entry: sums of many terms cancel in places
        scale = float(np.abs(value).max()) if value.size else 0.0
        np.testing.assert_allclose(results[1][key], value, rtol=rtol, atol=max(atol, rtol * scale),
                                   err_msg=f"{cpu}: {key}")
