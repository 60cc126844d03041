# SciPy returns NumPy scalars where the result is 0-d: for a scalar input,
# and for logsumexp over every axis (axis=None, the default)
from typing import Any, Literal, TypeAlias, overload

import numpy as np
import numpy.typing as npt

__all__ = ["expit", "log_expit", "log_softmax", "logsumexp", "softmax"]

_FloatArray: TypeAlias = npt.NDArray[np.floating[Any]]
_Axis: TypeAlias = int | tuple[int, ...] | None
_Result: TypeAlias = _FloatArray | np.floating[Any]

@overload
def logsumexp(
    a: npt.ArrayLike,
    axis: _Axis = None,
    b: npt.ArrayLike | None = None,
    keepdims: bool = False,
    return_sign: Literal[False] = False,
    *,
    n_threads: int | None = None,
) -> _Result: ...
@overload
def logsumexp(
    a: npt.ArrayLike,
    axis: _Axis = None,
    b: npt.ArrayLike | None = None,
    keepdims: bool = False,
    *,
    return_sign: Literal[True],
    n_threads: int | None = None,
) -> tuple[_Result, _Result]: ...
@overload
def logsumexp(
    a: npt.ArrayLike,
    axis: _Axis,
    b: npt.ArrayLike | None,
    keepdims: bool,
    return_sign: Literal[True],
    *,
    n_threads: int | None = None,
) -> tuple[_Result, _Result]: ...
@overload
def softmax(
    x: float | np.floating[Any], axis: _Axis = None, *, n_threads: int | None = None
) -> np.floating[Any]: ...
@overload
def softmax(
    x: npt.ArrayLike, axis: _Axis = None, *, n_threads: int | None = None
) -> _FloatArray: ...
@overload
def log_softmax(
    x: float | np.floating[Any], axis: _Axis = None, *, n_threads: int | None = None
) -> np.floating[Any]: ...
@overload
def log_softmax(
    x: npt.ArrayLike, axis: _Axis = None, *, n_threads: int | None = None
) -> _FloatArray: ...
@overload
def expit(
    x: float | np.floating[Any], out: None = None, *, n_threads: int | None = None
) -> np.floating[Any]: ...
@overload
def expit(
    x: npt.ArrayLike, out: _FloatArray | None = None, *, n_threads: int | None = None
) -> _FloatArray: ...
@overload
def log_expit(
    x: float | np.floating[Any], out: None = None, *, n_threads: int | None = None
) -> np.floating[Any]: ...
@overload
def log_expit(
    x: npt.ArrayLike, out: _FloatArray | None = None, *, n_threads: int | None = None
) -> _FloatArray: ...
