"""What fit() accepts: arrays (split, shuffled reproducibly, cast like Keras), iterables and class weights."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass.training.data_adapter import adapt, class_weights_to_sample_weights, to_tensor


def test_validation_split_takes_the_last_samples_like_keras():
    x, y = np.arange(10, dtype=np.float32).reshape(10, 1), np.arange(10)
    train, val = adapt(x, y, batch_size=4, shuffle=True).split(0.3)
    assert train.n == 7 and [b[1].tolist() for b in val] == [[7, 8, 9]]
    dg.manual_seed(5)
    first = [b[1].tolist() for b in train]
    dg.manual_seed(5)
    assert [b[1].tolist() for b in train] == first and sorted(sum(first, [])) == list(range(7))


def test_casts_follow_keras():
    assert to_tensor(np.zeros(3, np.float64)).dtype == np.float32
    assert to_tensor(np.zeros(3, np.uint8)).dtype == np.float32
    assert to_tensor(np.zeros(3, np.int64), target=True).dtype == np.int64
    assert to_tensor(dg.zeros(2, dtype="float64")).dtype == np.float32


def test_class_weights_from_labels_or_one_hot():
    cw = {0: 0.5, 2: 3.0}
    np.testing.assert_array_equal(class_weights_to_sample_weights(np.array([0, 1, 2]), cw), [0.5, 1.0, 3.0])
    np.testing.assert_array_equal(class_weights_to_sample_weights(np.eye(3)[[2, 0]], cw), [3.0, 0.5])


def test_mismatched_lengths_and_y_with_a_loader_are_errors():
    with pytest.raises(ValueError, match="x has 4 samples but y has 3"):
        adapt(np.zeros((4, 2)), np.zeros(3))
    loader = dg.data.DataLoader(dg.data.ArrayDataset(np.zeros((4, 2)), np.zeros(4)), batch_size=2)
    with pytest.raises(ValueError, match="y must not be given"):
        adapt(loader, np.zeros(4))
    assert adapt(loader).steps == 2
