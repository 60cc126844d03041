# The shims load lazily (module __getattr__), so `import xentc.compat` costs
# nothing until one is used.
from types import ModuleType

from . import keras as keras
from . import scipy as scipy
from . import tf as tf
from . import torch as torch

__all__ = ["keras", "scipy", "tf", "torch"]

def __getattr__(name: str) -> ModuleType: ...
