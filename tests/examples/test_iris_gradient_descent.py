"""The iris example: full-batch, mini-batch and online SGD all learn iris; smaller batches take more steps."""

from __future__ import annotations

import pytest
from _examples import load_example


@pytest.fixture(scope="module")
def example():
    return load_example("iris_gradient_descent")


@pytest.mark.parametrize(
    "batch_size, epochs, updates",
    [(None, 100, 100), (16, 30, 240), (1, 5, 600)],
    ids=["full-batch", "mini-batch", "online"],
)
def test_each_flavor_learns_iris(example, batch_size, epochs, updates):
    result = example.train(batch_size, epochs=epochs)
    assert result["updates"] == updates
    assert result["epoch_losses"][-1] < 0.5 * result["epoch_losses"][0]
    assert result["train_accuracy"] >= 0.9
    assert result["test_accuracy"] >= 0.85


def test_smaller_batches_make_more_progress_per_epoch(example):
    first_epoch = [example.train(bs, epochs=1)["epoch_losses"][0] for bs in (None, 16, 1)]
    assert first_epoch[0] > first_epoch[1] > first_epoch[2]


def test_main_prints_one_row_per_flavor(example, capsys):
    results = example.main(["--epochs", "2"])
    lines = capsys.readouterr().out.strip().splitlines()
    assert set(results) == {"full-batch", "mini-batch", "online"} and len(lines) == 4
    assert results["online"]["updates"] == 240 and results["full-batch"]["updates"] == 2
