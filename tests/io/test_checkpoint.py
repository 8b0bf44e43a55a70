"""dg.save / dg.load: torch.save / torch.load for state dicts and checkpoints, with no pickle."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass import nn


def _model():
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))


def test_state_dicts_of_a_model_and_its_optimizer_round_trip(tmp_path):
    model = _model()
    opt = dg.optim.Adam(model.parameters(), lr=0.01, amsgrad=True)
    for _ in range(2):
        opt.zero_grad()
        model(dg.randn(5, 3)).sum().backward()
        opt.step()
    dg.save({"epoch": 2, "model": model.state_dict(), "optimizer": opt.state_dict(), "best": float("inf")},
            tmp_path / "ckpt.pt")
    checkpoint = dg.load(tmp_path / "ckpt.pt")
    assert checkpoint["epoch"] == 2 and checkpoint["best"] == float("inf")
    twin = _model()
    twin.load_state_dict(checkpoint["model"])
    twin_opt = dg.optim.Adam(twin.parameters(), lr=0.5)
    twin_opt.load_state_dict(checkpoint["optimizer"])
    assert twin_opt.param_groups[0]["lr"] == 0.01 and twin_opt.param_groups[0]["amsgrad"] is True
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(twin.state_dict()[key], value)
    ours, theirs = opt.state_dict()["state"], twin_opt.state_dict()["state"]
    assert ours.keys() == theirs.keys()
    for index, state in ours.items():
        np.testing.assert_array_equal(theirs[index]["max_exp_avg_sq"], state["max_exp_avg_sq"])


def test_a_tensor_and_nested_containers_come_back_as_they_were(tmp_path):
    t = dg.tensor([[1.5, -2.0]], dtype=np.float64)
    dg.save([t, (1, "a"), {3: np.arange(3)}], tmp_path / "x.safetensors")
    loaded = dg.load(tmp_path / "x.safetensors")
    assert isinstance(loaded[0], dg.Tensor) and loaded[0].dtype == np.float64 and loaded[0].tolist() == [[1.5, -2.0]]
    assert loaded[1] == (1, "a") and loaded[2][3].tolist() == [0, 1, 2]


def test_what_cannot_be_saved_or_loaded_is_a_clear_error(tmp_path):
    with pytest.raises(TypeError, match=r"save Sequential\.state_dict\(\), not the module itself"):
        dg.save(_model(), tmp_path / "m.pt")
    with pytest.raises(TypeError, match=r"dg\.save\('.*f\.pt'\): cannot save a builtin_function\w* at 'object\.f'"):
        dg.save({"f": print}, tmp_path / "f.pt")
    assert not (tmp_path / "f.pt").exists()
    dg.io.save_file({"w": np.ones(2)}, tmp_path / "plain.safetensors")
    with pytest.raises(ValueError, match=r"plain\.safetensors was not written by dg\.save.*load_file"):
        dg.load(tmp_path / "plain.safetensors")


def test_gpu_tensors_save_from_and_load_to_the_gpu(tmp_path):
    if not dg.is_available("cuda"):
        pytest.skip("needs CuPy and an NVIDIA GPU")
    model = _model().to("cuda")
    opt = dg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(dg.randn(4, 3, device="cuda")).sum().backward()
    opt.step()
    dg.save({"t": dg.ones(3, device="cuda"), "optimizer": opt.state_dict()}, tmp_path / "gpu.pt")
    on_cpu, on_gpu = dg.load(tmp_path / "gpu.pt"), dg.load(tmp_path / "gpu.pt", map_location="cuda")
    assert on_cpu["t"].device == "cpu" and on_gpu["t"].device == "cuda" and on_gpu["t"].tolist() == [1.0] * 3
    fresh = dg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    fresh.load_state_dict(on_cpu["optimizer"])
    assert all(dg.backend.device_of(s["momentum_buffer"]) == "cuda" for s in fresh.state.values())
