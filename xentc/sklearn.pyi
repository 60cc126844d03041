# scikit-learn and SciPy ship no type information: their classes are Any
# here, and X may be a scipy.sparse matrix, so X is Any.
from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypeAlias

import numpy as np
import numpy.typing as npt
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from typing_extensions import Self

__all__ = [
    "CrossEntropyClassifier",
    "LogitsTransformer",
    "TemperatureScaler",
    "accuracy_scorer",
    "neg_log_loss_logits_scorer",
    "neg_log_loss_scorer",
]

_FloatArray: TypeAlias = npt.NDArray[np.floating[Any]]
# array-like or scipy.sparse matrix
_X: TypeAlias = Any
# dict {label: weight}, "balanced", or one dict per output for multioutput y
_ClassWeight: TypeAlias = (
    Mapping[Any, float] | Literal["balanced"] | Sequence[Mapping[Any, float]] | None
)

class _Scorer:
    def __init__(self, name: str, score: Any, doc: str) -> None: ...
    def __call__(
        self, estimator: Any, X: _X, y_true: Any, sample_weight: npt.ArrayLike | None = None
    ) -> float: ...

neg_log_loss_scorer: _Scorer
neg_log_loss_logits_scorer: _Scorer
accuracy_scorer: _Scorer

class CrossEntropyClassifier(ClassifierMixin, BaseEstimator):
    loss: Literal["auto", "softmax", "sigmoid"]
    alpha: float
    fit_intercept: bool
    class_weight: _ClassWeight
    pos_weight: float | npt.ArrayLike | None
    label_smoothing: float
    max_iter: int
    tol: float
    n_threads: int | None
    # fitted
    classes_: Any
    coef_: _FloatArray
    intercept_: _FloatArray
    n_iter_: int
    n_features_in_: int
    def __init__(
        self,
        loss: Literal["auto", "softmax", "sigmoid"] = "auto",
        *,
        alpha: float = 0.0001,
        fit_intercept: bool = True,
        class_weight: _ClassWeight = None,
        pos_weight: float | npt.ArrayLike | None = None,
        label_smoothing: float = 0.0,
        max_iter: int = 100,
        tol: float = 0.0001,
        n_threads: int | None = None,
    ) -> None: ...
    def __sklearn_tags__(self) -> Any: ...
    def fit(self, X: _X, y: Any, sample_weight: npt.ArrayLike | None = None) -> Self: ...
    def decision_function(self, X: _X) -> _FloatArray: ...
    def predict_proba(self, X: _X) -> _FloatArray: ...
    def predict_log_proba(self, X: _X) -> _FloatArray: ...
    def predict(self, X: _X) -> npt.NDArray[Any]: ...

class TemperatureScaler(ClassifierMixin, TransformerMixin, BaseEstimator):
    classes: npt.ArrayLike | None
    max_iter: int
    tol: float
    n_threads: int | None
    # fitted
    classes_: Any
    temperature_: float
    n_iter_: int
    n_features_in_: int
    def __init__(
        self,
        *,
        classes: npt.ArrayLike | None = None,
        max_iter: int = 100,
        tol: float = 1e-06,
        n_threads: int | None = None,
    ) -> None: ...
    def fit(self, X: _X, y: Any, sample_weight: npt.ArrayLike | None = None) -> Self: ...
    def transform(self, X: _X) -> _FloatArray: ...
    def decision_function(self, X: _X) -> _FloatArray: ...
    def predict_proba(self, X: _X) -> _FloatArray: ...
    def predict_log_proba(self, X: _X) -> _FloatArray: ...
    def predict(self, X: _X) -> npt.NDArray[Any]: ...
    def __sklearn_tags__(self) -> Any: ...

class LogitsTransformer(TransformerMixin, BaseEstimator):
    estimator: Any
    estimator_: Any
    n_features_in_: int
    def __init__(self, estimator: Any) -> None: ...
    def fit(self, X: _X, y: Any = None, **fit_params: Any) -> Self: ...
    def transform(self, X: _X) -> _FloatArray: ...
    @property
    def classes_(self) -> Any: ...
