"""Benchmarks behind ``tinygrad-rnn bench``: they print figures, they never assert them."""
