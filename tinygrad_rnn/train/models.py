"""The model every training task uses: (embedding) → recurrent layer(s) → linear head.

``SequenceModel`` keeps the arguments it was built with in ``config`` (a plain dict), so a
checkpoint can rebuild the same model with :func:`build_model` before loading its weights.
"""
from __future__ import annotations

from typing import Any

from ..arguments import positive_int
from ..errors import ArgumentError
from ..tensor import Tensor
from .. import nn

# --cell names: the layer class and the cell options each one stands for
CELLS: dict[str, tuple[str, dict[str, Any], str]] = {
    "rnn": ("RNN", {}, "Elman RNN, tanh"),
    "lstm": ("LSTM", {}, "LSTM (PyTorch's: forget gate, no peepholes)"),
    "peephole": ("LSTM", {"peepholes": True}, "LSTM with peephole connections (Graves 2013)"),
    "lstm1997": ("LSTM", {"forget_gate": False}, "the 1997 LSTM: no forget gate"),
    "gru": ("GRU", {}, "GRU (PyTorch's: reset after the recurrent product)"),
    "gru-cho": ("GRU", {"reset_after": False}, "GRU of Cho et al. 2014 (reset before the product)"),
}


class SequenceModel(nn.Module):
    """x (B, T, input_size) floats — or (B, T) token ids when ``vocab_size`` is given —
    → outputs (B, T, output_size) and the recurrent state.

    ``cell`` is one of :data:`CELLS`; ``cell_options`` adds keyword arguments for the cells
    (e.g. ``{"forget_bias": 1.0}``). The recurrent layer runs batch-first; ``lengths`` (B,)
    marks padded batches, and the last valid step's output is ``last(...)``.
    """

    def __init__(self, input_size: int, hidden_size: int, output_size: int, cell: str = "lstm",
                 num_layers: int = 1, vocab_size: int | None = None, embedding_dim: int | None = None,
                 fused: bool = True, cell_options: dict[str, Any] | None = None) -> None:
        super().__init__()
        if not isinstance(cell, str) or cell not in CELLS:
            raise ArgumentError(f"SequenceModel: unknown cell {cell!r}; choose from {', '.join(CELLS)}")
        input_size = positive_int(input_size, "input_size", "SequenceModel")
        hidden_size = positive_int(hidden_size, "hidden_size", "SequenceModel")
        num_layers = positive_int(num_layers, "num_layers", "SequenceModel")
        output_size = positive_int(output_size, "output_size", "SequenceModel")
        if vocab_size is not None:
            vocab_size = positive_int(vocab_size, "vocab_size", "SequenceModel")
        if embedding_dim is not None:
            embedding_dim = positive_int(embedding_dim, "embedding_dim", "SequenceModel")
        self.config = dict(input_size=input_size, hidden_size=hidden_size, output_size=output_size,
                           cell=cell, num_layers=num_layers, vocab_size=vocab_size,
                           embedding_dim=embedding_dim, fused=fused, cell_options=dict(cell_options or {}))
        layer_name, options, _ = CELLS[cell]
        options = {**options, **(cell_options or {})}
        if vocab_size is not None:
            self.embedding = nn.Embedding(vocab_size, embedding_dim or input_size)
            input_size = embedding_dim or input_size
        self.rnn = getattr(nn, layer_name)(input_size, hidden_size, num_layers=num_layers,
                                           batch_first=True, fused="auto" if fused else False, **options)
        self.head = nn.Linear(hidden_size, output_size)

    def forward(self, x: Any, lengths: Any = None, state: Any = None) -> tuple[Tensor, Any]:
        if self.config["vocab_size"] is not None:
            x = self.embedding(x)
        out, state = self.rnn(x, state, lengths=lengths)
        return self.head(out), state

    def last(self, x: Any, lengths: Any = None) -> Tensor:
        """The head applied to each sequence's last valid hidden state: (B, output_size)."""
        if self.config["vocab_size"] is not None:
            x = self.embedding(x)
        _, state = self.rnn(x, None, lengths=lengths)
        h_n = state[0] if isinstance(state, tuple) else state
        return self.head(h_n[-1])


def build_model(config: dict[str, Any]) -> SequenceModel:
    """Rebuild a model from its ``config`` (as stored in checkpoints)."""
    return SequenceModel(**config)
