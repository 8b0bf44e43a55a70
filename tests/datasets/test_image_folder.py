"""image_folder: class-per-folder PNG/JPEG trees (needs Pillow)."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass.datasets import DataFileError

Image = pytest.importorskip("PIL.Image", reason="image_folder needs Pillow (pip install 'deepglass[images]')")


def _tree(root, classes=("cats", "dogs"), n=3, size=(8, 6)):
    for c, name in enumerate(classes):
        (root / name).mkdir(parents=True)
        for k in range(n):
            arr = np.full((size[1], size[0], 3), 40 * c + k, dtype=np.uint8)
            Image.fromarray(arr).save(root / name / f"{k}.png")


def test_flat_tree_rgb_and_grayscale(tmp_path):
    _tree(tmp_path / "pets")
    s = dg.datasets.image_folder(tmp_path / "pets")
    assert s.class_names == ["cats", "dogs"] and s.task == "binary" and s.val is None and s.test is None
    assert s.train.x.shape == (6, 6, 8, 3) and s.train.x.dtype == np.uint8
    np.testing.assert_array_equal(s.train.y, [0, 0, 0, 1, 1, 1])
    assert s.train.x[4, 0, 0, 0] == 41
    g = dg.datasets.image_folder(tmp_path / "pets", color_mode="grayscale", image_size=(4, 5))
    assert g.train.x.shape == (6, 4, 5) and g.train.as_float().shape == (6, 1, 4, 5)


def test_split_folders_and_validation_split(tmp_path):
    _tree(tmp_path / "xray" / "train", ("NORMAL", "PNEUMONIA"), n=5)
    _tree(tmp_path / "xray" / "test", ("NORMAL", "PNEUMONIA"), n=2)
    s = dg.datasets.image_folder(tmp_path / "xray", validation_split=0.2)
    assert (len(s.train), len(s.val), len(s.test)) == (8, 2, 4)
    assert s.class_names == ["NORMAL", "PNEUMONIA"] and len(s.val.paths) == 2


def test_mixed_sizes_need_image_size_and_bad_files_are_named(tmp_path):
    _tree(tmp_path / "a", n=1)
    Image.fromarray(np.zeros((3, 3, 3), np.uint8)).save(tmp_path / "a" / "cats" / "small.png")
    with pytest.raises(ValueError, match="different sizes.*image_size"):
        dg.datasets.image_folder(tmp_path / "a")
    assert dg.datasets.image_folder(tmp_path / "a", image_size=4).train.x.shape == (3, 4, 4, 3)
    (tmp_path / "a" / "dogs" / "broken.png").write_bytes(b"\x89PNG not really")
    with pytest.raises(DataFileError, match=r"broken\.png: cannot decode"):
        dg.datasets.image_folder(tmp_path / "a", image_size=4)


def test_lazy_image_folder_with_prefetching_loader(tmp_path):
    _tree(tmp_path / "pets", n=4)
    ds = dg.datasets.ImageFolder(tmp_path / "pets", transform=dg.data.transforms.ToTensor())
    assert ds.classes == ["cats", "dogs"] and len(ds) == 8 and ds.targets == [0] * 4 + [1] * 4
    image, label = ds[5]
    assert image.shape == (3, 6, 8) and label == 1
    eager = dg.datasets.image_folder(tmp_path / "pets")
    batches = list(dg.data.DataLoader(ds, batch_size=3, prefetch=2))
    x = np.concatenate([b[0].numpy() for b in batches])
    np.testing.assert_allclose(x, eager.train.as_float(), atol=1e-6)
    assert np.concatenate([b[1].numpy() for b in batches]).tolist() == eager.train.y.tolist()
