"""report(): one self-contained HTML page; rendered in headless Chromium without console errors."""

from __future__ import annotations

import re
import shutil
import subprocess

import numpy as np
import pytest

import deepglass as dg
from deepglass.diagnostics import LayerMonitor, report

pytest.importorskip("matplotlib", reason="the report's figures need matplotlib (pip install 'deepglass[plot]')")


class Run:
    """What report() reads from a training Model: `history` and `module`."""

    def __init__(self, module, history):
        self.module, self.history = module, history


class Flatten(dg.nn.Module):
    def forward(self, x):
        return x.reshape(len(x), -1)


def _mlp_run():
    nn = dg.nn
    module = nn.Sequential(Flatten(), nn.Linear(64, 16), nn.ReLU(), nn.Linear(16, 3))
    history = {"loss": [1.1, 0.7, 0.5, 0.45], "val_loss": [1.1, 0.8, 0.9, 1.1],
               "accuracy": [0.4, 0.7, 0.8, 0.85], "val_accuracy": [0.4, 0.65, 0.66, 0.64]}
    return Run(module, history)


def _external_references(page: str) -> list[str]:
    refs = re.findall(r'(?:src|href)\s*=\s*"([^"]*)"', page) + re.findall(r"url\(([^)]*)\)", page)
    return [r for r in refs if not r.startswith("data:")]


def test_report_is_self_contained_with_every_section(tmp_path):
    run = _mlp_run()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((30, 8, 8)).astype(np.float32)
    y = rng.integers(0, 3, 30)
    monitor = LayerMonitor(every=1, module=run.module)
    monitor.on_train_batch_begin(0)
    out = run.module(dg.tensor(x))
    out.sum().backward()
    monitor.on_train_batch_end(0, {"loss": 1.0})
    path = report(run, tmp_path / "run.html", x=x, y=y, monitor=monitor, class_names=["a", "b", "c"])
    page = (tmp_path / "run.html").read_text()
    assert path.endswith("run.html")
    for heading in ("What the curves say", "Learning curves", "Layer monitors", "Model", "First-layer filters",
                    "Confusion matrix"):
        assert f"<h2>{heading}</h2>" in page
    assert "overfitting" in page and "best_val_epoch=1" in page
    assert page.count("data:image/png;base64,") == 4
    assert _external_references(page) == []
    assert "<script" not in page
    assert "1,091 parameters" in page  # 64*16+16 + 16*3+3
    assert not list(tmp_path.glob("*.tmp"))  # written atomically, nothing left behind


def test_report_from_a_history_alone(tmp_path):
    report({"loss": [2.0, 1.0, 0.6]}, tmp_path / "h.html")
    page = (tmp_path / "h.html").read_text()
    assert "Learning curves" in page and "<h2>Model</h2>" not in page


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def _render(browser: str, html_path, profile) -> tuple[str, list[str]]:
    """The DOM Chromium built from the page, and every console message it logged."""
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
           "--enable-logging=stderr", "--v=0", "--dump-dom", html_path.resolve().as_uri()]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    return done.stdout, console


def test_report_renders_in_headless_chromium_without_console_errors(tmp_path):
    browser = _chromium()
    if browser is None:
        pytest.skip("headless Chromium is not installed (Debian: apt-get install -y chromium)")
    # the check itself must be able to fail: a page with a script error is caught
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><html><body><script>console.error('boom')</script></body></html>")
    _, console = _render(browser, bad, tmp_path / "profile-bad")
    assert any("boom" in line for line in console)

    run = _mlp_run()
    x = np.random.default_rng(0).standard_normal((12, 8, 8)).astype(np.float32)
    report(run, tmp_path / "run.html", x=x, y=np.arange(12) % 3)
    dom, console = _render(browser, tmp_path / "run.html", tmp_path / "profile")
    assert console == []
    assert "What the curves say" in dom and dom.count("<img") == 3
