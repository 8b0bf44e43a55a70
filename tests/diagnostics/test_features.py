"""Feature maps, first-layer filters and learned features, checked against direct computation."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass.diagnostics import feature_maps, filter_grid, first_layer_filters, layer_features, tile


def _cnn():
    nn = dg.nn
    return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(4 * 4 * 4, 5), nn.ReLU(), nn.Linear(5, 2))


def test_feature_maps_equal_the_layer_output():
    model = _cnn()
    x = dg.randn(2, 3, 8, 8)
    with dg.no_grad():
        expected = dg.relu(model[0](x)).numpy()
    np.testing.assert_allclose(feature_maps(model, x[0], "1"), expected[0], rtol=1e-6)
    np.testing.assert_allclose(feature_maps(model, x, model[1]), expected, rtol=1e-6)
    with pytest.raises(KeyError, match="no layer named"):
        feature_maps(model, x, "9")


def test_first_layer_filters_are_a_copy_of_the_first_conv():
    model = _cnn()
    filters = first_layer_filters(model)
    np.testing.assert_array_equal(filters, model[0].weight.numpy())
    filters[...] = 0
    assert np.abs(model[0].weight.numpy()).sum() > 0
    mlp = dg.nn.Sequential(dg.nn.Linear(16, 3))
    assert first_layer_filters(mlp).shape == (3, 16)


def test_layer_features_default_to_the_input_of_the_last_layer():
    model = _cnn()
    x = np.random.default_rng(0).standard_normal((7, 3, 8, 8)).astype(np.float32)
    feats = layer_features(model, x, batch_size=3)  # three batches
    with dg.no_grad():
        expected = model[5](model[4](model[3](model[2](model[1](model[0](dg.tensor(x))))))).numpy()
    np.testing.assert_allclose(feats, expected, rtol=1e-5)
    assert layer_features(model, x, layer="2").shape == (7, 64)
    assert not model[6]._forward_hooks


def test_filter_grid_normalizes_each_filter_and_tiles():
    w = np.stack([np.full((1, 2, 2), v) + np.eye(2) for v in (0.0, 5.0, -3.0)])
    grid = filter_grid(w)  # 3 filters: 2 columns, 2 rows, 1 pixel of padding
    assert grid.shape == (5, 5)
    np.testing.assert_allclose(grid[:2, :2], np.eye(2))
    np.testing.assert_allclose(grid[:2, 3:], np.eye(2))  # the offset of 5 is gone
    assert tile(np.zeros((4, 3, 3)), ncols=4).shape == (3, 15)
    with pytest.raises(ValueError, match="input_shape"):
        filter_grid(np.zeros((2, 10)))


def test_diagnostics_accept_a_training_model_as_well_as_its_module():
    """What `fit` trained (a dg.Model or a Keras model) works wherever an nn.Module does."""
    from deepglass.diagnostics import first_layer_filters, grad_cam, layer_features, receptive_fields

    module = dg.nn.Sequential(dg.nn.Conv2d(1, 4, 3), dg.nn.ReLU(), dg.nn.Flatten(), dg.nn.Linear(4 * 6 * 6, 3))
    trained = dg.Model(module)
    x = np.random.default_rng(0).standard_normal((2, 1, 8, 8)).astype(np.float32)
    np.testing.assert_array_equal(first_layer_filters(trained), first_layer_filters(module))
    np.testing.assert_array_equal(layer_features(trained, x), layer_features(module, x))
    np.testing.assert_array_equal(grad_cam(trained, x), grad_cam(module, x))
    assert [r.rf for r in receptive_fields(trained)] == [r.rf for r in receptive_fields(module)]
