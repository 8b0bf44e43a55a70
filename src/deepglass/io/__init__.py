"""Safe saving and loading: safetensors (NumPy-only reader/writer), atomic writes, a closed class registry.

No pickle anywhere. Weights go in safetensors buffers; architecture and training state go in its
`__metadata__` string map as JSON, and configs can only name registered deepglass classes.
"""

from .atomic import atomic_write
from .registry import lookup, register, registered
from .safetensors import SafetensorsError, load, load_file, read_metadata, save, save_file, serialize
from .state import flatten, unflatten

__all__ = [
    "SafetensorsError",
    "atomic_write",
    "flatten",
    "load",
    "load_file",
    "lookup",
    "read_metadata",
    "register",
    "registered",
    "save",
    "save_file",
    "serialize",
    "unflatten",
]
