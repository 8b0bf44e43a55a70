"""Keras layer names (channels_last images), each a thin front end over a dg.nn layer."""

from ..keras_tensor import Input, KerasTensor
from ..layer import Layer
from .attention import AdditiveAttention, Attention, MultiHeadAttention
from .conv import Conv1D, Conv2D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D
from .core import (
    ELU,
    Activation,
    Dense,
    Dropout,
    Embedding,
    Flatten,
    Identity,
    Lambda,
    LeakyReLU,
    PReLU,
    ReLU,
    Reshape,
    Softmax,
)
from .merging import Add, Average, Concatenate, Maximum, Minimum, Multiply, Subtract
from .noise import GaussianDropout, GaussianNoise, SpatialDropout2D
from .normalization import BatchNormalization, GroupNormalization, LayerNormalization
from .pooling import (
    AveragePooling1D,
    AveragePooling2D,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    MaxPooling1D,
    MaxPooling2D,
)
from .preprocessing import (
    CenterCrop,
    Normalization,
    RandomBrightness,
    RandomContrast,
    RandomCrop,
    RandomFlip,
    RandomRotation,
    RandomTranslation,
    RandomZoom,
    Rescaling,
    Resizing,
)
from .recurrent import GRU, LSTM, Bidirectional, SimpleRNN, TimeDistributed
from .reshaping import Cropping2D, Permute, UpSampling2D, ZeroPadding2D
from .sequence import (
    ActivityRegularization,
    AlphaDropout,
    Cropping1D,
    Dot,
    RepeatVector,
    SpatialDropout1D,
    UnitNormalization,
    UpSampling1D,
    ZeroPadding1D,
)
from .volume import (
    AveragePooling3D,
    AvgPool3D,
    Conv3D,
    Conv3DTranspose,
    Convolution3D,
    Convolution3DTranspose,
    GlobalAveragePooling3D,
    GlobalAvgPool3D,
    GlobalMaxPool3D,
    GlobalMaxPooling3D,
    MaxPool3D,
    MaxPooling3D,
    UpSampling3D,
    ZeroPadding3D,
)

Convolution2D = Conv2D
Convolution1D = Conv1D
MaxPool1D = MaxPooling1D
AvgPool1D = AveragePooling1D
GlobalAvgPool1D = GlobalAveragePooling1D
MaxPool2D = MaxPooling2D
AvgPool2D = AveragePooling2D
GlobalAvgPool2D = GlobalAveragePooling2D
