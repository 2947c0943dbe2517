"""Exercises for lesson 11: stacked, bidirectional and stateful layers.

Replace each ``raise NotImplementedError`` with your code, then run ``tinygrad-rnn check 11``.
``lstm_shapes`` is worked out from the rules, not measured, and the other two are NumPy only:
the check runs them on fresh random sizes with tinygrad_rnn watched, and says so if a layer or
any other part of the library runs inside them.
"""
import numpy as np  # noqa: F401  (you will need it)


def lstm_shapes(T, B, I, H, num_layers=1, bidirectional=False, batch_first=False, proj_size=0):
    """The shapes ``tg.nn.LSTM(I, H, num_layers, batch_first=..., bidirectional=..., proj_size=...)``
    returns for a batched input, without running it.

    The input is (T, B, I), or (B, T, I) with ``batch_first``. Return a tuple of three shape
    tuples ``(output_shape, h_n_shape, c_n_shape)``. Remember: D = 2 when bidirectional;
    h is ``proj_size`` wide when ``proj_size > 0`` (else H) while c is always H wide; the
    states are never batch-first.
    """
    # TODO: work out D and the width of h, then build the three tuples
    raise NotImplementedError


def reverse_padded(x, lengths):
    """Reverse each sequence of a padded batch within its own length.

    ``x`` is a NumPy array (T, B, F) whose sequence b is real for t < lengths[b] and padding
    after. Return a new array of the same shape where sequence b holds its real steps in
    reverse order (x[lengths[b]-1, b], ..., x[0, b]) followed by its padding unchanged. This is
    the order in which a bidirectional layer's backward direction reads a padded sequence.
    Do not change ``x``.
    """
    # TODO: copy x, then for each b overwrite the first lengths[b] steps with the reversed ones
    raise NotImplementedError


def final_states_from_output(output, lengths, hidden_size):
    """Rebuild the top layer's final hidden states from a bidirectional layer's padded output.

    ``output`` is a NumPy array (T, B, 2H) from ``tg.nn.LSTM(..., bidirectional=True)`` run
    with ``lengths=``: at each step, the forward h in the first H features and the backward h
    in the last H. Return an array (2, B, H): row 0 the forward direction's final h of each
    sequence, row 1 the backward direction's (the last two rows of ``h_n``). Where did each
    direction take its last step for a sequence of length n?
    """
    # TODO: forward: the step n-1; backward: it started at n-1 and ended at ... ?
    raise NotImplementedError
