"""Keras' ``Bidirectional``: a recurrent layer read forwards and a copy read backwards."""
from __future__ import annotations

import copy
from typing import Any

from ...errors import ArgumentError, ArgumentTypeError
from ...errors import ShapeError
from ...nn.recurrent import merge_directions
from ...tensor import Tensor
from .base import Layer
from .recurrent import RNN

__all__ = ["Bidirectional"]


class Bidirectional(Layer):
    """``Bidirectional(layer, merge_mode='concat', weights=None, backward_layer=None)``.

    The backward layer is a copy of ``layer``'s configuration with ``go_backwards`` flipped and
    its own weights (built on the first call), unless ``backward_layer`` is given. With
    ``return_sequences`` the backward outputs are put back in the original time order before
    merging, so step t sees x_0…x_t forwards and x_t…x_{T−1} backwards.

    ``merge_mode``: ``"concat"`` ([fwd | bwd] on the last axis), ``"sum"``, ``"mul"``,
    ``"ave"``, or None (the list ``[fwd, bwd]``). With ``return_state`` the result is
    ``[output, *forward_states, *backward_states]`` (``output`` being two entries when
    merge_mode is None). A ``mask`` goes to both layers; as in Keras, masked steps of the
    returned sequences are zeros (``zero_output_for_mask`` follows ``return_sequences``).
    ``initial_state``: the forward layer's states, then the backward layer's.
    Weights: the forward layer's, then the backward layer's (``get_weights``/``set_weights``).
    """

    merge_modes = ("concat", "sum", "mul", "ave", None)

    def __init__(self, layer: RNN, merge_mode: str | None = "concat", weights: Any = None,
                 backward_layer: RNN | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(layer, RNN):
            raise ArgumentTypeError(f"Bidirectional: layer must be a recurrent layer (LSTM, GRU, SimpleRNN), "
                            f"got {type(layer).__name__}")
        if merge_mode not in self.merge_modes:
            raise ArgumentError(f"Bidirectional: merge_mode must be one of {self.merge_modes}, got {merge_mode!r}")
        if layer.built:
            raise ArgumentError("Bidirectional: wrap a layer that has not been called yet (it builds with the wrapper)")
        if backward_layer is None:
            backward_layer = copy.deepcopy(layer)
            backward_layer.go_backwards = not layer.go_backwards
            backward_layer.name = "backward_" + layer.name
        elif not isinstance(backward_layer, RNN):
            raise ArgumentTypeError(f"Bidirectional: backward_layer must be a recurrent layer, got {type(backward_layer).__name__}")
        if backward_layer.go_backwards == layer.go_backwards:
            raise ArgumentError("Bidirectional: backward_layer must have the opposite go_backwards of layer")
        for key in ("return_sequences", "return_state", "stateful"):
            if getattr(backward_layer, key) != getattr(layer, key):
                raise ArgumentError(f"Bidirectional: layer and backward_layer disagree on {key}")
        layer.name = layer.name if layer.name.startswith("forward_") else "forward_" + layer.name
        for sub in (layer, backward_layer):
            sub.zero_output_for_mask = sub.return_sequences    # as Keras forces it
        self.forward_layer = layer
        self.backward_layer = backward_layer
        self.merge_mode = merge_mode
        self.return_sequences, self.return_state = layer.return_sequences, layer.return_state
        self._initial_weights = weights

    def build(self, input_shape: tuple[int, ...]) -> None:
        pass    # the two layers build themselves on their first call

    def forward(self, inputs: Tensor, mask: Any = None, training: bool | None = None,
                initial_state: Any = None) -> Any:
        fw_init = bw_init = None
        if initial_state is not None:
            states = list(initial_state)
            if len(states) % 2:
                raise ShapeError(f"Bidirectional: initial_state must hold the forward states then the backward "
                                 f"ones (an even count), got {len(states)}")
            half = len(states) // 2
            fw_init, bw_init = states[:half], states[half:]
        fwd = self.forward_layer(inputs, mask=mask, training=training, initial_state=fw_init)
        bwd = self.backward_layer(inputs, mask=mask, training=training, initial_state=bw_init)
        if self._initial_weights is not None:
            weights, self._initial_weights = self._initial_weights, None
            self.set_weights(weights)
            return self.forward(inputs, mask=mask, training=training, initial_state=initial_state)
        fw_states: list = []
        bw_states: list = []
        if self.return_state:
            fwd, fw_states = fwd[0], fwd[1:]
            bwd, bw_states = bwd[0], bwd[1:]
        if self.return_sequences:
            # the go_backwards layer returns its steps in reading order: put them back at their t
            time = 0 if self.forward_layer.time_major else 1
            if self.backward_layer.go_backwards:
                bwd = bwd[:, ::-1] if time == 1 else bwd[::-1]
            else:
                fwd = fwd[:, ::-1] if time == 1 else fwd[::-1]
        out = merge_directions(fwd, bwd, self.merge_mode)
        if not self.return_state:
            return out
        head = list(out) if isinstance(out, list) else [out]
        return head + list(fw_states) + list(bw_states)

    def _record_losses(self, outputs: Any) -> None:
        super()._record_losses(outputs)

    def reset_states(self) -> None:
        self.forward_layer.reset_states()
        self.backward_layer.reset_states()

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return mask if self.return_sequences else None

    def extra_repr(self) -> str:
        return f"merge_mode={self.merge_mode!r}"
