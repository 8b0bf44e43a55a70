"""Learning-curve diagnosis on synthetic histories of each shape (real failing runs: test_failing_runs.py)."""

from __future__ import annotations

import math

import pytest

from deepglass.diagnostics import Diagnosis, Finding, diagnose


def _kinds(history) -> list[str]:
    return diagnose(history).kinds


def test_healthy_curves_are_ok():
    history = {"loss": [2.3, 1.0, 0.6, 0.45, 0.44], "val_loss": [2.3, 1.05, 0.65, 0.5, 0.49],
               "accuracy": [0.3, 0.8, 0.9, 0.95, 0.95], "val_accuracy": [0.3, 0.78, 0.89, 0.94, 0.94]}
    found = diagnose(history)
    assert found.kinds == ["ok"]
    assert found[0].severity == "ok"


def test_nan_loss_is_diverged_with_the_epoch():
    found = diagnose({"loss": [2.3, 7.5, math.nan, math.nan]})
    assert found.kinds[0] == "diverged"
    assert found[0].evidence["first_nonfinite_epoch"] == 2
    assert found[0].evidence["last_finite_loss"] == 7.5
    assert "learning rate" in found[0].message


def test_growing_loss_is_diverging():
    found = diagnose({"loss": [2.3, 2.0, 2.6, 3.5, 5.0]})
    assert "diverging" in found.kinds
    ev = found[0].evidence
    assert ev["first_loss"] == 2.3 and ev["min_loss"] == 2.0 and ev["last_loss"] == 5.0


def test_zigzag_loss_is_oscillating():
    found = diagnose({"loss": [2.3, 1.6, 2.2, 1.5, 2.1, 1.6, 2.0]})
    assert found.kinds[0] == "oscillating"
    assert found[0].evidence["fraction_of_steps_up"] == pytest.approx(0.5)


def test_flat_loss_points_at_low_learning_rate():
    found = diagnose({"loss": [2.3026, 2.3024, 2.3021, 2.3020]})
    assert found.kinds == ["flat"]
    assert "too low" in found[0].message
    assert abs(found[0].evidence["relative_drop"]) < 0.01


def test_rising_validation_loss_is_overfitting_with_remedies():
    found = diagnose({"loss": [2.0, 1.0, 0.5, 0.2, 0.1], "val_loss": [2.0, 1.1, 0.9, 1.2, 1.6]})
    assert "overfitting" in found.kinds
    f = found[found.kinds.index("overfitting")]
    assert f.evidence["best_val_epoch"] == 2
    assert f.evidence["val_rise_relative"] == pytest.approx(1.6 / 0.9 - 1)
    for remedy in ("L2", "dropout", "augment", "more data"):
        assert remedy in f.message


def test_widening_accuracy_gap_is_overfitting():
    history = {"loss": [1.0, 0.5, 0.3, 0.2], "accuracy": [0.6, 0.85, 0.95, 0.99],
               "val_accuracy": [0.58, 0.75, 0.78, 0.78]}
    found = diagnose(history)
    f = found[found.kinds.index("overfitting")]
    assert f.evidence["gap_end"] == pytest.approx(0.21)


def test_both_low_accuracies_are_underfitting():
    history = {"loss": [2.3, 1.9, 1.8, 1.78], "val_loss": [2.3, 1.9, 1.82, 1.8],
               "accuracy": [0.2, 0.4, 0.45, 0.46], "val_accuracy": [0.2, 0.39, 0.44, 0.45]}
    found = diagnose(history)
    assert "underfitting" in found.kinds
    f = found[found.kinds.index("underfitting")]
    assert f.evidence["train_accuracy"] == 0.46
    assert "bigger model" in f.message


def test_underfitting_from_loss_against_chance():
    found = diagnose({"loss": [2.3, 2.0, 1.9, 1.85]}, chance_loss=math.log(10))
    assert "underfitting" in found.kinds


def test_still_improving_is_reported_as_info():
    found = diagnose({"loss": [2.3, 0.9, 0.5, 0.3], "val_loss": [2.3, 1.0, 0.6, 0.4]})
    assert found.kinds == ["still_improving"]
    assert found[0].severity == "info"


def test_accepts_history_objects_and_prints_numbers():
    class History:
        history = {"loss": [1.0, 1.0, 1.0]}

    class Model:
        history = History()

    found = diagnose(Model())
    assert isinstance(found, Diagnosis) and isinstance(found[0], Finding)
    assert "relative_drop=0" in str(found)


def test_missing_loss_is_a_clear_error():
    with pytest.raises(ValueError, match="no 'loss'"):
        diagnose({"accuracy": [0.1, 0.2]})
    with pytest.raises(TypeError, match="History"):
        diagnose(42)


def test_exploded_loss_with_stuck_accuracy():
    history = {"loss": [54570.0, 18.4, 16.3], "accuracy": [0.092, 0.096, 0.098],
               "val_loss": [22.2, 22.8, 25.5], "val_accuracy": [0.087, 0.116, 0.107]}
    found = diagnose(history)
    assert found.kinds == ["exploded"]  # not 'overfitting': validation accuracy is not behind training
    assert found[0].evidence["best_accuracy"] == 0.098
