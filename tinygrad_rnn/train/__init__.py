"""Training: tasks with their own success criteria, one model type, a loop that checkpoints.

Used by ``tinygrad-rnn train / evaluate / sample`` and by the demo; usable from Python::

    from tinygrad_rnn.train import Run, SequenceModel, make_task
"""
from .loop import Run
from .models import CELLS, SequenceModel, build_model
from .sample import sample_text
from .tasks import TASKS, Task, make_task

__all__ = ["Run", "SequenceModel", "build_model", "CELLS", "TASKS", "Task", "make_task", "sample_text"]
