"""The course examples, each run as a fast variant (few images, few epochs) against a real accuracy threshold.

The full runs and their figures are in docs/results.md; these check that every script still runs end to
end and learns something well above chance.
"""

from __future__ import annotations

import numpy as np
import pytest
from _examples import EXAMPLES, load_example


def test_perceptron_learns_and_or_but_not_xor():
    example = load_example("perceptron_xor")
    for task in ("AND", "OR"):
        result = example.train_perceptron(example.TARGETS[task])
        assert result["converged"] and result["accuracy"] == 1.0, task
    xor = example.train_perceptron(example.TARGETS["XOR"], epochs=50)
    assert not xor["converged"] and xor["epochs"] == 50 and xor["accuracy"] <= 0.75


def test_two_layer_network_learns_xor():
    example = load_example("perceptron_xor")
    result = example.train_mlp(example.TARGETS["XOR"], steps=1500)
    assert result["accuracy"] == 1.0 and result["loss"] < 0.1


def test_main_of_perceptron_prints_a_row_per_task(capsys):
    results = load_example("perceptron_xor").main(["--epochs", "20", "--steps", "300"])
    assert set(results) == {"AND", "OR", "XOR"}
    assert len(capsys.readouterr().out.strip().splitlines()) == 4


def test_linear_classifiers_on_mnist(shared_data, tmp_path, capsys):
    example = load_example("linear_classifiers_mnist")
    results = example.main(["--epochs", "2", "--limit", "3000", "--out", str(tmp_path)])
    single, softmax = results["logistic"], results["softmax"]
    assert single["test_accuracy"] >= single["baseline"] + 0.03  # clearly better than always saying "not 5"
    assert softmax["test_accuracy"] >= 0.78  # chance: 0.10
    assert softmax["templates"].shape == (10, 784) and softmax["losses"][1] < softmax["losses"][0]
    pytest.importorskip("matplotlib")
    assert (tmp_path / "weight_templates.png").stat().st_size > 1000


def test_mlp_on_mnist(shared_data):
    result = load_example("mlp_mnist").main(["--epochs", "2", "--limit", "3000", "--hidden", "128", "--lr", "3e-3"])
    assert result["train_size"] == 3000 and len(result["history"]) == 2
    assert result["history"][1]["loss"] < result["history"][0]["loss"]
    assert result["test_accuracy"] >= 0.78  # chance: 0.10


def test_cnn_on_mnist(shared_data):
    result = load_example("cnn_mnist").main(["--epochs", "2", "--limit", "1200", "--width", "8", "--no-augment",
                                             "--batch-size", "64", "--lr", "5e-3"])
    assert result["history"][1]["loss"] < result["history"][0]["loss"]
    assert result["test_accuracy"] >= 0.60


def test_cnn_model_shapes():
    import deepglass as dg

    model = load_example("cnn_mnist").ConvNet(width=4)
    assert model(dg.zeros((2, 1, 28, 28))).shape == (2, 10)


def test_course_l_layer_network_on_cat_vs_noncat_starts_learning(shared_data):
    example = load_example("catvnoncat_deep")
    model = example.make_model([12288, 20, 7, 5, 1])
    assert [m.out_features for m in model if hasattr(m, "out_features")] == [20, 7, 5, 1]
    result = example.main(["--iterations", "60"])  # the full 2,500 steps are in docs/results.md
    (first, cost0), (last, cost) = result["costs"][0], result["costs"][-1]
    assert (first, last) == (0, 59) and cost0 == pytest.approx(0.693, abs=0.02)  # starts at ln 2: p = 0.5
    assert cost < cost0 - 0.03


def test_logistic_regression_on_cat_vs_noncat(shared_data):
    result = load_example("catvnoncat_deep").main(["--layers", "12288", "1", "--iterations", "300", "--lr", "0.005"])
    assert result["train_accuracy"] >= 0.85  # majority class (non-cat): 0.656
    assert result["test_accuracy"] >= 0.6


def test_cnn_on_cat_vs_noncat(shared_data):
    args = ["--epochs", "5", "--width", "8", "--lr", "1e-2", "--weight-decay", "0"]
    result = load_example("cnn_catvnoncat").main(args)
    losses = [h["loss"] for h in result["history"]]
    assert losses[-1] < losses[0]
    assert result["train_accuracy"] >= 0.72  # majority class (non-cat): 0.656


def test_cnn_on_pneumonia(shared_data):
    result = load_example("cnn_pneumonia").main(["--epochs", "2", "--limit", "800", "--width", "8"])
    assert 1 <= result["best_epoch"] <= 2
    assert result["test_auc"] >= 0.65 and 0.0 <= result["test_accuracy"] <= 1.0


def test_learning_rate_sweep_shows_slow_and_good_rates(shared_data, tmp_path):
    results = load_example("hyperparameter_effects").main(
        ["--epochs", "3", "--train", "500", "--sweeps", "learning rate", "--out", str(tmp_path)]
    )["learning rate"]
    slow, good = results["lr=0.005"], results["lr=0.05"]
    assert slow["train_loss"][-1] > good["train_loss"][-1] + 0.5  # a tiny rate crawls
    assert good["val_accuracy"][-1] >= 0.75
    assert all(len(c["val_loss"]) == 3 and np.isfinite(c["val_loss"][0]) for c in results.values())


def test_examples_index_lists_every_script():
    index = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    scripts = sorted(p.name for p in EXAMPLES.glob("*.py"))
    assert len(scripts) >= 20
    missing = [name for name in scripts if f"]({name})" not in index]
    assert not missing, f"examples/README.md does not list: {', '.join(missing)}"


def test_iris_cross_validation_folds_partition_the_data_and_learn():
    example = load_example("iris_cross_validation")
    y = np.repeat(np.arange(3), 50)
    folds = example.stratified_folds(y, 5)
    assert sorted(np.concatenate(folds).tolist()) == list(range(150))
    assert all(np.bincount(y[f], minlength=3).tolist() == [10, 10, 10] for f in folds)
    accuracies = example.main(["--folds", "3", "--epochs", "15"])
    assert len(accuracies) == 3 and np.mean(accuracies) > 0.8
