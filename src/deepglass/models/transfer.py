"""Transfer learning: freeze a pretrained backbone, train a new head, then fine-tune the last blocks.

    backbone = dg.models.resnet18(weights="imagenet", include_top=False)     # (N, 512, h, w) features
    freeze(backbone)                                                         # no gradients, BN in inference mode
    model = TransferModel(backbone, num_classes=1, hidden=128)               # GAP -> Dense -> output
    ... train (only the head learns) ...
    unfreeze(backbone.layer4)                                                # or: unfreeze_last(backbone, 1)
    ... train again with a 10x smaller learning rate ...

A frozen BatchNorm layer stays in inference mode (running statistics used and never updated) even
when `model.train()` is called, as in Keras: its statistics belong to the pretraining data, and a few
small batches of the new task would wreck them. This is done by a forward pre-hook that resets
`training` to False before each call, so the rest of the model still trains normally.
"""

from __future__ import annotations

from .. import nn
from .head import GlobalPool

_BN_TYPES = tuple(getattr(nn, name) for name in ("BatchNorm1d", "BatchNorm2d", "BatchNorm3d") if hasattr(nn, name))


def _is_batch_norm(module) -> bool:
    return isinstance(module, _BN_TYPES) or type(module).__name__.startswith("BatchNorm")


def _force_eval(module, args) -> None:
    module.__dict__["training"] = False


def freeze(module: nn.Module) -> nn.Module:
    """Stop gradients to every parameter of `module` and keep its BatchNorm layers in inference mode."""
    module.requires_grad_(False)
    for m in module.modules():
        if _is_batch_norm(m) and getattr(m, "_frozen_bn_hook", None) is None:
            m.__dict__["_frozen_bn_hook"] = m.register_forward_pre_hook(_force_eval)
            m.__dict__["training"] = False
    return module


def unfreeze(module: nn.Module, train_bn: bool = False) -> nn.Module:
    """Let every parameter of `module` learn again (BN gamma/beta included).

    BatchNorm layers keep inference mode unless `train_bn=True` (the Keras advice for fine-tuning:
    updating statistics on the small new data set undoes what the backbone learned).
    """
    module.requires_grad_(True)
    if train_bn:
        for m in module.modules():
            handle = m.__dict__.pop("_frozen_bn_hook", None)
            if handle is not None:
                handle.remove()
    return module


def set_trainable(module: nn.Module, trainable: bool) -> nn.Module:
    """Keras' `layer.trainable = flag`: freeze (False) or unfreeze (True) `module`."""
    return unfreeze(module) if trainable else freeze(module)


def is_frozen_bn(module) -> bool:
    """True for a BatchNorm layer that `freeze` put in permanent inference mode."""
    return getattr(module, "_frozen_bn_hook", None) is not None


def stages(model: nn.Module) -> list[nn.Module]:
    """The backbone's blocks in order, for unfreezing the last few: ResNet layer1-4, GoogLeNet inception
    blocks, MobileNetV2 features, VGG/AlexNet conv groups (each ending in a max-pool)."""
    if hasattr(model, "layer4"):
        return [model.layer1, model.layer2, model.layer3, model.layer4]
    names = [n for n, _ in model.named_children() if n.startswith("inception")]
    if names:
        return [getattr(model, n) for n in names]
    features = getattr(model, "features", None)
    if features is None:
        raise ValueError(f"stages(): do not know the blocks of {type(model).__name__}; unfreeze sub-modules by hand")
    if type(model).__name__ == "MobileNetV2":
        return list(features.children())
    groups, current = [], []
    for layer in features.children():
        current.append(layer)
        if isinstance(layer, (nn.MaxPool2d, nn.AvgPool2d)):
            groups.append(nn.Sequential(*current))
            current = []
    if current:
        groups.append(nn.Sequential(*current))
    return groups


def unfreeze_last(model: nn.Module, n_blocks: int = 1, train_bn: bool = False) -> list[nn.Module]:
    """Unfreeze the last `n_blocks` of `stages(model)` (for fine-tuning); returns them."""
    blocks = stages(model)[-n_blocks:] if n_blocks > 0 else []
    for block in blocks:
        unfreeze(block, train_bn)
    return blocks


def replace_head(model: nn.Module, num_classes: int) -> nn.Linear:
    """Swap the final classifier layer of a zoo model (its `head_name`) for a fresh num_classes-way Linear."""
    path = getattr(model, "head_name", None)
    if path is None or not getattr(model, "include_top", True):
        raise ValueError(f"replace_head: {type(model).__name__} has no classifier head to replace")
    parent_path, _, name = path.rpartition(".")
    parent = model.get_submodule(parent_path)
    old = getattr(parent, name)
    new = nn.Linear(old.in_features, num_classes)
    setattr(parent, name, new)
    return new


class TransferModel(nn.Module):
    """A (usually frozen) backbone, then global average pooling -> Dense(hidden) -> ReLU -> Dropout -> output.

    Shape: (N, C, H, W) -> (N, num_classes). `backbone` returns a feature map (include_top=False) or
    pooled features (pooling='avg'); `hidden=0` goes straight from the pooled features to the output.
    """

    def __init__(self, backbone: nn.Module, num_classes: int, hidden: int = 256, dropout: float = 0.2,
                 num_features: int | None = None):
        super().__init__()
        self.backbone = backbone
        self.pool = GlobalPool("avg")
        features = num_features or getattr(backbone, "num_features", None)
        if features is None:
            raise ValueError("TransferModel: pass num_features (the backbone's output channels)")
        layers: list[nn.Module] = []
        if hidden:
            layers += [nn.Linear(features, hidden), nn.ReLU(), nn.Dropout(dropout)]
            features = hidden
        layers.append(nn.Linear(features, num_classes))
        self.head = nn.Sequential(*layers)

    def forward(self, x):
        x = self.backbone(x)
        return self.head(self.pool(x) if x.ndim == 4 else x)
