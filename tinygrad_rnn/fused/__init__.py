"""Fused ops: whole-sequence RNN/LSTM/GRU kernels with hand-derived backward passes."""
from .sequence import GRUSequence, LSTMSequence, RNNSequence

__all__ = ["LSTMSequence", "GRUSequence", "RNNSequence"]
