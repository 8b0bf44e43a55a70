"""The torch.nn stand-ins in torch_reference.py equal torchvision's models (runs where torchvision imports).

torchvision does not install beside torch 2.13 in CI, so this check runs on machines that have it (e.g. a
GPU box): same state-dict keys and shapes, same parameter counts, and the same output with the same weights.
"""

from __future__ import annotations

import numpy as np
import pytest

from . import torch_reference as ref


@pytest.mark.parametrize("arch", list(ref.BUILDERS))
def test_reference_equals_torchvision(arch, torch):
    tvm = pytest.importorskip("torchvision.models", reason="torchvision is not installed")
    kwargs = {"aux_logits": False, "init_weights": False} if arch == "googlenet" else {}
    theirs = getattr(tvm, arch)(weights=None, **kwargs).eval()
    ours = ref.randomize(torch, ref.BUILDERS[arch](torch))
    assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == {
        k: tuple(v.shape) for k, v in theirs.state_dict().items()}
    assert sum(p.numel() for p in theirs.parameters()) == ref.TORCHVISION_PARAMS[arch]
    theirs.load_state_dict(ours.state_dict())
    x = np.random.default_rng(0).standard_normal((1, 3, 64, 64)).astype(np.float32)
    np.testing.assert_allclose(ref.logits(torch, ours, x), ref.logits(torch, theirs, x), atol=1e-5, rtol=0)
