"""The nn layers on the GPU (CuPy): same results as on the CPU; skipped where no GPU is available."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass import nn

pytestmark = pytest.mark.skipif(not dg.is_available("cuda"), reason="needs CuPy and an NVIDIA GPU")


def _model():
    return nn.Sequential(nn.Linear(12, 16), nn.BatchNorm1d(16), nn.GELU(), nn.LayerNorm(16), nn.Dropout(0.0),
                         nn.Linear(16, 5))


def test_module_to_cuda_matches_cpu():
    cpu = _model()
    gpu = _model()
    gpu.load_state_dict(cpu.state_dict())
    weight = gpu[0].weight
    assert gpu.to("cuda") is gpu and weight.device == "cuda" and gpu[0].weight is weight
    assert gpu[1].running_mean.device == "cuda"
    x = np.random.randn(8, 12).astype(np.float32)
    y = np.random.randint(0, 5, 8)
    losses = []
    for model, device in ((cpu, "cpu"), (gpu, "cuda")):
        loss = nn.CrossEntropyLoss(label_smoothing=0.1)(model(dg.tensor(x, device=device)),
                                                        dg.tensor(y, device=device))
        loss.backward()
        losses.append(loss.item())
    assert losses[0] == pytest.approx(losses[1], rel=1e-5)
    for (name, p), q in zip(cpu.named_parameters(), gpu.parameters()):
        np.testing.assert_allclose(q.grad.numpy(), p.grad.numpy(), rtol=1e-4, atol=1e-6, err_msg=name)
    np.testing.assert_allclose(gpu[1].running_var.numpy(), cpu[1].running_var.numpy(), rtol=1e-5)
    state = gpu.state_dict()
    assert all(isinstance(v, np.ndarray) for v in state.values())
    gpu.cpu()
    assert gpu[0].weight.device == "cpu" and gpu[0].weight.grad.device == "cpu"


def test_losses_dropout_embedding_and_init_on_cuda():
    logits = dg.randn(6, 4, device="cuda", requires_grad=True)
    nn.BCEWithLogitsLoss(pos_weight=dg.ones(4, device="cuda"))(logits, dg.rand(6, 4, device="cuda")).backward()
    assert logits.grad.device == "cuda"
    dropped = nn.Dropout(0.5)(dg.ones(100, 100, device="cuda"))
    assert dropped.device == "cuda" and 0.4 < float((dropped.numpy() == 0).mean()) < 0.6
    emb = nn.Embedding(10, 3).to("cuda")
    out = emb(dg.tensor([[1, 2, 2]], device="cuda"))
    out.sum().backward()
    assert emb.weight.grad.numpy()[2].tolist() == [2.0, 2.0, 2.0]
    p = nn.Parameter(dg.zeros(64, 32, device="cuda"))
    nn.init.kaiming_normal_(p)
    assert p.device == "cuda" and p.numpy().std() > 0


def _cnn():
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1),  # 16×16 maps: one GEMM per sample; 27 weight columns: thin weight gradient
        nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 8, 3, padding=1, groups=2), nn.ReLU(),  # grouped, 8×8 maps: one GEMM per batch block
        nn.Conv2d(8, 16, 3, stride=2),  # strided: the compact layout
        nn.ConvTranspose2d(16, 4, 3, stride=2),
        nn.AvgPool2d(2, ceil_mode=True), nn.Flatten(), nn.Linear(64, 5))


def test_cnn_layers_on_cuda_match_cpu():
    """Every convolution path (per sample, per block, wide and compact, transposed), pooling and BatchNorm give
    the CPU's loss and gradients on the GPU."""
    cpu, gpu = _cnn(), _cnn()
    gpu.load_state_dict(cpu.state_dict())
    gpu.to("cuda")
    x = np.random.randn(4, 3, 16, 16).astype(np.float32)
    y = np.random.randint(0, 5, 4)
    losses = []
    for model, device in ((cpu, "cpu"), (gpu, "cuda")):
        out = model(dg.tensor(x, device=device))
        assert out.shape == (4, 5) and out.device == device
        loss = nn.CrossEntropyLoss()(out, dg.tensor(y, device=device))
        loss.backward()
        losses.append(loss.item())
    assert losses[0] == pytest.approx(losses[1], rel=1e-5)
    for (name, p), q in zip(cpu.named_parameters(), gpu.parameters()):
        assert q.grad.device == "cuda"
        np.testing.assert_allclose(q.grad.numpy(), p.grad.numpy(), rtol=1e-4, atol=1e-5, err_msg=name)
