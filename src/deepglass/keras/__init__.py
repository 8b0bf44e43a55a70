"""Keras spellings over deepglass: change only the import lines of Keras course code.

    from deepglass.keras import Sequential
    from deepglass.keras.layers import Conv2D, Dense, Flatten
    model = Sequential([Conv2D(32, (3, 3), activation="relu", input_shape=(28, 28, 1)), Flatten(),
                        Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=3, validation_split=0.1)

Layers are channels_last like Keras and wrap dg.nn layers; models are dg.nn Modules trained by the one
engine of `deepglass.training`. `load_model` rebuilds only registered deepglass layer classes.
"""

from ..training.saving import load_model
from . import activations, callbacks, datasets, initializers, layers, losses, metrics, optimizers, regularizers, utils
from .keras_tensor import Input, KerasTensor
from .layer import Layer, clear_session
from .models import Model, Sequential


class backend:
    """Keras's `keras.backend` namespace, reduced to what course code calls: `backend.clear_session()`."""

    clear_session = staticmethod(clear_session)
