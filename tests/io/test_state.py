"""Nested training state ↔ JSON + arrays, exactly (what optimizer and callback states go through)."""

from __future__ import annotations

import json

import numpy as np

import deepglass as dg
from deepglass.io import flatten, load, save, unflatten


def test_round_trip_through_a_safetensors_file():
    tree = {
        "state": {0: {"step": 3, "exp_avg": np.arange(4.0, dtype=np.float32)}, 7: {"t": dg.ones(2)}},
        "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "params": [0, 7], "nesterov": False}],
        "best": float("inf"),
        "rng": dg.get_rng_state(),
        "none": None,
    }
    json_tree, arrays = flatten(tree, "@opt")
    tensors, metadata = load(save(arrays, {"tree": json.dumps(json_tree)}))
    back = unflatten(json.loads(metadata["tree"]), tensors)
    assert back["state"][0]["step"] == 3 and isinstance(back["state"][7]["t"], dg.Tensor)
    np.testing.assert_array_equal(back["state"][0]["exp_avg"], tree["state"][0]["exp_avg"])
    assert back["param_groups"][0]["betas"] == (0.9, 0.999) and back["best"] == float("inf")
    assert back["rng"] == tree["rng"] and back["none"] is None
    assert sorted(arrays) == ["@opt.state.0.exp_avg", "@opt.state.1.t"]
