"""The Keras-applications top options every zoo classifier shares: include_top, pooling, num_classes.

    include_top=True               the original classifier: (N, C, H, W) image -> (N, num_classes) logits
    include_top=False, pooling=None   the last feature map (N, C', H', W'), e.g. for U-Net-style decoders
    include_top=False, pooling='avg'  global average pooling -> (N, C') features, ready for a new Dense head
    include_top=False, pooling='max'  global max pooling -> (N, C')
"""

from __future__ import annotations

from .. import nn

POOLINGS = (None, "avg", "max")


def check_top_options(model: str, include_top: bool, pooling: str | None) -> None:
    """Refuse a pooling mode that does not exist, naming the model."""
    if pooling not in POOLINGS:
        raise ValueError(f"{model}: pooling must be one of {POOLINGS}, got {pooling!r}")


class GlobalPool(nn.Module):
    """Global average or max pooling over H and W: (N, C, H, W) -> (N, C). Has no weights."""

    def __init__(self, mode: str = "avg"):
        super().__init__()
        if mode not in ("avg", "max"):
            raise ValueError(f"GlobalPool: mode must be 'avg' or 'max', got {mode!r}")
        self.mode = mode

    def forward(self, x):
        if x.ndim != 4:
            raise ValueError(f"GlobalPool expects (N, C, H, W) input, got shape {x.shape}")
        return x.mean(axis=(2, 3)) if self.mode == "avg" else x.max(axis=(2, 3))

    def extra_repr(self) -> str:
        return f"mode={self.mode!r}"

