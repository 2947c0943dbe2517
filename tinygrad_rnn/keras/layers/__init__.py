"""Keras' layers with Keras' arguments, defaults and weights: ``from tinygrad_rnn.keras import layers``.

>>> from tinygrad_rnn.keras import layers
>>> lstm = layers.LSTM(32, return_sequences=True, dropout=0.2)
>>> y = lstm(x)                      # x (B, T, I): builds kernel (I, 128), recurrent_kernel (32, 128), bias (128,)
"""
from .base import Layer
from .core import Dense, Embedding, Masking
from .recurrent import GRU, LSTM, RNN, SimpleRNN
from .wrappers import Bidirectional

__all__ = ["Layer", "Dense", "Embedding", "Masking", "RNN", "SimpleRNN", "LSTM", "GRU", "Bidirectional"]
