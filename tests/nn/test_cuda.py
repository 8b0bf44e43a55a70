"""The nn layers on the GPU (CuPy): same results as on the CPU; skipped where no GPU is available."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass import nn

from .layercheck import check_device_parity

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


class _First(nn.Module):
    """The first output of a recurrent layer (the sequence output, or h of an LSTMCell)."""

    def __init__(self, layer):
        super().__init__()
        self.layer = layer

    def forward(self, *inputs):
        return self.layer(*inputs)[0]


class _GridSample(nn.Module):
    def forward(self, x, grid):
        return nn.functional.grid_sample(x, grid, padding_mode="reflection", align_corners=False)


def _pool_indices(*shape):
    """Where max_pool2d(2) of a random (N, C, H, W) map found its maxima: MaxUnpool2d's second input."""
    _, indices = nn.functional.max_pool2d(dg.tensor(_f(*shape)), 2, return_indices=True)
    return indices.numpy()


def _f(*shape, low=None):
    x = np.random.default_rng(sum(shape)).standard_normal(shape).astype(np.float32)
    return x if low is None else np.abs(x) + low


def _classes(n, c, *rest):
    return np.random.default_rng(n + c).integers(0, c, (n, *rest))


# every layer of nn: (factory, inputs); dropout runs in eval mode here (its masks come from each device's RNG)
LAYERS = {
    "linear": (lambda: nn.Linear(7, 5), [_f(4, 7)]),
    "linear_3d_no_bias": (lambda: nn.Linear(7, 5, bias=False), [_f(2, 3, 7)]),
    "conv1d": (lambda: nn.Conv1d(3, 4, 3, stride=2, padding=1, dilation=2), [_f(2, 3, 17)]),
    "conv2d_same_dilated": (lambda: nn.Conv2d(3, 6, 3, padding="same", dilation=2), [_f(2, 3, 11, 9)]),
    "conv2d_groups_stride": (lambda: nn.Conv2d(6, 6, 3, stride=2, padding=1, groups=3), [_f(2, 6, 12, 12)]),
    "conv2d_depthwise": (lambda: nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=False), [_f(2, 8, 10, 10)]),
    "conv2d_5x5_stride3": (lambda: nn.Conv2d(4, 8, 5, stride=3, padding=2), [_f(3, 4, 20, 17)]),
    "conv2d_3x3_wide": (lambda: nn.Conv2d(32, 32, 3, padding=1), [_f(4, 32, 16, 16)]),  # Winograd on the CPU
    "conv2d_1x1": (lambda: nn.Conv2d(16, 8, 1), [_f(2, 16, 7, 7)]),
    "conv_transpose2d": (lambda: nn.ConvTranspose2d(4, 3, 3, stride=2, padding=1, output_padding=1),
                         [_f(2, 4, 6, 5)]),
    "conv_transpose2d_groups": (lambda: nn.ConvTranspose2d(4, 6, 4, stride=2, groups=2, dilation=2),
                                [_f(2, 4, 5, 5)]),
    "maxpool2d": (lambda: nn.MaxPool2d(3, 2, 1, dilation=2, ceil_mode=True), [_f(2, 3, 13, 12)]),
    "maxpool1d": (lambda: nn.MaxPool1d(3, 2, ceil_mode=True), [_f(2, 3, 14)]),
    "avgpool2d": (lambda: nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False), [_f(2, 3, 12, 11)]),
    "avgpool1d": (lambda: nn.AvgPool1d(2), [_f(2, 3, 9)]),
    "adaptive_avgpool2d": (lambda: nn.AdaptiveAvgPool2d((3, 2)), [_f(2, 3, 10, 7)]),
    "global_avgpool2d": (lambda: nn.GlobalAvgPool2d(), [_f(2, 3, 5, 6)]),
    "upsample_nearest": (lambda: nn.Upsample(scale_factor=2), [_f(2, 3, 4, 5)]),
    "upsample_bilinear": (lambda: nn.Upsample(size=(7, 9), mode="bilinear"), [_f(2, 3, 4, 5)]),
    "upsample_bilinear_corners": (lambda: nn.UpsamplingBilinear2d(scale_factor=2), [_f(2, 3, 4, 5)]),
    "flatten_unflatten": (lambda: nn.Sequential(nn.Flatten(), nn.Unflatten(1, (5, 12))), [_f(2, 3, 4, 5)]),
    "batchnorm1d": (lambda: nn.BatchNorm1d(5), [_f(8, 5)]),
    "batchnorm1d_3d": (lambda: nn.BatchNorm1d(5, momentum=0.3), [_f(4, 5, 6)]),
    "batchnorm2d": (lambda: nn.BatchNorm2d(4), [_f(3, 4, 5, 6)]),
    "batchnorm2d_no_affine": (lambda: nn.BatchNorm2d(4, affine=False, eps=1e-3), [_f(3, 4, 5, 6)]),
    "layernorm": (lambda: nn.LayerNorm([4, 5]), [_f(3, 4, 5)]),
    "groupnorm": (lambda: nn.GroupNorm(2, 6), [_f(3, 6, 4, 4)]),
    "embedding": (lambda: nn.Embedding(10, 4, padding_idx=0), [_classes(3, 10, 5)]),
    "relu": (lambda: nn.ReLU(), [_f(4, 9)]),
    "relu6": (lambda: nn.ReLU6(), [_f(4, 9) * 4]),
    "leaky_relu": (lambda: nn.LeakyReLU(0.2), [_f(4, 9)]),
    "prelu": (lambda: nn.PReLU(3), [_f(2, 3, 4, 4)]),
    "elu": (lambda: nn.ELU(0.5), [_f(4, 9)]),
    "gelu": (lambda: nn.GELU(), [_f(4, 9)]),
    "gelu_tanh": (lambda: nn.GELU(approximate="tanh"), [_f(4, 9)]),
    "silu": (lambda: nn.SiLU(), [_f(4, 9)]),
    "sigmoid": (lambda: nn.Sigmoid(), [_f(4, 9)]),
    "tanh": (lambda: nn.Tanh(), [_f(4, 9)]),
    "softmax": (lambda: nn.Softmax(dim=1), [_f(4, 9)]),
    "log_softmax": (lambda: nn.LogSoftmax(dim=-1), [_f(4, 9)]),
    "softplus": (lambda: nn.Softplus(beta=2, threshold=3), [_f(4, 9) * 3]),
    "hardtanh": (lambda: nn.Hardtanh(-0.5, 0.5), [_f(4, 9)]),
    "dropouts_eval": (lambda: nn.Sequential(nn.Dropout(0.5), nn.Dropout2d(0.5), nn.AlphaDropout(0.5)),
                      [_f(2, 3, 4, 5)]),
    "dropout1d_eval": (lambda: nn.Dropout1d(0.5), [_f(2, 3, 4)]),
    "selu": (lambda: nn.SELU(), [_f(4, 6, 5)]),
    "celu": (lambda: nn.CELU(0.6), [_f(4, 6, 5)]),
    "softmin": (lambda: nn.Softmin(1), [_f(4, 6, 5)]),
    "softmax2d": (lambda: nn.Softmax2d(), [_f(2, 3, 4, 5)]),
    "shrinks": (lambda: nn.Sequential(nn.Softshrink(), nn.Hardshrink(0.2), nn.Tanhshrink()), [_f(4, 6, 5) * 2]),
    "threshold": (lambda: nn.Threshold(0.3, -2.0), [_f(4, 6, 5)]),
    "glu": (lambda: nn.GLU(1), [_f(4, 6, 5)]),
    "rrelu_eval": (lambda: nn.RReLU(), [_f(4, 6, 5)]),
    "maxunpool2d": (lambda: nn.MaxUnpool2d(2), [_f(2, 3, 4, 5), _pool_indices(2, 3, 8, 10)]),
    "pixel_shuffle": (lambda: nn.Sequential(nn.PixelShuffle(2), nn.PixelUnshuffle(2), nn.ChannelShuffle(4)),
                      [_f(2, 8, 5, 6)]),
    "bilinear": (lambda: nn.Bilinear(5, 4, 3), [_f(6, 5), _f(6, 4)]),
    "adaptive_pool1d": (lambda: nn.Sequential(nn.AdaptiveAvgPool1d(7), nn.AdaptiveMaxPool1d(5)), [_f(2, 3, 13)]),
    "lppool2d": (lambda: nn.LPPool2d(2, 3, 2), [_f(2, 3, 9, 8, low=0.1)]),
    "lppool1d": (lambda: nn.LPPool1d(2, 3), [_f(2, 3, 13, low=0.1)]),
    "conv_transpose1d": (lambda: nn.ConvTranspose1d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2),
                         [_f(2, 4, 7)]),
    "instancenorm2d_running": (lambda: nn.InstanceNorm2d(3, affine=True, track_running_stats=True),
                               [_f(2, 3, 5, 4)]),
    "instancenorm2d_running_eval": (lambda: nn.InstanceNorm2d(3, affine=True, track_running_stats=True),
                                    [_f(2, 3, 5, 4)]),
    "embedding_bag_max": (lambda: nn.EmbeddingBag(10, 4, mode="max"), [_classes(3, 10, 4)]),
    "embedding_bag_sum": (lambda: nn.EmbeddingBag(10, 4, mode="sum"), [_classes(3, 10, 4)]),
    "lstm_bidirectional": (lambda: _First(nn.LSTM(5, 6, num_layers=2, bidirectional=True, batch_first=True)),
                           [_f(3, 4, 5)]),
    "gru_bidirectional": (lambda: _First(nn.GRU(5, 6, num_layers=2, bidirectional=True)), [_f(4, 3, 5)]),
    "rnn_relu": (lambda: _First(nn.RNN(5, 6, num_layers=2, nonlinearity="relu")), [_f(4, 3, 5)]),
    "lstm_cell": (lambda: _First(nn.LSTMCell(4, 5)), [_f(3, 4)]),
    "gru_rnn_cells": (lambda: nn.Sequential(nn.GRUCell(4, 5), nn.RNNCell(5, 3)), [_f(3, 4)]),
    "conv3d": (lambda: nn.Conv3d(4, 6, 3, padding=1), [_f(2, 4, 6, 5, 7)]),
    "conv3d_groups_dilated": (lambda: nn.Conv3d(4, 6, (3, 2, 1), stride=(2, 1, 2), dilation=(1, 2, 1), groups=2,
                                                bias=False), [_f(2, 4, 7, 8, 6)]),
    "conv3d_same": (lambda: nn.Conv3d(8, 10, 3, padding="same"), [_f(1, 8, 18, 17, 19)]),
    "conv_transpose3d": (lambda: nn.ConvTranspose3d(4, 6, 3, stride=2, padding=1, output_padding=1),
                         [_f(2, 4, 4, 5, 3)]),
    "pools3d": (lambda: nn.Sequential(nn.MaxPool3d(3, 2, padding=1, ceil_mode=True),
                                      nn.AvgPool3d(2, 1, padding=1, count_include_pad=False),
                                      nn.AdaptiveAvgPool3d((3, 2, 4)), nn.AdaptiveMaxPool3d(2)), [_f(2, 3, 7, 9, 8)]),
    "batchnorm3d": (lambda: nn.BatchNorm3d(3), [_f(4, 3, 5, 4, 6)]),
    "upsample_trilinear": (lambda: nn.Upsample(scale_factor=(2, 1.5, 3), mode="trilinear"), [_f(2, 3, 4, 5, 6)]),
    "transformer_encoder": (lambda: nn.TransformerEncoder(nn.TransformerEncoderLayer(16, 4, 32, dropout=0.0), 2,
                                                          norm=nn.LayerNorm(16)), [_f(5, 3, 16)]),
    "transformer_encoder_norm_first": (lambda: nn.TransformerEncoderLayer(16, 4, 32, dropout=0.0, norm_first=True,
                                                                          activation="gelu", batch_first=True),
                                       [_f(3, 5, 16)]),
    "transformer": (lambda: nn.Transformer(16, 4, 1, 1, 32, dropout=0.0), [_f(5, 3, 16), _f(4, 3, 16)]),
    "multihead_attention": (lambda: _First(nn.MultiheadAttention(16, 4)),
                            [_f(5, 3, 16), _f(6, 3, 16), _f(6, 3, 17)[..., :16].copy()]),
    "grid_sample": (lambda: _GridSample(), [_f(2, 3, 5, 6), np.random.default_rng(0).uniform(
        -1.6, 1.6, (2, 4, 7, 2)).astype(np.float32)]),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_every_layer_on_cuda_matches_cpu(name):
    make, inputs = LAYERS[name]
    check_device_parity(make, inputs, "cuda", train="eval" not in name)


# every loss, with its options; (factory taking the device, inputs: input first, target second)
LOSSES = {
    "mse": (lambda d: nn.MSELoss(), [_f(4, 3), _f(4, 3)]),
    "mse_half_sum": (lambda d: nn.MSELoss(reduction="sum", factor=0.5), [_f(4, 3), _f(4, 3)]),
    "l1": (lambda d: nn.L1Loss(reduction="none"), [_f(4, 3), _f(4, 3)]),
    "smooth_l1": (lambda d: nn.SmoothL1Loss(beta=0.5), [_f(4, 3), _f(4, 3)]),
    "huber": (lambda d: nn.HuberLoss(delta=0.7, reduction="sum"), [_f(4, 3), _f(4, 3)]),
    "bce": (lambda d: nn.BCELoss(weight=dg.rand(3)), [1 / (1 + np.exp(_f(4, 3))), np.round(_f(4, 3, low=0) % 1)]),
    "bce_logits": (lambda d: nn.BCEWithLogitsLoss(weight=dg.rand(3), pos_weight=dg.tensor([1.0, 2.0, 3.0])),
                   [_f(4, 3) * 5, np.round(_f(4, 3, low=0) % 1)]),
    "cross_entropy": (lambda d: nn.CrossEntropyLoss(weight=dg.tensor([1.0, 2.0, 0.5, 1.0]), ignore_index=1,
                                                    label_smoothing=0.1), [_f(6, 4), _classes(6, 4)]),
    "cross_entropy_2d": (lambda d: nn.CrossEntropyLoss(reduction="none"), [_f(2, 4, 3, 5), _classes(2, 4, 3, 5)]),
    "cross_entropy_probabilities": (lambda d: nn.CrossEntropyLoss(label_smoothing=0.2),
                                    [_f(5, 4), np.full((5, 4), 0.25, dtype=np.float32)]),
    "nll": (lambda d: nn.NLLLoss(weight=dg.tensor([0.5, 1.0, 2.0, 1.0]), reduction="sum"),
            [_f(6, 4), _classes(6, 4)]),
    "kl_div": (lambda d: nn.KLDivLoss(reduction="batchmean"), [_f(4, 5), np.full((4, 5), 0.2, dtype=np.float32)]),
    "kl_div_log_target": (lambda d: nn.KLDivLoss(reduction="sum", log_target=True), [_f(4, 5), _f(4, 5) - 2]),
    "hinge_embedding": (lambda d: nn.HingeEmbeddingLoss(margin=0.5),
                        [_f(4, 5), np.sign(_f(5, 4)).reshape(4, 5).astype(np.float32)]),
    "multi_margin": (lambda d: nn.MultiMarginLoss(p=2, margin=0.8, weight=dg.tensor([1.0, 2.0, 1.0, 0.5])),
                     [_f(6, 4), _classes(6, 4)]),
    "dice": (lambda d: nn.DiceLoss(), [1 / (1 + np.exp(_f(2, 1, 6, 6))), np.round(_f(2, 1, 6, 6, low=0) % 1)]),
    "margin_ranking": (lambda d: nn.MarginRankingLoss(0.3), [_f(8), _f(9)[:8], np.sign(_f(10)[:8])]),
    "triplet_margin": (lambda d: nn.TripletMarginLoss(0.5, 1.0, swap=True), [_f(6, 5), _f(5, 6).T.copy(),
                                                                            _f(3, 10).reshape(6, 5)]),
    "triplet_with_distance": (lambda d: nn.TripletMarginWithDistanceLoss(swap=True, reduction="sum"),
                              [_f(6, 5), _f(5, 6).T.copy(), _f(3, 10).reshape(6, 5)]),
    "cosine_embedding": (lambda d: nn.CosineEmbeddingLoss(0.2, reduction="none"),
                         [_f(8, 5), _f(5, 8).T.copy(), np.sign(_f(12)[:8])]),
    "soft_margin": (lambda d: nn.SoftMarginLoss(), [3 * _f(5, 4), np.sign(_f(4, 5)).reshape(5, 4)]),
    "multilabel_soft_margin": (lambda d: nn.MultiLabelSoftMarginLoss(dg.tensor([0.5, 1.0, 2.0, 1.0])),
                               [_f(6, 4), (_f(4, 6).reshape(6, 4) > 0).astype(np.float32)]),
    "multilabel_margin": (lambda d: nn.MultiLabelMarginLoss(reduction="sum"),
                          [_f(4, 6), np.array([[3, 0, -1, 1, 1, 5], [2, 2, 4, -1, -1, -1], [-1, 0, 1, 2, 3, 4],
                                               [0, 1, 2, 3, 4, 5]])]),
    "poisson_nll": (lambda d: nn.PoissonNLLLoss(full=True),
                    [_f(6, 3), np.random.default_rng(0).poisson(2, (6, 3)).astype(np.float32)]),
    "gaussian_nll": (lambda d: nn.GaussianNLLLoss(full=True),
                     [_f(4, 3, 2), _f(2, 3, 4).reshape(4, 3, 2), _f(4, 3, 1, low=0.1)]),
}



@pytest.mark.parametrize("name", sorted(LOSSES))
def test_every_loss_on_cuda_matches_cpu(name):
    """The class weights are built on the CPU: `to('cuda')` on the loss moves them, as in PyTorch."""
    dg.manual_seed(0)
    make, inputs = LOSSES[name]
    check_device_parity(lambda: make("cuda"), inputs, "cuda")


def test_loss_weight_on_another_device_is_a_clear_error():
    loss = nn.CrossEntropyLoss(weight=dg.ones(3))
    with pytest.raises(RuntimeError, match=r"cross_entropy: weight is on cpu but the input is on cuda.*\.to\('cuda'\)"):
        loss(dg.randn(2, 3, device="cuda"), dg.tensor([0, 2], device="cuda"))
    loss.to("cuda")
    assert loss.weight.device == "cuda"
    assert loss(dg.randn(2, 3, device="cuda"), dg.tensor([0, 2], device="cuda")).device == "cuda"


def test_dropout_and_lazy_layers_train_on_cuda():
    x = dg.ones(64, 8, 6, 6, device="cuda", requires_grad=True)
    for layer in (nn.Dropout(0.5), nn.Dropout1d(0.5), nn.Dropout2d(0.5), nn.AlphaDropout(0.5)):
        y = layer(x.reshape(64, 8, 36) if isinstance(layer, nn.Dropout1d) else x)
        y.sum().backward()
        assert y.device == "cuda" and x.grad.device == "cuda"
        kept = y.numpy() == y.numpy().max()  # the kept entries are all scaled alike
        assert 0.3 < float(kept.mean()) < 0.7, layer
        x.grad = None
    lazy = nn.Sequential(nn.LazyConv2d(4, 3), nn.Flatten(), nn.LazyLinear(3)).to("cuda")
    out = lazy(dg.randn(2, 5, 7, 7, device="cuda"))
    assert out.shape == (2, 3) and all(p.device == "cuda" for p in lazy.parameters())
    assert lazy[0].weight.shape == (4, 5, 3, 3) and lazy[2].weight.shape == (3, 100)
