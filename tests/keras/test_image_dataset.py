"""keras.utils.image_dataset_from_directory: a chest-X-ray-style folder tree, batch by batch, into fit."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass import keras
from deepglass.keras import layers as L
from deepglass.keras.utils import image_dataset_from_directory

Image = pytest.importorskip("PIL.Image", reason="decoding images needs Pillow (deepglass[images])")


def _tree(root, counts=(("NORMAL", 5), ("PNEUMONIA", 7))):
    """Class folders of PNGs of mixed sizes; each image's pixels are its class index times 100."""
    for k, (name, n) in enumerate(counts):
        (root / name).mkdir(parents=True)
        for i in range(n):
            Image.fromarray(np.full((10 + i, 12, 3), k * 100, np.uint8)).save(root / name / f"{i}.png")
    return root


def test_batches_shapes_labels_and_class_names(tmp_path):
    root = _tree(tmp_path / "train")
    ds = image_dataset_from_directory(root, image_size=(8, 6), batch_size=5, seed=0)
    assert ds.class_names == ["NORMAL", "PNEUMONIA"] and len(ds) == 3
    batches = list(ds)
    assert [len(y) for _, y in batches] == [5, 5, 2]
    x, y = batches[0]
    assert x.shape == (5, 8, 6, 3) and x.dtype == np.float32 and y.dtype == np.int64
    images, labels = np.concatenate([b[0] for b in batches]), np.concatenate([b[1] for b in batches])
    np.testing.assert_array_equal(images[:, 0, 0, 0], labels * 100.0)  # each image keeps its own label
    assert sorted(labels.tolist()) == [0] * 5 + [1] * 7
    gray = next(iter(image_dataset_from_directory(root, image_size=4, color_mode="grayscale", label_mode="binary",
                                                  shuffle=False)))
    assert gray[0].shape == (12, 4, 4, 1) and gray[1].shape == (12, 1) and gray[1].dtype == np.float32
    assert gray[1][:5].ravel().tolist() == [0.0] * 5  # shuffle=False: the files in class order
    onehot = next(iter(image_dataset_from_directory(root, label_mode="categorical", image_size=4, batch_size=None)))
    assert onehot[1].shape == (12, 2) and (onehot[1].sum(1) == 1).all()
    assert next(iter(image_dataset_from_directory(root, label_mode=None, image_size=4))).shape == (12, 4, 4, 3)


def test_validation_split_is_disjoint_and_seeded(tmp_path):
    root = _tree(tmp_path / "train")
    train, val = image_dataset_from_directory(root, image_size=4, validation_split=0.25, subset="both", seed=3)
    assert len(val.file_paths) == 3 and len(train.file_paths) == 9
    assert not set(train.file_paths) & set(val.file_paths)
    again = image_dataset_from_directory(root, image_size=4, validation_split=0.25, subset="validation", seed=3)
    assert again.file_paths == val.file_paths
    first, second = (np.concatenate([y for _, y in train]) for _ in range(2))
    assert sorted(first) == sorted(second)  # each epoch: the same files, reshuffled


def test_fit_on_a_directory_dataset(tmp_path):
    dg.manual_seed(0)
    root = _tree(tmp_path / "train")
    train, val = image_dataset_from_directory(root, image_size=(8, 8), batch_size=4, validation_split=0.25,
                                              subset="both", seed=1)
    model = keras.Sequential([L.Input((8, 8, 3)), L.Rescaling(1 / 255), L.Conv2D(2, 3, activation="relu"),
                              L.GlobalAveragePooling2D(), L.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(train, validation_data=val, epochs=2, verbose=0)
    assert len(history.history["val_accuracy"]) == 2 and model.global_step == 2 * len(train)


def test_bad_arguments_are_clear_errors(tmp_path):
    root = _tree(tmp_path / "train", counts=(("a", 1), ("b", 1), ("c", 1)))
    with pytest.raises(ValueError, match="validation_split with shuffle=True needs a seed"):
        image_dataset_from_directory(root, validation_split=0.2, subset="training")
    with pytest.raises(ValueError, match="label_mode='binary' needs 2 classes, found 3"):
        image_dataset_from_directory(root, label_mode="binary")
    with pytest.raises(ValueError, match=r"has class folders \['a', 'b', 'c'\]; missing \['d'\]"):
        image_dataset_from_directory(root, class_names=["a", "d"])
    with pytest.raises(FileNotFoundError, match="is not a folder"):
        image_dataset_from_directory(tmp_path / "nowhere")
