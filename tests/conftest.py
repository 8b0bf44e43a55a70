"""Shared fixtures: the real data folder, torch (when installed), and seeded randomness."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

import deepglass as dg

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("DEEPGLASS_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture
def shared_data() -> Path:
    """`../shared/data` beside the checkout (MNIST, PneumoniaMNIST, cat-vs-non-cat); skips when absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data folder {SHARED_DATA} is absent (set DEEPGLASS_SHARED_DATA to point at it)")
    return SHARED_DATA


@pytest.fixture
def torch():
    """PyTorch for parity tests; skips when it is not installed."""
    return pytest.importorskip("torch", reason="PyTorch is not installed: parity tests need torch==2.13.0")


@pytest.fixture(autouse=True)
def _seed():
    dg.manual_seed(0)
    np.random.seed(0)
    yield
