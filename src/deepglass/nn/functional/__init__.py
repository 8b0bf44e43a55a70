"""Stateless neural-network maths (`import deepglass.nn.functional as F`); every layer is a thin Module over it."""

from .activation import *
from .attention import *
from .conv import *
from .dropout import *
from .embedding import *
from .linear import *
from .loss import *
from .loss_ranking import *
from .normalization import *
from .padding import *
from .pooling import *
from .vision import *
from .volume import *  # last: its interpolate also takes volumes
