"""Real datasets, each returned as `DatasetSplits` (train / val / test ArrayDatasets, class names, task).

    splits = dg.datasets.mnist(root="data/mnist")   # local files, else downloaded once and cached
    splits = dg.datasets.iris()                     # shipped inside the package

Files are looked for in `root` (else $DEEPGLASS_DATA, else ~/.cache/deepglass), then `root/<name>/`;
missing ones are downloaded into `root/<name>/`, checked against the published checksum and written
atomically. Offline, the error says which files to put where. Every reader validates what it reads and
raises `DataFileError` (naming the file and the problem) on truncated, corrupt or inconsistent files.
"""

from .cat_vs_noncat import cat_vs_noncat
from .cifar10 import cifar10
from .download import ChecksumError, RemoteFile, data_root, download_url, fetch, file_hash
from .errors import DataFileError
from .image_folder import ImageFolder, image_folder
from .iris import iris
from .medmnist import medmnist
from .medmnist3d import medmnist3d
from .mnist import fashion_mnist, mnist, read_idx
from .splits import DatasetSplits
from .tabular import csv
