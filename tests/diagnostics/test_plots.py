"""Every plot function returns a figure and writes a PNG (no pyplot, so any backend works)."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass import diagnostics as dgd

pytest.importorskip("matplotlib", reason="plots need matplotlib (pip install 'deepglass[plot]')")

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _assert_png(path, min_bytes: int = 2000):
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC
    assert len(data) > min_bytes


def test_plot_history_draws_train_and_validation(tmp_path):
    history = {"loss": [2.0, 1.0, 0.5], "val_loss": [2.1, 1.2, 0.9], "accuracy": [0.3, 0.7, 0.9],
               "val_accuracy": [0.3, 0.6, 0.8]}
    fig = dgd.plot_history(history, tmp_path / "curves.png")
    assert len(fig.axes) == 2
    assert [len(ax.lines) for ax in fig.axes] == [2, 2]
    np.testing.assert_array_equal(fig.axes[0].lines[1].get_ydata(), [2.1, 1.2, 0.9])
    _assert_png(tmp_path / "curves.png")
    fig = dgd.plot_history({"loss": [1.0, 0.5]})
    assert len(fig.axes) == 1


def test_plot_update_ratios(tmp_path):
    class Monitor:
        steps = [0, 10, 20]
        ratio_range = (1e-4, 1e-2)
        param_stats = {"0.weight": {"update_ratio": [1e-2, 3e-3, 1e-3]}, "0.bias": {"update_ratio": [0.1, 0.1, 0.1]}}

    fig = dgd.plot_update_ratios(Monitor(), tmp_path / "ratios.png")
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    assert len(ax.lines) == 2  # the weight, and the 1e-3 target line (biases are skipped)
    _assert_png(tmp_path / "ratios.png")


def test_plot_filters_from_linear_weights(tmp_path):
    weights = dg.randn(16, 28 * 28)
    fig = dgd.plot_filters(weights, tmp_path / "filters.png")
    image = fig.axes[0].images[0].get_array()
    assert image.shape == (4 * 29 - 1, 4 * 29 - 1)
    _assert_png(tmp_path / "filters.png")


def test_plot_filters_rgb_grid():
    grid = dgd.filter_grid(np.random.default_rng(0).standard_normal((10, 3, 5, 5)))
    assert grid.shape == (3 * 6 - 1, 4 * 6 - 1, 3)  # 10 filters: 4 columns, 3 rows
    assert grid.min() >= 0 and grid.max() <= 1


def test_plot_embeddings_and_single_embedding(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((60, 20))
    labels = np.repeat([0, 1, 2], 20)
    fig = dgd.plot_embeddings(x, x[:, :5], labels, tmp_path / "embed.png")
    assert len(fig.axes) == 2
    _assert_png(tmp_path / "embed.png")
    fig = dgd.plot_embedding(dgd.pca(x), labels, tmp_path / "one.png")
    assert fig.axes[0].collections[0].get_offsets().shape == (60, 2)


def test_plot_confusion_matrix_and_roc(tmp_path):
    fig = dgd.plot_confusion_matrix([0, 1, 1, 2], [0, 1, 2, 2], tmp_path / "cm.png", class_names=["a", "b", "c"])
    np.testing.assert_array_equal(fig.axes[0].images[0].get_array(), [[1, 0, 0], [0, 1, 1], [0, 0, 1]])
    _assert_png(tmp_path / "cm.png")
    fig = dgd.plot_roc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], tmp_path / "roc.png")
    assert "AUC = 0.750" in fig.axes[0].get_legend().get_texts()[0].get_text()
    _assert_png(tmp_path / "roc.png")


def test_plot_lr_find(tmp_path):
    result = dgd.LRFinderResult(list(np.logspace(-5, 0, 20)), list(np.linspace(2, 1, 20)), 1e-3, 1e-1)
    fig = result.plot(tmp_path / "lr.png")
    assert fig.axes[0].get_xscale() == "log"
    _assert_png(tmp_path / "lr.png")


def _small_cnn():
    nn = dg.nn
    return nn.Sequential(nn.Conv2d(3, 6, 3, padding=1), nn.ReLU(), nn.Conv2d(6, 6, 3, padding=1), nn.ReLU(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(6, 3))


def test_plot_filters_and_feature_maps_of_a_cnn(tmp_path):
    model = _small_cnn()
    fig = dgd.plot_filters(model, tmp_path / "filters.png")
    assert fig.axes[0].images[0].get_array().shape == (2 * 4 - 1, 3 * 4 - 1, 3)  # 6 RGB 3x3 filters: 2 rows of 3
    _assert_png(tmp_path / "filters.png", 1000)
    fig = dgd.plot_feature_maps(model, dg.randn(3, 10, 10), "1", tmp_path / "maps.png")
    assert sum(bool(ax.images) for ax in fig.axes) == 6
    _assert_png(tmp_path / "maps.png")


def test_plot_gradcam_overlays_each_input(tmp_path):
    model = _small_cnn()
    fig = dgd.plot_gradcam(model, dg.randn(5, 3, 10, 10), path=tmp_path / "cam.png", class_names=["a", "b", "c"])
    panels = [ax for ax in fig.axes if ax.images]
    assert len(panels) == 5 and all(len(ax.images) == 2 for ax in panels)  # image + heat map
    assert panels[0].get_title().startswith("class ")
    _assert_png(tmp_path / "cam.png")


def test_plot_erf(tmp_path):
    rows = dgd.erf_experiment(depths=(2, 3), inits=("uniform", "random"), size=16, n_samples=1)
    assert [r["theoretical"] for r in rows] == [5, 7, 5, 7]
    fig = dgd.plot_erf(rows, tmp_path / "erf.png")
    assert sum(bool(ax.images) for ax in fig.axes) == 4
    _assert_png(tmp_path / "erf.png")


def test_figures_display_as_png_in_ipython():
    interactiveshell = pytest.importorskip("IPython.core.interactiveshell")
    shell = interactiveshell.InteractiveShell.instance()
    try:
        fig = dgd.plot_history({"loss": [1.0, 0.5]})
        data, _ = shell.display_formatter.format(fig)
        assert data["image/png"][:8] == PNG_MAGIC
    finally:
        interactiveshell.InteractiveShell.clear_instance()
