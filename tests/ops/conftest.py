"""Fixtures for op tests: torch when installed, else None (gradcheck still runs without it)."""

from __future__ import annotations

import pytest


@pytest.fixture
def torch_or_none():
    """PyTorch for the parity half of `check_op`, or None (then only gradcheck runs)."""
    try:
        import torch
    except ImportError:
        return None
    return torch
