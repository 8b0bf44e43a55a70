"""Small datasets and models shared by the training-engine tests."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass import nn


@pytest.fixture
def blobs():
    """Three well-separated Gaussian blobs in 4-D: (x float32 (240, 4), y int64 (240,))."""
    rng = np.random.default_rng(1)
    centers = np.array([[3, 0, 0, 0], [0, 3, 0, 0], [0, 0, 3, 0]], dtype=np.float32)
    y = rng.integers(0, 3, 240)
    x = centers[y] + rng.normal(scale=0.5, size=(240, 4)).astype(np.float32)
    return x.astype(np.float32), y.astype(np.int64)


def make_mlp(dropout: float = 0.0) -> dg.Model:
    layers = [nn.Linear(4, 16), nn.ReLU()]
    if dropout:
        layers.append(nn.Dropout(dropout))
    return dg.Model(nn.Sequential(*layers, nn.Linear(16, 3)))


@pytest.fixture
def make_model():
    """A factory of small MLP models wrapped in dg.Model (so a test can build several)."""
    return make_mlp


@pytest.fixture
def mlp():
    model = make_mlp()
    model.compile(
        optimizer=dg.keras.optimizers.Adam(learning_rate=0.02), loss=nn.CrossEntropyLoss(), metrics=["accuracy"]
    )
    return model
