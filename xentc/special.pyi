from typing import Any, TypeAlias, overload

import numpy as np
import numpy.typing as npt

__all__ = ["log_sigmoid", "log_softmax", "logsumexp", "sigmoid", "softmax"]

_FloatArray: TypeAlias = npt.NDArray[np.floating[Any]]
_Axis: TypeAlias = int | None

# a 1-D `x` reduces to a 0-d array (not a scalar); `out` is returned when given
def logsumexp(
    x: npt.ArrayLike,
    axis: _Axis = -1,
    keepdims: bool = False,
    *,
    out: _FloatArray | None = None,
    n_threads: int | None = None,
) -> _FloatArray: ...
def softmax(
    x: npt.ArrayLike,
    axis: _Axis = -1,
    *,
    out: _FloatArray | None = None,
    n_threads: int | None = None,
) -> _FloatArray: ...
def log_softmax(
    x: npt.ArrayLike,
    axis: _Axis = -1,
    *,
    out: _FloatArray | None = None,
    n_threads: int | None = None,
) -> _FloatArray: ...

# element-wise: a Python or NumPy scalar in gives a NumPy scalar out
@overload
def sigmoid(
    x: float | np.floating[Any], *, out: None = None, n_threads: int | None = None
) -> np.floating[Any]: ...
@overload
def sigmoid(
    x: npt.ArrayLike, *, out: _FloatArray | None = None, n_threads: int | None = None
) -> _FloatArray: ...
@overload
def log_sigmoid(
    x: float | np.floating[Any], *, out: None = None, n_threads: int | None = None
) -> np.floating[Any]: ...
@overload
def log_sigmoid(
    x: npt.ArrayLike, *, out: _FloatArray | None = None, n_threads: int | None = None
) -> _FloatArray: ...
