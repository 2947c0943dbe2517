"""Optimizers with PyTorch's update rules: ``opt = tg.optim.Adam(model.parameters(), lr=1e-3)``.

Each training step is ``opt.zero_grad(); loss.backward(); opt.step()``.
"""
from .adagrad import Adagrad
from .adam import Adam
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD
from . import lr_scheduler

__all__ = ["Optimizer", "SGD", "Adam", "RMSprop", "Adagrad", "lr_scheduler"]
