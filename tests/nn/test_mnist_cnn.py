"""A small CNN (conv-relu-conv-relu-maxpool-fc-fc) learns real MNIST to > 95% test accuracy in one epoch."""

from __future__ import annotations

import gzip
import time

import numpy as np
import pytest

import deepglass as dg
from deepglass import nn
from deepglass.nn import functional as F


def read_idx(path) -> np.ndarray:
    """An IDX file (MNIST's format: magic, dimension sizes, then uint8 data), gzipped."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def load(folder, split: str) -> tuple[np.ndarray, np.ndarray]:
    images = read_idx(folder / f"{split}-images-idx3-ubyte.gz")
    labels = read_idx(folder / f"{split}-labels-idx1-ubyte.gz")
    x = ((images.astype(np.float32) / 255.0 - 0.1307) / 0.3081)[:, None]  # (N, 1, 28, 28), normalized
    return x, labels.astype(np.int64)


@pytest.mark.slow  # 36 s in all single-threaded on a loaded machine (28 s of training); less on 2 idle cores
def test_small_cnn_learns_mnist_in_one_epoch(shared_data):
    x_train, y_train = load(shared_data / "mnist", "train")
    x_test, y_test = load(shared_data / "mnist", "t10k")
    assert x_train.shape == (60000, 1, 28, 28) and x_test.shape == (10000, 1, 28, 28)

    model = nn.Sequential(
        nn.Conv2d(1, 16, 3), nn.ReLU(),
        nn.Conv2d(16, 32, 3), nn.ReLU(),
        nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(32 * 12 * 12, 64), nn.ReLU(),
        nn.Linear(64, 10),
    )
    params = list(model.parameters())
    velocity = [np.zeros_like(p.data) for p in params]
    lr, momentum, batch, n_train = 0.05, 0.9, 64, 20000  # one pass over a shuffled 20k subset (~10 s on 2 cores)
    order = dg.random.default_generator().permutation(len(x_train))[:n_train]

    start = time.perf_counter()
    model.train()
    for i in range(0, n_train, batch):
        idx = order[i:i + batch]
        loss = F.cross_entropy(model(dg.tensor(x_train[idx])), dg.tensor(y_train[idx]))
        model.zero_grad()
        loss.backward()
        for p, v in zip(params, velocity):  # SGD with momentum, written out
            v *= momentum
            v += p.grad.data
            p.data -= lr * v
    train_seconds = time.perf_counter() - start

    model.eval()
    correct = 0
    with dg.no_grad():
        for i in range(0, len(x_test), 1000):
            logits = model(dg.tensor(x_test[i:i + 1000]))
            correct += int((logits.numpy().argmax(axis=1) == y_test[i:i + 1000]).sum())
    accuracy = correct / len(x_test)
    print(f"MNIST CNN: {accuracy:.4f} test accuracy after {train_seconds:.1f} s of training on {n_train} images")
    assert accuracy > 0.95
