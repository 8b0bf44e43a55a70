"""The model zoo: LeNet-5, AlexNet, VGG, GoogLeNet, ResNet, MobileNetV2, U-Net; weight import; transfer learning.

    model = dg.models.resnet18(num_classes=2, in_channels=1, small_input=True)       # for 28x28 images
    backbone = dg.models.resnet50(weights="imagenet", include_top=False, pooling="avg")

Classifiers take Keras-applications options (num_classes, in_channels, include_top, pooling) and keep
torchvision's attribute names, so torchvision/timm state dicts load unchanged (see models.weights).
"""

from .alexnet import AlexNet, alexnet
from .googlenet import GoogLeNet, googlenet
from .head import GlobalPool
from .imagenet import IMAGENET_MEAN, IMAGENET_STD, decode_predictions, imagenet_classes, preprocess
from .lenet import LeNet5, lenet5
from .mobilenet import MobileNetV2, mobilenet_v2
from .resnet import ResNet, resnet18, resnet34, resnet50
from .segmentation import DiceBCELoss, dice_score, iou_score, overlay_mask
from .transfer import TransferModel, freeze, replace_head, set_trainable, stages, unfreeze, unfreeze_last
from .unet import UNet, unet
from .vgg import VGG, vgg11, vgg11_bn, vgg16, vgg16_bn
from .weights import download_weights, load_pretrained, read_state_dict, to_torchvision_layout

__all__ = [name for name in dir() if not name.startswith("_")]
