"""Feeding data to models: datasets, samplers, the DataLoader, and batched transforms.

    loader = dg.data.DataLoader(dg.data.ArrayDataset(x, y), batch_size=128, shuffle=True)
    for xb, yb in loader: ...                     # Tensors: float32 / int64 (uint8 images stay uint8)

`dg.data.transforms` holds the torchvision-style transforms, which also run on whole batches.
"""

from . import transforms
from .collate import default_collate
from .dataloader import DataLoader
from .dataset import ArrayDataset, ConcatDataset, Dataset, Subset, TensorDataset, random_split
from .iterable import ChainDataset, IterableDataset
from .sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)
from .worker import WorkerInfo, get_worker_info
