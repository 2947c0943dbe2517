"""tinygrad_rnn: recurrent networks from scratch, on a small reverse-mode autograd engine.

>>> import tinygrad_rnn as tg
>>> x = tg.Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
>>> w = tg.randn(2, 3, requires_grad=True)
>>> (x @ w).tanh().sum().backward()
>>> x.grad.shape
(2, 2)
"""
from .allocator import keep_freed_memory as _keep_freed_memory

_keep_freed_memory()   # before any array exists: see allocator.py for why and how to opt out

from .backend import (cuda_is_available, get_default_device, get_rng_state, manual_seed,
                      set_default_device, set_rng_state)
from .dtypes import (bool_, float16, float32, float64, get_default_dtype, int32, int64,
                     set_default_dtype)
from .errors import (AnomalyError, ArgumentError, ArgumentTypeError, BackwardError,
                     DeviceMismatchError, DeviceUnavailableError, DtypeError, GradcheckError,
                     GraphFreedError, MissingDependencyError, MissingFileError, MissingKeyError,
                     ShapeError, StateError, TinygradRNNError, UnknownDeviceError, UnsupportedError)
from .factories import (arange, eye, from_numpy, full, ones, ones_like, rand, randn, tensor,
                        zeros, zeros_like)
from .functional import (abs, cat, chunk, clip, exp, hard_sigmoid, log, log_softmax, maximum,
                         minimum, relu, sigmoid, softmax, split, sqrt, stack, tanh, where)
from .gradcheck import gradcheck
from .modes import current_scope, detect_anomaly, enable_grad, is_grad_enabled, name_scope, no_grad
from .tensor import Function, Tensor
from . import autograd  # noqa: E402
from .autograd import grad  # noqa: E402  (torch.autograd.grad)
from . import nn  # noqa: E402  (after Tensor: nn builds on it)

__version__ = "0.1.0"
from . import optim  # noqa: E402
from .checkpoint import CheckpointError, load, save  # noqa: E402
from . import viz  # noqa: E402,F401  (drawings; graphviz/matplotlib load lazily)
