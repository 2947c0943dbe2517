"""The ``tinygrad-rnn`` command line: one module per command."""
