"""Reading weight files, timm/HF renaming, fitting state dicts to headless models, and the download cache."""

from __future__ import annotations

import hashlib
import sys

import numpy as np
import pytest

import deepglass as dg
from deepglass import io, models
from deepglass.models import weights

from . import torch_reference as ref


def test_safetensors_round_trip_into_a_headless_model(tmp_path):
    full = models.resnet18(small_input=True)
    path = tmp_path / "r18.safetensors"
    io.save_file(full.state_dict(), path)
    headless = models.resnet18(small_input=True, include_top=False, pooling="avg", weights=path)
    for key, value in headless.state_dict().items():
        np.testing.assert_array_equal(value, full.state_dict()[key])
    assert "fc.weight" not in headless.state_dict()


def test_wrong_num_classes_is_an_error_naming_the_key(tmp_path):
    path = tmp_path / "r18.safetensors"
    io.save_file(models.resnet18(small_input=True).state_dict(), path)
    with pytest.raises(RuntimeError, match=r"fc\.weight"):
        models.resnet18(small_input=True, num_classes=3, weights=path)


def test_unknown_format_and_missing_file_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.safetensors"):
        weights.read_state_dict(tmp_path / "nope.safetensors")
    (tmp_path / "w.npz").write_bytes(b"x")
    with pytest.raises(ValueError, match="w.npz"):
        weights.read_state_dict(tmp_path / "w.npz")


def test_pth_without_torch_asks_for_torch_and_never_unpickles(tmp_path, monkeypatch):
    (tmp_path / "w.pth").write_bytes(b"not read")
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch now raises ImportError
    with pytest.raises(ImportError, match="never unpickles"):
        weights.read_state_dict(tmp_path / "w.pth")


def test_pth_is_read_with_weights_only(torch, tmp_path):
    class Evil:
        def __reduce__(self):
            return (print, ("pickle code ran",))

    torch.save({"w": torch.ones(2), "evil": Evil()}, tmp_path / "evil.pth")
    with pytest.raises(Exception, match="(?i)weights_only|unsupported|global"):
        weights.read_state_dict(tmp_path / "evil.pth")
    torch.save({"state_dict": {"a": torch.arange(3.0), "b": torch.ones(2, dtype=torch.bfloat16)}}, tmp_path / "ok.pth")
    state = weights.read_state_dict(tmp_path / "ok.pth")
    np.testing.assert_array_equal(state["a"], [0, 1, 2])
    assert state["b"].dtype == np.float32


def test_googlenet_aux_heads_and_bn_counters_are_dropped():
    model = models.googlenet(num_classes=10)
    state = dict(model.state_dict())
    state["aux1.fc2.weight"] = np.zeros((10, 1024), np.float32)
    state["conv1.bn.num_batches_tracked"] = np.array(5)
    state = {f"module.{k}": v for k, v in state.items()}  # saved from DataParallel
    weights.load_pretrained(model, state)


def test_timm_vgg_head_convs_become_linear_layers():
    """timm stores VGG's first two Linear layers as 7x7 and 1x1 convs (pre_logits.fc1/fc2) and the last as head.fc."""
    rng = np.random.default_rng(0)
    fc1, fc2, fc3 = rng.random((6, 2, 7, 7)), rng.random((5, 6, 1, 1)), rng.random((3, 5))
    timm = {"features.0.weight": rng.random((2, 3, 3, 3)), "features.0.bias": rng.random(2),
            "pre_logits.fc1.weight": fc1, "pre_logits.fc1.bias": rng.random(6),
            "pre_logits.fc2.weight": fc2, "pre_logits.fc2.bias": rng.random(5),
            "head.fc.weight": fc3, "head.fc.bias": rng.random(3)}
    tv = weights.to_torchvision_layout(timm)
    assert sorted(tv) == sorted(["features.0.weight", "features.0.bias"]
                                + [f"classifier.{i}.{p}" for i in (0, 3, 6) for p in ("weight", "bias")])
    np.testing.assert_array_equal(tv["classifier.0.weight"], fc1.reshape(6, 98))  # (C, kh, kw) flattening order
    np.testing.assert_array_equal(tv["classifier.3.weight"], fc2.reshape(5, 6))
    np.testing.assert_array_equal(tv["classifier.6.bias"], timm["head.fc.bias"])


def _timm_mobilenet_v2(tv: dict) -> dict:
    """torchvision MobileNetV2 keys -> timm's mobilenetv2_100 (conv_stem, blocks.S.I.conv_pw/dw/pwl, conv_head)."""
    first = {0: "conv_stem.", 18: "conv_head."}
    bn = {0: "bn1.", 18: "bn2."}
    stage_of = [(s, i) for s, n in enumerate([1, 2, 3, 4, 3, 3, 1]) for i in range(n)]
    out = {}
    for key, value in tv.items():
        parts = key.split(".")
        if parts[0] == "classifier":
            out["classifier." + parts[-1]] = value
            continue
        f = int(parts[1])
        if f in first:
            out[(first if parts[2] == "0" else bn)[f] + parts[-1]] = value
            continue
        s, i = stage_of[f - 1]
        sub = ".".join(parts[3:-1])
        names = ({"0.0": "conv_dw", "0.1": "bn1", "1": "conv_pw", "2": "bn2"} if s == 0 else
                 {"0.0": "conv_pw", "0.1": "bn1", "1.0": "conv_dw", "1.1": "bn2", "2": "conv_pwl", "3": "bn3"})
        out[f"blocks.{s}.{i}.{names[sub]}.{parts[-1]}"] = value
    return out


def test_timm_mobilenet_v2_is_renamed_to_torchvision(tmp_path):
    tv = models.mobilenet_v2().state_dict()
    path = tmp_path / "model.safetensors"
    io.save_file(_timm_mobilenet_v2(tv), path)
    assert "features.1.conv.0.0.weight" not in weights.read_state_dict(path)
    loaded = models.mobilenet_v2(weights=path).state_dict()
    assert set(loaded) == set(tv)
    for key in tv:
        np.testing.assert_array_equal(loaded[key], tv[key], err_msg=key)


def test_timm_resnet_layout_is_torchvision_layout(torch, tmp_path):
    net = ref.randomize(torch, ref.BUILDERS["resnet18"](torch))  # timm's resnet18 uses the same names
    path = ref.save_state(torch, net, tmp_path / "model.safetensors")
    x = np.random.default_rng(0).standard_normal((1, 3, 32, 32)).astype(np.float32)
    with dg.no_grad():
        got = models.resnet18(weights=path).eval()(dg.tensor(x)).numpy()
    np.testing.assert_allclose(got, ref.logits(torch, net, x), atol=1e-4, rtol=0)


def test_download_weights_caches_and_checks_sha256(tmp_path):
    src = tmp_path / "src" / "tiny-00000000.safetensors"
    src.parent.mkdir()
    io.save_file({"w": np.arange(4, dtype=np.float32)}, src)
    digest = hashlib.sha256(src.read_bytes()).hexdigest()
    cache = tmp_path / "cache"
    path = weights.download_weights(src.as_uri(), sha256=digest, cache_dir=cache, progress=False)
    assert path.parent == cache and path.read_bytes() == src.read_bytes()
    src.unlink()  # the second call is served from the cache
    assert weights.download_weights(src.as_uri(), sha256=digest[:8], cache_dir=cache, progress=False) == path
    with pytest.raises(OSError, match="sha256"):
        weights.download_weights(src.as_uri(), sha256="deadbeef", cache_dir=cache, progress=False)
    assert not path.exists()  # a file failing its checksum is removed


def test_torchvision_file_name_prefix_is_checked(tmp_path):
    src = tmp_path / "net-0123abcd.safetensors"  # the name claims a sha256 prefix the content does not have
    io.save_file({"w": np.zeros(2, np.float32)}, src)
    with pytest.raises(OSError, match="0123abcd"):
        weights.download_weights(src.as_uri(), cache_dir=tmp_path / "cache", progress=False)


def test_every_published_architecture_has_a_builder():
    for arch in (*weights.TORCHVISION_URLS, *weights.TIMM_URLS):
        assert callable(getattr(models, arch))
    with pytest.raises(ValueError, match="lenet"):
        weights.resolve_weights("lenet5", "imagenet")
