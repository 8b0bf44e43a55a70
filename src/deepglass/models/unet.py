"""U-Net (Ronneberger et al., 2015): an encoder-decoder for segmentation with skip connections.

Each encoder stage is two 3x3 conv (+ BN) + ReLU and halves the size with a 2x2 max-pool; each decoder
stage doubles it (2x2 transposed conv, or bilinear upsampling + 1x1 conv), concatenates the encoder
feature map of the same size (the skip connection keeps fine detail) and applies two 3x3 convs again.
A 1x1 conv gives per-pixel logits: num_classes=1 for binary masks (train with BCEWithLogits and/or
Dice), num_classes=K for K-class masks (train with CrossEntropy). Channels double per level from
`base_channels`. H and W must be divisible by 2**depth.
"""

from __future__ import annotations

from .. import nn, ops


class DoubleConv(nn.Module):
    """(3x3 conv -> [BN] -> ReLU) twice; 'same' padding keeps H and W."""

    def __init__(self, in_channels: int, out_channels: int, batch_norm: bool = True):
        super().__init__()
        layers: list[nn.Module] = []
        for cin in (in_channels, out_channels):
            layers.append(nn.Conv2d(cin, out_channels, kernel_size=3, padding=1, bias=not batch_norm))
            if batch_norm:
                layers.append(nn.BatchNorm2d(out_channels))
            layers.append(nn.ReLU())
        self.block = nn.Sequential(*layers)

    def forward(self, x):
        return self.block(x)


class Up(nn.Module):
    """Double the size, halve the channels, join the skip connection, DoubleConv."""

    def __init__(self, in_channels: int, out_channels: int, batch_norm: bool = True, bilinear: bool = False):
        super().__init__()
        if bilinear:
            self.up = nn.Sequential(nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False),
                                    nn.Conv2d(in_channels, out_channels, kernel_size=1))  # fmt: skip
        else:
            self.up = nn.ConvTranspose2d(in_channels, out_channels, kernel_size=2, stride=2)
        self.conv = DoubleConv(2 * out_channels, out_channels, batch_norm)

    def forward(self, x, skip):
        return self.conv(ops.cat([skip, self.up(x)], 1))


class UNet(nn.Module):
    """Shape: (N, in_channels, H, W) -> (N, num_classes, H, W) logits (H, W divisible by 2**depth)."""

    def __init__(self, in_channels: int = 1, num_classes: int = 1, depth: int = 4, base_channels: int = 64,
                 batch_norm: bool = True, bilinear: bool = False):
        super().__init__()
        if depth < 1:
            raise ValueError(f"UNet: depth must be at least 1, got {depth}")
        self.depth, self.num_classes = depth, num_classes
        widths = [base_channels * 2**i for i in range(depth + 1)]
        self.inc = DoubleConv(in_channels, widths[0], batch_norm)
        self.pool = nn.MaxPool2d(2, 2)
        self.down = nn.ModuleList([DoubleConv(widths[i], widths[i + 1], batch_norm) for i in range(depth)])
        self.up = nn.ModuleList([Up(widths[i + 1], widths[i], batch_norm, bilinear) for i in reversed(range(depth))])
        self.outc = nn.Conv2d(widths[0], num_classes, kernel_size=1)

    def forward(self, x):
        size = 2**self.depth
        if x.ndim != 4 or x.shape[2] % size or x.shape[3] % size:
            raise ValueError(f"UNet(depth={self.depth}) needs (N, C, H, W) input with H and W divisible by {size}, "
                             f"got shape {x.shape}")
        skips = [self.inc(x)]
        for down in self.down:
            skips.append(down(self.pool(skips[-1])))
        x = skips.pop()
        for up in self.up:
            x = up(x, skips.pop())
        return self.outc(x)


def unet(in_channels: int = 1, num_classes: int = 1, depth: int = 4, base_channels: int = 64, batch_norm: bool = True,
         bilinear: bool = False) -> UNet:
    """U-Net; the 2015 paper's size is depth=4, base_channels=64 (about 31M parameters)."""
    return UNet(in_channels, num_classes, depth, base_channels, batch_norm, bilinear)
