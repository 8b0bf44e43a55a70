"""Pretrained weights: read torchvision- or timm-layout state dicts and load them into zoo models.

    model = dg.models.resnet18(weights="resnet18-f37072fd.safetensors")    # a local file
    model = dg.models.resnet18(weights="imagenet")                          # downloaded once, cached, checked
    model = dg.models.resnet18(weights="imagenet", include_top=False, pooling="avg")   # a headless backbone

Files: `.safetensors` are read with deepglass.io's NumPy-only reader. `.pth`/`.pt`/`.bin` are PyTorch pickles,
so they are opened only through `torch.load(weights_only=True)` (torch's restricted unpickler) when torch
is installed; deepglass itself never unpickles. timm / Hugging Face safetensors files of the same
architecture (ResNet, VGG, MobileNetV2) are renamed to torchvision's layout. BatchNorm's
`num_batches_tracked` counters, the classifier of a headless model and GoogLeNet's auxiliary heads are
dropped or filled as the model needs; every other difference is an error listing the keys.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

# torchvision's ImageNet-1k weights (IMAGENET1K_V1). The 8 hex digits in each file name are the start of
# its sha256, which download_weights checks (torchvision's own rule).
TORCHVISION_URLS = {
    "alexnet": "https://download.pytorch.org/models/alexnet-owt-7be5be79.pth",
    "vgg11": "https://download.pytorch.org/models/vgg11-8a719046.pth",
    "vgg11_bn": "https://download.pytorch.org/models/vgg11_bn-6002323d.pth",
    "vgg16": "https://download.pytorch.org/models/vgg16-397923af.pth",
    "vgg16_bn": "https://download.pytorch.org/models/vgg16_bn-6c64b313.pth",
    "googlenet": "https://download.pytorch.org/models/googlenet-1378be20.pth",
    "resnet18": "https://download.pytorch.org/models/resnet18-f37072fd.pth",
    "resnet34": "https://download.pytorch.org/models/resnet34-b627a593.pth",
    "resnet50": "https://download.pytorch.org/models/resnet50-0676ba61.pth",
    "mobilenet_v2": "https://download.pytorch.org/models/mobilenet_v2-b0353104.pth",
}
# the same architectures as timm safetensors on the Hugging Face hub (no torch needed to read them)
TIMM_URLS = {
    "resnet18": "https://huggingface.co/timm/resnet18.tv_in1k/resolve/main/model.safetensors",
    "resnet34": "https://huggingface.co/timm/resnet34.tv_in1k/resolve/main/model.safetensors",
    "resnet50": "https://huggingface.co/timm/resnet50.tv_in1k/resolve/main/model.safetensors",
    "vgg11": "https://huggingface.co/timm/vgg11.tv_in1k/resolve/main/model.safetensors",
    "vgg16": "https://huggingface.co/timm/vgg16.tv_in1k/resolve/main/model.safetensors",
    "vgg16_bn": "https://huggingface.co/timm/vgg16_bn.tv_in1k/resolve/main/model.safetensors",
    "mobilenet_v2": "https://huggingface.co/timm/mobilenetv2_100.ra_in1k/resolve/main/model.safetensors",
}
_HEAD_PREFIXES = ("fc.", "classifier.")
_AUX_PREFIXES = ("aux1.", "aux2.")


# ---- reading files -------------------------------------------------------------------------------
def _torch_to_numpy(value) -> np.ndarray:
    value = value.detach().cpu()
    if str(value.dtype) == "torch.bfloat16":  # NumPy has no bfloat16
        value = value.float()
    return value.numpy()


def read_state_dict(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """{key: NumPy array} from a .safetensors file (NumPy-only) or a .pth/.pt/.bin file (torch's safe loader)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"weights file {path} does not exist")
    if path.suffix == ".safetensors":
        from ..io import load_file

        arrays, _ = load_file(path)
        return dict(arrays)
    if path.suffix in (".pth", ".pt", ".bin", ".ckpt"):
        try:
            import torch
        except ImportError as e:
            raise ImportError(f"{path.name} is a PyTorch pickle file: reading it needs torch (pip install torch), "
                              "or convert it once to .safetensors; deepglass never unpickles by itself") from e
        obj = torch.load(path, map_location="cpu", weights_only=True)
        for wrapper in ("state_dict", "model", "model_state_dict"):  # training checkpoints nest the weights
            if isinstance(obj, dict) and isinstance(obj.get(wrapper), dict):
                obj = obj[wrapper]
        if not isinstance(obj, dict):
            raise ValueError(f"{path.name} holds a {type(obj).__name__}, not a state dict of tensors")
        return {k: _torch_to_numpy(v) for k, v in obj.items() if hasattr(v, "detach")}
    raise ValueError(f"weights file {path.name}: unknown format {path.suffix!r} (use .safetensors or .pth)")


# ---- timm / Hugging Face layout -> torchvision layout --------------------------------------------
def _timm_vgg(state: dict) -> dict:
    out = {k: v for k, v in state.items() if k.startswith("features.")}
    pairs = {"pre_logits.fc1": "classifier.0", "pre_logits.fc2": "classifier.3", "head.fc": "classifier.6"}
    for timm_name, tv_name in pairs.items():  # timm stores the first two Linear layers as 7x7 and 1x1 convs
        if f"{timm_name}.weight" in state:
            w = state[f"{timm_name}.weight"]
            out[f"{tv_name}.weight"] = w.reshape(w.shape[0], -1)
            out[f"{tv_name}.bias"] = state[f"{timm_name}.bias"]
    return out


def _timm_mobilenet_v2(state: dict) -> dict:
    renames = {"conv_stem.": "features.0.0.", "bn1.": "features.0.1.", "conv_head.": "features.18.0.",
               "bn2.": "features.18.1.", "classifier.": "classifier.1."}  # fmt: skip
    stage_starts = np.cumsum([1, 1, 2, 3, 4, 3, 3])  # features index of each timm stage's first block
    in_block = {  # timm block part -> torchvision part: expand-less first block, then inverted residuals
        True: {"conv_dw.": "conv.0.0.", "bn1.": "conv.0.1.", "conv_pw.": "conv.1.", "bn2.": "conv.2."},
        False: {"conv_pw.": "conv.0.0.", "bn1.": "conv.0.1.", "conv_dw.": "conv.1.0.", "bn2.": "conv.1.1.",
                "conv_pwl.": "conv.2.", "bn3.": "conv.3."},
    }  # fmt: skip
    out = {}
    for key, value in state.items():
        m = re.match(r"blocks\.(\d+)\.(\d+)\.(.*)", key)
        if m:
            stage, index, rest = int(m[1]), int(m[2]), m[3]
            for old, new in in_block[stage == 0].items():
                if rest.startswith(old):
                    out[f"features.{stage_starts[stage] + index}.{new}{rest[len(old):]}"] = value
                    break
            else:
                out[key] = value  # left unmatched: load_state_dict will name it
            continue
        for old, new in renames.items():
            if key.startswith(old):
                out[new + key[len(old):]] = value
                break
        else:
            out[key] = value
    return out


def to_torchvision_layout(state: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Rename a timm/HF state dict to torchvision's keys (ResNet keys are already the same); strip 'module.'."""
    state = {re.sub(r"^(module|model)\.", "", k): v for k, v in state.items()}
    if any(k.startswith("pre_logits.") for k in state) or ("head.fc.weight" in state and "features.0.weight" in state):
        return _timm_vgg(state)
    if any(k.startswith("conv_stem.") for k in state):
        return _timm_mobilenet_v2(state)
    return state


def adapt_state_dict(model, state: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Fit a torchvision-layout state dict to `model`: drop what a headless/aux-less model lacks, fill counters."""
    own = model.state_dict()
    out = {}
    for key, value in state.items():
        if key in own:
            out[key] = value
        elif key.endswith("num_batches_tracked"):
            continue  # a counter our BatchNorm does not keep
        elif not getattr(model, "include_top", True) and key.startswith(_HEAD_PREFIXES):
            continue  # the classifier of a model built with include_top=False
        elif key.startswith(_AUX_PREFIXES):
            continue  # GoogLeNet's auxiliary classifiers (only used in training)
        else:
            out[key] = value  # unexpected: load_state_dict reports it
    for key, value in own.items():
        if key.endswith("num_batches_tracked") and key not in out:
            out[key] = np.zeros_like(value)
    return out


def load_pretrained(model, source, strict: bool = True):
    """Load weights (a file path, or a {key: array} dict) in torchvision or timm layout into `model`; returns it.

    Raises RuntimeError listing missing/unexpected keys and shape mismatches (e.g. num_classes != 1000:
    build the model with include_top=False, or load first and then `transfer.replace_head`).
    """
    state = read_state_dict(source) if isinstance(source, (str, os.PathLike)) else dict(source)
    state = adapt_state_dict(model, to_torchvision_layout(state))
    model.load_state_dict(state, strict=strict)
    return model


# ---- downloading ---------------------------------------------------------------------------------
def weights_dir(cache_dir: str | os.PathLike | None = None) -> Path:
    """Where downloaded weights live: `cache_dir`, else $DEEPGLASS_WEIGHTS, else ~/.cache/deepglass/weights."""
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    env = os.environ.get("DEEPGLASS_WEIGHTS")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "deepglass" / "weights"


def download_weights(url: str, sha256: str | None = None, cache_dir: str | os.PathLike | None = None,
                     filename: str | None = None, progress: bool = True) -> Path:
    """The cached copy of `url` (downloaded atomically the first time), checked against `sha256`.

    `sha256` may be the full digest or a prefix; torchvision file names carry one ('resnet18-f37072fd.pth'),
    which is checked when no digest is given. A mismatch deletes the file and raises.
    """
    from ..datasets.download import ChecksumError, download_url, file_hash

    name = filename or url.rstrip("/").split("/")[-1]
    if name == "model.safetensors":  # Hugging Face: keep repositories apart
        name = url.split("huggingface.co/")[-1].split("/resolve")[0].replace("/", "--") + ".safetensors"
    if sha256 is None:
        m = re.search(r"-([0-9a-f]{8,64})\.\w+$", name)
        sha256 = m[1] if m else None
    path = weights_dir(cache_dir) / name
    if not path.is_file():
        download_url(url, path, progress=progress)
    if sha256 is not None:
        actual = file_hash(path, "sha256")
        if not actual.startswith(sha256.lower()):
            path.unlink()
            raise ChecksumError(f"{path.name} from {url}: sha256 {actual} does not start with {sha256}; deleted it")
    return path


def resolve_weights(arch: str, weights) -> Path | dict:
    """`weights` as given to a model builder: 'imagenet' (downloaded), 'imagenet-timm', a path, or a dict."""
    if weights in ("imagenet", "IMAGENET1K_V1", "DEFAULT"):
        if arch not in TORCHVISION_URLS:
            raise ValueError(f"{arch}: no ImageNet weights are published for it; pass a file path instead")
        try:
            import torch  # noqa: F401  (torchvision's files are pickles: only torch's safe loader may open them)
        except ImportError:
            if arch in TIMM_URLS:
                return download_weights(TIMM_URLS[arch])
            raise ImportError(f"{arch}: torchvision's weights are .pth files that need torch to read; "
                              "install torch, or pass a .safetensors file") from None
        return download_weights(TORCHVISION_URLS[arch])
    if weights == "imagenet-timm":
        if arch not in TIMM_URLS:
            raise ValueError(f"{arch}: no timm safetensors weights known; choose from {sorted(TIMM_URLS)}")
        return download_weights(TIMM_URLS[arch])
    if isinstance(weights, dict):
        return weights
    return Path(weights)


def build(arch: str, model, weights=None):
    """Load `weights` (see resolve_weights) into a freshly built `model` of architecture `arch`."""
    if weights is None:
        return model
    return load_pretrained(model, resolve_weights(arch, weights))
