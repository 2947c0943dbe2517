"""Keras and TensorFlow 1 code, run as written on tinygrad_rnn.

``from tinygrad_rnn.keras import layers`` gives ``LSTM``, ``GRU``, ``SimpleRNN``,
``Bidirectional``, ``Dense``, ``Embedding`` and ``Masking`` with Keras' arguments, defaults and
weight layout, so a tf_keras model's ``get_weights()`` loads with ``set_weights()`` and gives
TensorFlow's numbers. :mod:`.regularizers`, :mod:`.constraints` and :mod:`.initializers` hold
Keras' weight options. ``docs/keras.md`` is the porting guide.
"""
from . import activations, constraints, initializers, layers, regularizers
from .models import Sequential

__all__ = ["activations", "constraints", "initializers", "layers", "regularizers", "Sequential"]
