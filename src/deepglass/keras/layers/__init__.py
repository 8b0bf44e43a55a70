"""Keras layer names (channels_last images), each a thin front end over a dg.nn layer."""

from ..keras_tensor import Input, KerasTensor
from ..layer import Layer
from .conv import Conv2D, Conv2DTranspose
from .core import Activation, Dense, Dropout, Flatten, LeakyReLU, ReLU, Reshape, Softmax
from .merging import Add, Concatenate
from .normalization import BatchNormalization
from .pooling import AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPooling2D
from .preprocessing import (
    CenterCrop,
    RandomContrast,
    RandomFlip,
    RandomRotation,
    RandomTranslation,
    RandomZoom,
    Rescaling,
    Resizing,
)
from .reshaping import UpSampling2D

Convolution2D = Conv2D
MaxPool2D = MaxPooling2D
AvgPool2D = AveragePooling2D
GlobalAvgPool2D = GlobalAveragePooling2D
