"""Keras tests start from fresh automatic layer names ('dense', 'conv2d', ...)."""

from __future__ import annotations

import pytest

import deepglass as dg


@pytest.fixture(autouse=True)
def _fresh_names():
    dg.keras.clear_session()
    yield
