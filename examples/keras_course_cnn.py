"""The course's Keras CNN, run on real MNIST with only the import lines changed.

    python examples/keras_course_cnn.py            # full MNIST, 3 epochs
    python examples/keras_course_cnn.py --fast     # a small subset (what the test runs)

Conv2D → BatchNormalization(momentum=0.95) → Activation('relu') → … → GlobalAveragePooling2D →
Dense(128, 'relu') → Dropout(0.5) → Dense(num_classes, 'softmax'), categorical_crossentropy + Adadelta.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import deepglass as dg

# --- the only lines changed from the Keras course code: the imports ---------------------------------
from deepglass.keras.layers import (
    Activation,
    BatchNormalization,
    Conv2D,
    Dense,
    Dropout,
    GlobalAveragePooling2D,
    MaxPooling2D,
)
from deepglass.keras.models import Sequential
from deepglass.keras.optimizers import Adadelta
from deepglass.keras.utils import to_categorical

DATA = Path(os.environ.get("DEEPGLASS_SHARED_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data"))


def load(fast: bool):
    splits = dg.datasets.mnist(root=DATA, download=False)
    x_train, y_train, x_test, y_test = splits.train.x, splits.train.y, splits.test.x, splits.test.y
    if fast:
        x_train, y_train, x_test, y_test = x_train[:768], y_train[:768], x_test[:256], y_test[:256]
    return x_train, y_train, x_test, y_test


def main(argv=None) -> dict:
    args = argparse.ArgumentParser(description=__doc__).parse_known_args(argv)[1]
    fast = "--fast" in args
    dg.manual_seed(0)
    x_train, y_train, x_test, y_test = load(fast)

    # ---- from here on: the course code, unchanged ------------------------------------------------
    num_classes = 10
    batch_size = 64
    epochs = 2 if fast else 3
    img_rows, img_cols = 28, 28
    x_train = x_train.reshape(x_train.shape[0], img_rows, img_cols, 1).astype("float32") / 255
    x_test = x_test.reshape(x_test.shape[0], img_rows, img_cols, 1).astype("float32") / 255
    input_shape = (img_rows, img_cols, 1)
    y_train = to_categorical(y_train, num_classes)
    y_test = to_categorical(y_test, num_classes)

    model = Sequential()
    model.add(Conv2D(32, (3, 3), input_shape=input_shape))
    model.add(BatchNormalization(momentum=0.95))
    model.add(Activation("relu"))
    model.add(MaxPooling2D(pool_size=(2, 2)))
    model.add(Conv2D(64, (3, 3)))
    model.add(BatchNormalization(momentum=0.95))
    model.add(Activation("relu"))
    model.add(GlobalAveragePooling2D())
    model.add(Dense(128, activation="relu"))
    model.add(Dropout(0.5))
    model.add(Dense(num_classes, activation="softmax"))
    model.summary()

    # The course ran Keras 2, where Adadelta() meant learning_rate=1.0; deepglass follows Keras 3 (0.001),
    # so the one non-import change is spelling that rate out.
    model.compile(loss="categorical_crossentropy", optimizer=Adadelta(learning_rate=1.0), metrics=["accuracy"])
    history = model.fit(
        x_train, y_train, batch_size=batch_size, epochs=epochs, verbose=1, validation_data=(x_test, y_test)
    )
    score = model.evaluate(x_test, y_test, verbose=0)
    print("Test loss:", score[0])
    print("Test accuracy:", score[1])
    return {"history": history.history, "test_loss": score[0], "test_accuracy": score[1]}


if __name__ == "__main__":
    main()
