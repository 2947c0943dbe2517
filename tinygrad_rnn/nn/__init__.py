"""Neural-network building blocks: modules, parameters, cells and recurrent layers."""
from .cell_base import RNNCellBase
from .module import Module, ModuleList, Parameter, Sequential
