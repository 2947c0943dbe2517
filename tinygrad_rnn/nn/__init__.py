"""Neural-network building blocks: modules, parameters, cells and recurrent layers."""
from .cell_base import RNNCellBase
from .module import Module, ModuleList, Parameter, Sequential
from .clip import clip_grad_norm, clip_grad_norm_, clip_grad_value, clip_grad_value_
from .losses import (BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, binary_cross_entropy_with_logits,
                     cross_entropy, mse_loss)
from . import activations, init
from .dropout import Dropout
from .embedding import Embedding
from .gru_cell import GRUCell
from .linear import Linear
from .lstm_cell import LSTMCell
from .rnn_cell import RNNCell
from .state import LSTMState, detach_state, map_state, pack_state, state_parts
from .rnn import GRU, LSTM, RNN, RNNBase
from .recurrent import Bidirectional, Recurrent
