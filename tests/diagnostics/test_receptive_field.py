"""Theoretical receptive fields against hand-computed values; effective ones measured by backprop."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass.diagnostics import effective_receptive_field, format_receptive_fields, receptive_fields


def _alexnet_features(nn):
    return nn.Sequential(
        nn.Conv2d(3, 8, 11, stride=4, padding=2), nn.ReLU(), nn.MaxPool2d(3, stride=2),
        nn.Conv2d(8, 8, 5, padding=2), nn.ReLU(), nn.MaxPool2d(3, stride=2),
        nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(),
        nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(),
        nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(3, stride=2),
    )


def _vgg16_features(nn):
    layers, channels = [], 3
    for block in (2, 2, 3, 3, 3):
        for _ in range(block):
            layers += [nn.Conv2d(channels, 4, 3, padding=1), nn.ReLU()]
            channels = 4
        layers.append(nn.MaxPool2d(2, 2))
    return nn.Sequential(*layers)


def test_alexnet_style_stack_matches_hand_computation():
    table = receptive_fields(_alexnet_features(dg.nn))
    convs_and_pools = [row for row in table if row.type != "ReLU"]
    # by hand: r += (k - 1) * jump; jump *= stride
    assert [row.rf[0] for row in convs_and_pools] == [11, 19, 51, 67, 99, 131, 163, 195]
    assert [row.jump[0] for row in convs_and_pools] == [4, 8, 8, 16, 16, 16, 16, 32]
    assert table[1].rf == table[0].rf  # ReLU keeps the field
    assert convs_and_pools[0].padding == (2, 2) and convs_and_pools[0].stride == (4, 4)
    # centre of the first unit: 0.5 + (5 - 2) * 1 = 3.5 after conv1, then + (1 - 0) * 4 = 7.5 after pool1
    assert convs_and_pools[0].start[0] == 3.5 and convs_and_pools[1].start[0] == 7.5


def test_vgg16_style_stack_matches_hand_computation():
    table = [row for row in receptive_fields(_vgg16_features(dg.nn)) if row.type != "ReLU"]
    expected = [3, 5, 6, 10, 14, 16, 24, 32, 40, 44, 60, 76, 92, 100, 132, 164, 196, 212]
    assert [row.size for row in table] == expected
    assert table[-1].jump == (32, 32)


def test_head_layers_are_global_and_table_prints():
    nn = dg.nn
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(), nn.Linear(2 * 6 * 6, 3))
    table = receptive_fields(model)
    assert [row.is_global for row in table] == [False, True, True]
    text = format_receptive_fields(table)
    assert "global" in text and "Conv2d" in text


def test_dilation_and_same_padding():
    class Fake:  # any layer with PyTorch's attribute names works
        def __init__(self, **kw):
            self.__dict__.update(kw)

    layers = [("a", Fake(kernel_size=3, stride=1, padding="same", dilation=2)),
              ("b", Fake(kernel_size=(3, 5), stride=(1, 2), padding=0, dilation=1))]
    table = receptive_fields(None, layers=layers)
    assert table[0].rf == (5, 5) and table[0].padding == (2, 2)
    assert table[1].rf == (7, 9) and table[1].jump == (1, 2)


@pytest.mark.parametrize("init", ["uniform", "random", "random+relu"])
def test_effective_field_is_much_smaller_than_theoretical(init):
    from deepglass.diagnostics import conv_stack

    model = conv_stack(10, init)
    erf = effective_receptive_field(model, (1, 48, 48), n_samples=4)
    assert erf.theoretical == 21
    assert erf.map.shape == (48, 48)
    assert erf.map.sum() == pytest.approx(1.0)
    assert erf.size < erf.theoretical  # 95% of the gradient lies well inside the theoretical square
    ch = 24
    outside = erf.map.copy()
    outside[ch - 10: ch + 11, ch - 10: ch + 11] = 0
    assert outside.sum() == 0  # nothing outside the theoretical field


def test_uniform_stack_erf_is_gaussian_like():
    from deepglass.diagnostics import conv_stack

    rows = {}
    for depth in (5, 20):
        erf = effective_receptive_field(conv_stack(depth, "uniform"), (1, 64, 64), n_samples=1)
        rows[depth] = erf
        # a sum of `depth` independent uniform {-1, 0, 1} steps: variance 2/3 per layer
        assert erf.std == pytest.approx(np.sqrt(depth * 2 / 3), rel=0.02)
    # the field grows like sqrt(depth), the theory linearly
    assert rows[20].size / rows[5].size < 2.5 < rows[20].theoretical / rows[5].theoretical + 1
    assert rows[20].fraction < rows[5].fraction < 1


def test_erf_leaves_model_gradients_alone():
    from deepglass.diagnostics import conv_stack

    model = conv_stack(3, "random")
    effective_receptive_field(model, (1, 16, 16), n_samples=2)
    assert all(p.grad is None for p in model.parameters())
