"""The proof on real data: a 784-512-512-10 MLP reaches > 95% MNIST test accuracy in one epoch."""

from __future__ import annotations

import contextlib
import gzip
from pathlib import Path

import numpy as np

import deepglass as dg
from deepglass import nn


def _read_idx(path: Path) -> np.ndarray:
    """An IDX file (MNIST's format): magic (2 zero bytes, dtype code, ndim), ndim big-endian sizes, then the data."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def _load(folder: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    images = _read_idx(folder / f"{split}-images-idx3-ubyte.gz").reshape(-1, 784).astype(np.float32) / 255.0
    labels = _read_idx(folder / f"{split}-labels-idx1-ubyte.gz").astype(np.int64)
    return (images - 0.1307) / 0.3081, labels


def _one_blas_thread():
    """One BLAS thread: on a busy 2-core runner OpenBLAS's spinning threads can make this test 10x slower."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def test_mlp_trains_on_mnist_in_one_epoch(shared_data):
    with _one_blas_thread():
        _train_and_check(shared_data)


def _train_and_check(shared_data: Path) -> None:
    x_train, y_train = _load(shared_data / "mnist", "train")
    x_test, y_test = _load(shared_data / "mnist", "t10k")
    assert x_train.shape == (60000, 784) and x_test.shape == (10000, 784)
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
    loss_fn = nn.CrossEntropyLoss()
    params = list(model.parameters())
    velocity = [np.zeros_like(p.data) for p in params]
    order = dg.default_generator().permutation(len(x_train))
    model.train()
    for start in range(0, len(order), 128):  # one epoch of SGD, lr 0.2, momentum 0.5 (reaches about 0.97)
        batch = order[start:start + 128]
        loss = loss_fn(model(dg.tensor(x_train[batch])), dg.tensor(y_train[batch]))
        model.zero_grad()
        loss.backward()
        for p, v in zip(params, velocity):
            v *= 0.5
            v += p.grad.data
            p.data -= 0.2 * v
    model.eval()
    with dg.no_grad():
        predictions = np.concatenate([model(dg.tensor(x_test[i:i + 1000])).numpy().argmax(axis=1)
                                      for i in range(0, len(x_test), 1000)])
    accuracy = float((predictions == y_test).mean())
    assert accuracy > 0.95, f"test accuracy after one epoch: {accuracy:.4f}"
