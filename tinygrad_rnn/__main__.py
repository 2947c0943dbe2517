"""``python -m tinygrad_rnn`` is the same as the ``tinygrad-rnn`` command."""
import sys

from .cli.main import main

sys.exit(main())
