"""Image transforms with torchvision's names; random ones also run vectorized on whole batches.

    aug = T.Compose([T.RandomHorizontalFlip(), T.RandomAffine(10, translate=(0.1, 0.1))])
    x = aug(image)              # one C×H×W float image (array or Tensor)
    xb = aug(batch)             # N×C×H×W: per-sample random parameters, no Python loop over samples

Under the same seed the batch result equals transforming the samples one by one, in order.
Geometry is implemented here in NumPy/CuPy (inverse-affine sampling), with no SciPy or Pillow.
"""

from . import functional
from .affine import RandomAffine, RandomRotation
from .autoaugment import AutoAugment, AutoAugmentPolicy, RandAugment, TrivialAugmentWide
from .base import RandomTransform, SampleStream, Transform
from .blur import GaussianBlur
from .color import ColorJitter, Grayscale, RandomGrayscale
from .compose import Compose, Lambda, Normalize, ToTensor
from .containers import RandomApply, RandomChoice, RandomOrder
from .convert import ConvertImageDtype, PILToTensor, ToPILImage
from .crop_flip import (
    CenterCrop,
    RandomCrop,
    RandomHorizontalFlip,
    RandomResizedCrop,
    RandomVerticalFlip,
    Resize,
)
from .elastic import ElasticTransform
from .five_crop import FiveCrop, TenCrop
from .noise import GaussianNoise, RandomErasing
from .pad import Pad
from .perspective import RandomPerspective
from .photometric import (
    RandomAdjustSharpness,
    RandomAutocontrast,
    RandomEqualize,
    RandomInvert,
    RandomPosterize,
    RandomSolarize,
)
