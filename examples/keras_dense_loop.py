"""The course's dense network built in a loop, on real data (PneumoniaMNIST, pneumonia vs normal),
with only the import lines changed.

    python examples/keras_dense_loop.py            # all 3,882 training images, 10 epochs
    python examples/keras_dense_loop.py --fast     # what the test runs
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np

import deepglass as dg

# --- the only lines changed from the Keras course code: the imports ---------------------------------
from deepglass.keras.layers import Dense
from deepglass.keras.models import Sequential

DATA = Path(os.environ.get("DEEPGLASS_SHARED_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data"))


def load():
    data = np.load(DATA / "medmnist" / "pneumoniamnist.npz")
    flat = lambda images: images.reshape(len(images), -1).astype("float32") / 255  # noqa: E731
    return tuple(
        part
        for split in ("train", "val", "test")
        for part in (flat(data[f"{split}_images"]), data[f"{split}_labels"].astype("float32"))
    )


def main(argv=None) -> dict:
    args = argparse.ArgumentParser(description=__doc__).parse_known_args(argv)[1]
    fast = "--fast" in args
    dg.manual_seed(0)
    x_train, y_train, x_val, y_val, x_test, y_test = load()
    epochs = 2 if fast else 10
    if fast:  # a random half of the training images, so the test stays quick
        keep = np.random.default_rng(0).permutation(len(x_train))[:2048]
        x_train, y_train = x_train[keep], y_train[keep]

    # ---- from here on: the course code, unchanged ------------------------------------------------
    n_features = x_train.shape[1]
    model = Sequential()
    model.add(Dense(64, input_dim=n_features, activation="relu"))
    for units in [128, 512, 512, 128, 64]:
        model.add(Dense(units, activation="relu"))
    model.add(Dense(1, activation="sigmoid"))
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    model.summary()
    history = model.fit(x_train, y_train, epochs=epochs, batch_size=32, validation_data=(x_val, y_val), verbose=2)
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"Test accuracy: {accuracy:.4f}")
    return {"history": history.history, "test_loss": loss, "test_accuracy": accuracy}


if __name__ == "__main__":
    main()
