"""A lookup table of vectors: token id -> learned embedding."""
from __future__ import annotations

from typing import Any

from ..arguments import positive_int
from ..errors import ArgumentError
from .. import backend
from ..errors import DtypeError
from ..tensor import Tensor
from . import init
from .module import Module, Parameter


class Embedding(Module):
    """``weight[indices]``: integer ids (any shape S) -> vectors (S..., embedding_dim).

    ``weight`` is (num_embeddings, embedding_dim), drawn from N(0, 1) like PyTorch. Its
    gradient adds up over repeated ids (a token seen twice gets both contributions).
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, device: str | None = None,
                 dtype: Any = None) -> None:
        super().__init__()
        self.num_embeddings = num_embeddings = positive_int(num_embeddings, "num_embeddings", "Embedding")
        self.embedding_dim = embedding_dim = positive_int(embedding_dim, "embedding_dim", "Embedding")
        self.weight = Parameter(init.initial_value(init.normal, (num_embeddings, embedding_dim), 1, dtype, device))

    def forward(self, indices: Any) -> Tensor:
        idx = indices.data if isinstance(indices, Tensor) else indices
        if not backend.is_array(idx):
            idx = backend.xp_for(self.weight.device).asarray(idx)
        if idx.dtype.kind not in "iu":
            raise DtypeError(f"Embedding: indices must be integers, got dtype {idx.dtype}")
        if idx.size:
            lo, hi = int(idx.min()), int(idx.max())
            if lo < 0 or hi >= self.num_embeddings:
                bad = lo if lo < 0 else hi
                raise ArgumentError(f"Embedding({self.num_embeddings}, {self.embedding_dim}): index {bad} is out of "
                                 f"range; ids must be in [0, {self.num_embeddings - 1}]")
        return self.weight[idx]

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}"
