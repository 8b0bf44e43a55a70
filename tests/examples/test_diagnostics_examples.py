"""Fast variants of the diagnostics examples (examples/diagnostics_*.py) on the real data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from _examples import load_example

pytest.importorskip("matplotlib", reason="the examples draw plots: pip install 'deepglass[plot]'")


def _png(path: Path) -> None:
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", path


@pytest.mark.slow
def test_curves_example_diagnoses_each_failure(shared_data, tmp_path):
    found = load_example("diagnostics_curves").main(str(tmp_path), fast=True)
    assert set(found["huge learning rate (lr 50)"]) & {"diverged", "diverging", "oscillating", "exploded"}
    assert found["tiny learning rate (lr 1e-6)"] == ["flat"]
    assert "overfitting" in found["tiny training set (64 images)"]
    for i in range(4):
        _png(tmp_path / f"curves_{i}.png")


def test_monitor_example(shared_data, tmp_path):
    result = load_example("diagnostics_monitor").main(str(tmp_path), fast=True)
    _png(tmp_path / "update_ratios.png")
    assert result["monitor"].steps == [0, 5, 10, 15]  # 1024 images / 64 = 16 steps, every 5
    assert any("too high" in f for f in result["too_high"].flags())
    assert set(result["overhead"]) == {"every=1", "every=10", "seconds_off"}


def test_filters_example(shared_data, tmp_path):
    result = load_example("diagnostics_filters").main(str(tmp_path), fast=True)
    assert result["filters"].shape == (16, 1, 5, 5)
    assert result["maps"].shape == (16, 28, 28)
    for name in ("filters.png", "feature_maps_relu1.png", "feature_maps_relu2.png"):
        _png(tmp_path / name)


@pytest.mark.slow
def test_gradcam_example(shared_data, tmp_path):
    result = load_example("diagnostics_gradcam").main(str(tmp_path), fast=True)
    assert result["cams"].shape[1:] == (64, 64)
    assert 0 <= result["auc"] <= 1
    for name in ("roc.png", "confusion.png", "gradcam_cats.png"):
        _png(tmp_path / name)


def test_embedding_example(shared_data, tmp_path):
    scores = load_example("diagnostics_embedding").main(str(tmp_path), fast=True)
    inputs, features = scores["pca"]
    assert 0.1 < inputs <= 1 and 0.1 < features <= 1  # better than chance (0.1) in 2-D
    _png(tmp_path / "embedding_pca.png")


def test_receptive_field_example(shared_data, tmp_path):
    result = load_example("diagnostics_receptive_field").main(str(tmp_path), fast=True)
    rows = result["rows"]
    assert [r["theoretical"] for r in rows if r["init"] == "uniform"] == [11, 21]
    assert all(r["effective"] < r["theoretical"] for r in rows if r["depth"] == 10)
    assert result["trained"].theoretical == 24 and result["trained"].size < 24
    _png(tmp_path / "erf.png")


def test_lr_find_example(shared_data, tmp_path):
    result = load_example("diagnostics_lr_find").main(str(tmp_path), fast=True)
    assert 1e-5 < result["result"].suggestion < 10
    assert np.isfinite(result["history"]["loss"][-1])
    _png(tmp_path / "lr_find.png")


@pytest.mark.slow
def test_report_example(shared_data, tmp_path):
    result = load_example("diagnostics_report").main(str(tmp_path), fast=True)
    page = Path(result["path"]).read_text()
    for heading in (
        "What the curves say",
        "Layer monitors",
        "Learning-rate range test",
        "Model",
        "First-layer filters",
        "Confusion matrix",
        "Grad-CAM samples",
    ):
        assert f"<h2>{heading}</h2>" in page
