"""scikit-learn integration: scorers, a cross-entropy linear classifier and
temperature scaling.

Design:
  A. This module imports scikit-learn at import time; `import xentc` never
     imports this module, so scikit-learn stays an optional dependency.
  B. CrossEntropyClassifier minimises
         sum_i w_i * CE_i / sum_i w_i  +  (alpha / 2) * ||coef||^2
     (intercept not penalised) with scipy's L-BFGS-B. Each evaluation is one
     matrix product for the logits, one fused loss+gradient pass of an
     xentc loss object on them, and one matrix product back (chain rule).
     With alpha = 1 / (C * sum_i w_i) this is LogisticRegression(C=C)'s
     objective; the L-BFGS options (maxls, gtol=tol, ftol) are the ones
     LogisticRegression(solver="lbfgs") uses, so `tol` means the same.
  C. Multilabel targets sum the per-label losses within a sample, so the
     fit separates into one binary problem per label with the same alpha
     (the per-label classifiers are exactly binary CrossEntropyClassifiers).
  D. float32 data keeps float32 logits, kernels and coef_; the optimiser
     itself works on a float64 copy of the parameters (scipy does that).
  E. Scorers pass the estimator's `classes_` as `labels`, so a CV fold that
     misses a class is scored instead of failing.
  F. Multiclass-multioutput y (N, G): one linear model whose logits are the
     G groups of one-per-class columns, fitted in one L-BFGS run on the
     grouped softmax loss (a sample's loss is the sum over its groups, as for
     multilabel), not G separate models. classes_ is a list of G arrays.
"""

import numbers
import warnings

import numpy as np
import scipy.optimize
import scipy.sparse as sp

try:
    from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin, clone
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "xentc.sklearn needs scikit-learn (pip install scikit-learn); "
        "xentc.metrics works without it"
    ) from exc
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from . import _validation as V
from . import metrics
from .grouped import GroupedSoftmaxCrossEntropy
from .linear import _linear_ce
from .losses import SigmoidCrossEntropy, SparseSoftmaxCrossEntropy
from .special import log_sigmoid, log_softmax, sigmoid, softmax

__all__ = [
    "CrossEntropyClassifier",
    "LogitsTransformer",
    "TemperatureScaler",
    "accuracy_scorer",
    "neg_log_loss_logits_scorer",
    "neg_log_loss_scorer",
]

_FLOATS = [np.float64, np.float32]

# From this many classes on, a dense softmax fit evaluates the loss with the
# fused linear + cross-entropy (xentc.linear): memory O(n_samples) instead of
# the (n_samples, n_classes) logits and their gradient, at the price of one
# more GEMM per evaluation (the logits are recomputed for the gradient).
# Measured in asv_benchmarks/compare_linear.py --classifier (docs/linear.md).
FUSED_MIN_CLASSES = 1000


# ---------------------------------------------------------------------------
# scorers


def _is_single_label(y):
    return not sp.issparse(y) and (np.ndim(y) == 1 or (np.ndim(y) == 2 and np.shape(y)[1] == 1))


class _Scorer:
    """Callable `scorer(estimator, X, y_true, sample_weight=None)` for `scoring=`
    (greater is better)."""

    def __init__(self, name, score, doc):
        self._name = name
        self._score = score
        self.__doc__ = doc

    def __call__(self, estimator, X, y_true, sample_weight=None):
        return self._score(estimator, X, y_true, sample_weight)

    def __repr__(self):
        return f"xentc.sklearn.{self._name}"


def _labels_of(estimator, y_true):
    """The estimator's classes for single-label targets (None otherwise)."""
    classes = getattr(estimator, "classes_", None)
    if classes is None or not _is_single_label(y_true):
        return None
    return classes


def _neg_log_loss(estimator, X, y_true, sample_weight):
    proba = estimator.predict_proba(X)
    return -metrics.log_loss(
        y_true, proba, labels=_labels_of(estimator, y_true), sample_weight=sample_weight
    )


def _neg_log_loss_logits(estimator, X, y_true, sample_weight):
    if not _is_single_label(y_true):
        raise ValueError(
            "neg_log_loss_logits_scorer scores binary and multiclass models "
            "(softmax / sigmoid over decision_function); y_true here is a 2-D "
            "multilabel target - use neg_log_loss_scorer, which reads "
            "predict_proba"
        )
    logits = estimator.decision_function(X)
    return -metrics.log_loss(
        y_true,
        logits,
        labels=_labels_of(estimator, y_true),
        sample_weight=sample_weight,
        from_logits=True,
    )


def _accuracy(estimator, X, y_true, sample_weight):
    if sample_weight is not None:
        raise TypeError("accuracy_scorer does not take sample_weight")
    if isinstance(getattr(estimator, "classes_", None), list):
        # multiclass-multioutput: a sample counts as right when every output is
        return metrics.grouped_accuracy(y_true, estimator.predict(X))["exact_match"]
    if hasattr(estimator, "predict_proba"):
        scores, from_logits = estimator.predict_proba(X), False
        if isinstance(scores, list):  # multi-output classifiers: one (n, 2) array per label
            scores = np.column_stack([s[:, -1] for s in scores])
    elif hasattr(estimator, "decision_function"):
        scores, from_logits = estimator.decision_function(X), True
    else:
        return metrics.accuracy(y_true, estimator.predict(X))
    classes = _labels_of(estimator, y_true)
    if classes is not None:
        # the score columns follow classes_, so labels become column indices
        classes = np.asarray(classes)
        y = np.asarray(y_true).reshape(-1)
        known = np.isin(y, classes)
        if not known.all():
            raise ValueError(
                f"y_true contains labels the estimator was not fitted on: "
                f"{np.unique(y[~known]).tolist()}"
            )
        order = np.argsort(classes, kind="stable")
        y_true = order[np.searchsorted(classes, y, sorter=order)]
    return metrics.accuracy(y_true, scores, from_logits=from_logits)


# numpydoc docstring of each scorer: {summary}, {extended}, {weights}
_SCORER_DOC = """{summary}

{extended}

Parameters
----------
estimator : fitted classifier
    The model to score.
X : array-like or sparse matrix of shape (n_samples, n_features)
    Input samples.
y_true : array-like
    True labels (or a multilabel indicator).
sample_weight : array-like of shape (n_samples,), optional
    {weights}

Returns
-------
float
    The score; greater is better.

Examples
--------
>>> from sklearn.datasets import make_classification
>>> from sklearn.model_selection import cross_val_score
>>> from xentc.sklearn import CrossEntropyClassifier, {name}
>>> X, y = make_classification(n_samples=200, n_classes=3, n_informative=3, random_state=0)
>>> cross_val_score(CrossEntropyClassifier(), X, y, scoring={name}, cv=3).shape
(3,)
"""

neg_log_loss_scorer = _Scorer(
    "neg_log_loss_scorer",
    _neg_log_loss,
    _SCORER_DOC.format(
        name="neg_log_loss_scorer",
        summary="Scorer: minus the log-loss of the estimator's ``predict_proba``.",
        extended="``-log_loss(y_true, estimator.predict_proba(X), labels=estimator.classes_)``: "
        'scikit-learn\'s ``"neg_log_loss"`` computed by xentc; passing ``classes_`` as '
        "``labels`` scores a cross-validation fold that misses a class instead of raising.",
        weights="Non-negative weight of each sample.",
    ),
)
neg_log_loss_logits_scorer = _Scorer(
    "neg_log_loss_logits_scorer",
    _neg_log_loss_logits,
    _SCORER_DOC.format(
        name="neg_log_loss_logits_scorer",
        summary="Scorer: minus the log-loss of the estimator's ``decision_function``.",
        extended="``-log_loss(y_true, estimator.decision_function(X), from_logits=True)``: "
        "sigmoid for 1-D logits, softmax for 2-D; the probabilities are never formed. "
        "Binary and multiclass models.",
        weights="Non-negative weight of each sample.",
    ),
)
accuracy_scorer = _Scorer(
    "accuracy_scorer",
    _accuracy,
    _SCORER_DOC.format(
        name="accuracy_scorer",
        summary="Scorer: :func:`xentc.metrics.accuracy` of the estimator's scores.",
        extended="Reads ``predict_proba``, else ``decision_function``, else ``predict``, with "
        "``y_true`` encoded by ``estimator.classes_``: argmax accuracy for single-label "
        "targets, subset accuracy for multilabel ones, exact match of every output for "
        "multiclass-multioutput models.",
        weights="Not supported: must be None (a TypeError otherwise).",
    ),
)


# ---------------------------------------------------------------------------
# shared checks


def _check_real(name, value, low, high=np.inf, low_open=False):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {value!r}")
    ok = (value > low if low_open else value >= low) and value < high
    if not ok or not np.isfinite(value):
        lo = "(" if low_open else "["
        raise ValueError(f"{name} must be in {lo}{low}, {high}); got {value!r}")
    return float(value)


def _check_int(name, value, low):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int >= {low}; got {value!r}")
    if value < low:
        raise ValueError(f"{name} must be an int >= {low}; got {value!r}")
    return int(value)


def _column_vector_to_1d(y):
    if not sp.issparse(y) and y.ndim == 2 and y.shape[1] == 1:
        warnings.warn(
            "A column-vector y was passed when a 1d array was expected. Please change "
            "the shape of y to (n_samples, ), for example using ravel().",
            DataConversionWarning,
            stacklevel=3,
        )
        return y.reshape(-1)
    if sp.issparse(y) and y.shape[1] == 1:
        return y.toarray().reshape(-1)
    return y


def _check_indicator(Y, name="y"):
    data = Y.data if sp.issparse(Y) else Y
    if data.dtype.kind not in "biuf" or np.any((data != 0) & (data != 1)):
        raise ValueError(f"{name} as a 2-D multilabel target must hold only 0 and 1")


def _matmul(X, W):
    """X @ W.T as a C-contiguous array (X dense or CSR)."""
    return np.ascontiguousarray(X @ W.T)


def _t_matmul(G, X):
    """G.T @ X as a dense (k, n_features) array."""
    if sp.issparse(X):
        return np.asarray((X.T @ G).T)
    return G.T @ X


# ---------------------------------------------------------------------------
# CrossEntropyClassifier


class CrossEntropyClassifier(ClassifierMixin, BaseEstimator):
    """Linear classifier trained on xentc's fused cross-entropy and gradient.

    Minimises ``sum_i w_i CE_i / sum_i w_i + alpha / 2 * ||coef_||**2`` with
    L-BFGS, where ``w_i = sample_weight_i * class_weight[y_i]`` and the
    intercept is not penalised. ``alpha = 1 / (C * sum_i w_i)`` is
    ``LogisticRegression(C=C)``'s objective, and ``tol`` / ``max_iter`` mean
    the same as for ``LogisticRegression(solver="lbfgs")``. Dense or sparse
    ``X``; float32 data keeps float32 kernels and ``coef_``.

    Parameters
    ----------
    loss : {"auto", "softmax", "sigmoid"}, default="auto"
        ``"auto"``: binary ``y`` -> one sigmoid logit (``coef_`` of shape
        (1, n_features)), multiclass ``y`` -> softmax over one logit per
        class, multilabel indicator ``Y`` -> one sigmoid per label,
        multiclass-multioutput ``Y`` (N, G) -> one softmax per output (the
        grouped loss). ``"softmax"`` also uses two logits for binary ``y``;
        ``"sigmoid"`` fits multiclass ``y`` one-vs-rest (probabilities
        normalised over the classes).
    alpha : float, default=1e-4
        L2 penalty strength, ``>= 0``.
    fit_intercept : bool, default=True
        Fit an unpenalised intercept per logit.
    class_weight : dict, list of dict or "balanced", optional
        ``{label: weight}`` or ``"balanced"`` (scikit-learn's
        ``compute_class_weight``, class counts weighted by
        ``sample_weight``); for multioutput ``y``, ``"balanced"`` or one
        dict per output.
    pos_weight : float or array_like of shape (n_labels,), optional
        Weight of the positive term of sigmoid losses (TensorFlow's
        ``weighted_cross_entropy_with_logits``).
    label_smoothing : float, default=0.0
        In ``[0, 1)``.
    max_iter : int, default=100
        L-BFGS iterations.
    tol : float, default=1e-4
        L-BFGS projected-gradient tolerance.
    n_threads : int, optional
        Threads for the loss kernels (None: the default).

    Attributes
    ----------
    classes_ : ndarray or list of ndarray
        Class labels (one array per output for multioutput ``y``).
    coef_ : ndarray of shape (n_logits, n_features)
        Coefficients.
    intercept_ : ndarray of shape (n_logits,)
        Intercepts (zeros when ``fit_intercept=False``).
    n_iter_ : int
        L-BFGS iterations run.
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of str
        Feature names seen in ``fit`` (only when ``X`` had string column
        names).

    See Also
    --------
    TemperatureScaler : Calibrate a fitted model's logits.
    xentc.SparseSoftmaxCrossEntropy : The loss it minimises.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from xentc.sklearn import CrossEntropyClassifier
    >>> X, y = make_classification(
    ...     n_samples=200, n_features=5, n_informative=3, n_classes=3, random_state=0
    ... )
    >>> clf = CrossEntropyClassifier(alpha=1e-2).fit(X, y)
    >>> clf.coef_.shape, clf.classes_
    ((3, 5), array([0, 1, 2]))
    >>> clf.predict_proba(X[:2]).shape
    (2, 3)
    >>> bool(clf.score(X, y) > 0.7)
    True
    """

    def __init__(
        self,
        loss="auto",
        *,
        alpha=1e-4,
        fit_intercept=True,
        class_weight=None,
        pos_weight=None,
        label_smoothing=0.0,
        max_iter=100,
        tol=1e-4,
        n_threads=None,
    ):
        self.loss = loss
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.class_weight = class_weight
        self.pos_weight = pos_weight
        self.label_smoothing = label_smoothing
        self.max_iter = max_iter
        self.tol = tol
        self.n_threads = n_threads

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.classifier_tags.multi_label = self.loss != "softmax"  # softmax: one label per row
        return tags

    # -- fitting ------------------------------------------------------------

    def _check_params(self):
        if self.loss not in ("auto", "softmax", "sigmoid"):
            raise ValueError(f"loss must be 'auto', 'softmax' or 'sigmoid'; got {self.loss!r}")
        if not isinstance(self.fit_intercept, (bool, np.bool_)):
            raise TypeError(f"fit_intercept must be True or False; got {self.fit_intercept!r}")
        return dict(
            alpha=_check_real("alpha", self.alpha, 0.0),
            smoothing=_check_real("label_smoothing", self.label_smoothing, 0.0, 1.0),
            max_iter=_check_int("max_iter", self.max_iter, 1),
            tol=_check_real("tol", self.tol, 0.0, low_open=True),
        )

    def _problem(self, y, sample_weight, n_samples, dtype):
        """Decide the link from y; returns (mode, targets, row weights)."""
        y = _column_vector_to_1d(y)
        check_classification_targets(y)
        y_type = type_of_target(y, input_name="y")
        w = V.check_sample_weight(sample_weight, n_samples, allow_negative=False)
        w = np.ones(n_samples) if w is None else w
        if y_type == "multilabel-indicator":
            if self.loss == "softmax":
                raise ValueError(
                    "loss='softmax' needs one label per sample; y is a multilabel "
                    "indicator (use loss='auto' or 'sigmoid')"
                )
            if self.class_weight is not None:
                raise ValueError(
                    "class_weight is not supported for multilabel y; use "
                    "pos_weight to weight the positive labels"
                )
            _check_indicator(y)
            self.classes_ = np.arange(y.shape[1])
            self._label_dtype = y.dtype
            targets = y.tocsr().astype(dtype) if sp.issparse(y) else np.asarray(y, dtype=dtype)
            return "multilabel", targets, w
        if y_type == "multiclass-multioutput":
            return self._grouped_problem(y, w, sample_weight)
        if y_type not in ("binary", "multiclass"):
            raise ValueError(
                f"y must be binary, multiclass or a multilabel indicator; got a {y_type} target"
            )
        self.classes_, y_idx = np.unique(y, return_inverse=True)
        n_classes = len(self.classes_)
        if n_classes < 2:
            raise ValueError(
                "CrossEntropyClassifier needs samples of at least 2 classes in the "
                f"data, but the data contains only one class: {self.classes_[0]!r}"
            )
        if self.class_weight is not None:
            cw = compute_class_weight(
                self.class_weight, classes=self.classes_, y=y, sample_weight=sample_weight
            )
            w = w * cw[y_idx]
            if not (w > 0).any():
                raise ValueError(
                    "class_weight and sample_weight leave no sample with a positive weight"
                )
        if n_classes == 2 and self.loss != "softmax":
            return "binary", (y_idx == 1).astype(dtype), w
        if self.loss == "sigmoid":  # one-vs-rest with a sparse one-hot target
            onehot = sp.csr_matrix(
                (np.ones(n_samples, dtype=dtype), y_idx, np.arange(n_samples + 1)),
                shape=(n_samples, n_classes),
            )
            return "ovr", onehot, w
        return "softmax", y_idx.astype(np.int64), w

    def _grouped_problem(self, y, w, sample_weight):
        """Design F: labels encoded per output; returns ("grouped", codes, w)."""
        if self.loss == "sigmoid":
            raise ValueError(
                "loss='sigmoid' needs binary, multiclass or multilabel-indicator y; "
                "a multiclass-multioutput y takes loss='auto' or 'softmax'"
            )
        if self.pos_weight is not None:
            raise ValueError(
                "pos_weight applies to sigmoid losses; a multiclass-multioutput y "
                "is fitted with softmax losses (use class_weight)"
            )
        y = np.asarray(y)
        columns = [np.unique(y[:, g], return_inverse=True) for g in range(y.shape[1])]
        self.classes_ = [c for c, _ in columns]
        codes = np.stack([idx.reshape(-1) for _, idx in columns], axis=1).astype(np.int64)
        cw = self.class_weight
        self._group_class_weight = None
        if cw is not None:
            per_output = [cw] * len(columns) if isinstance(cw, str) else list(cw)
            if len(per_output) != len(columns):
                raise ValueError(
                    f"class_weight for a multioutput y must be 'balanced' or a list "
                    f"of {len(columns)} dicts (one per output); got {cw!r}"
                )
            self._group_class_weight = [
                compute_class_weight(c_w, classes=classes, y=y[:, g], sample_weight=sample_weight)
                for g, (c_w, classes) in enumerate(zip(per_output, self.classes_))
            ]
        return "grouped", codes, w

    def fit(self, X, y, sample_weight=None):
        """Fit the coefficients.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input samples.
        y : array-like or sparse matrix
            Labels (n_samples,), a multilabel indicator (n_samples,
            n_labels), dense or sparse, or multiclass-multioutput labels
            (n_samples, n_outputs).
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative weights, not all zero.

        Returns
        -------
        self
            The fitted classifier.
        """
        opts = self._check_params()
        # sparse structures are checked (and copied) before scikit-learn or
        # scipy touch them: scipy's sparse products trust their indices
        X, y = V.checked_csr(X, "X"), V.checked_csr(y, "y")
        X, y = validate_data(self, X, y, accept_sparse="csr", dtype=_FLOATS, multi_output=True)
        n_samples, _n_features = X.shape
        mode, targets, w = self._problem(y, sample_weight, n_samples, X.dtype)
        if mode == "grouped":
            loss = GroupedSoftmaxCrossEntropy(
                groups=[len(c) for c in self.classes_],
                class_weight=self._group_class_weight,
                label_smoothing=opts["smoothing"],
                reduction="sum",
                n_threads=self.n_threads,
            )
        elif mode == "softmax":
            if self.pos_weight is not None:
                raise ValueError(
                    "pos_weight applies to sigmoid losses; the softmax loss has no "
                    "positive class (use class_weight)"
                )
            loss = SparseSoftmaxCrossEntropy(
                label_smoothing=opts["smoothing"], reduction="sum", n_threads=self.n_threads
            )
        else:
            loss = SigmoidCrossEntropy(
                pos_weight=self.pos_weight,
                reduction="sum",
                label_smoothing=opts["smoothing"],
                n_threads=self.n_threads,
            )
        if mode == "grouped":
            n_logits = sum(len(c) for c in self.classes_)
        else:
            n_logits = 1 if mode == "binary" else len(self.classes_)
        # weights normalised once: the "sum" reduction then yields the weighted mean
        w_norm = w / w.sum()
        objective = _LinearObjective(
            X,
            targets,
            w_norm,
            loss,
            opts["alpha"],
            n_logits,
            self.fit_intercept,
            squeeze=(mode == "binary"),
        )
        x0 = np.zeros(objective.n_params)
        res = scipy.optimize.minimize(
            objective,
            x0,
            method="L-BFGS-B",
            jac=True,
            options={
                "maxiter": opts["max_iter"],
                "maxls": 50,
                "gtol": opts["tol"],
                "ftol": 64 * np.finfo(float).eps,
            },
        )
        if res.status != 0:
            msg = res.message.decode() if isinstance(res.message, bytes) else res.message
            warnings.warn(
                f"L-BFGS did not converge after {res.nit} iteration(s) "
                f"(status={res.status}): {msg}. Increase max_iter or scale the data "
                "(e.g. StandardScaler).",
                ConvergenceWarning,
                stacklevel=2,
            )
        coef, intercept = objective.unpack(res.x)
        self.coef_ = coef.astype(X.dtype)
        self.intercept_ = intercept.astype(X.dtype)
        self.n_iter_ = int(res.nit)
        self._mode = mode
        return self

    # -- prediction ---------------------------------------------------------

    def _logits(self, X):
        check_is_fitted(self)
        X = validate_data(
            self, V.checked_csr(X, "X"), accept_sparse="csr", dtype=_FLOATS, reset=False
        )
        Z = _matmul(X, self.coef_) + self.intercept_
        return Z.reshape(-1) if self._mode == "binary" else Z

    def decision_function(self, X):
        """Logits of each sample.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input samples.

        Returns
        -------
        ndarray of shape (n_samples, n_logits) or (n_samples,)
            For two classes the single logit of the positive class, as
            scikit-learn's API requires (with ``loss="softmax"``: the
            difference of the two softmax logits).
        """
        Z = self._logits(X)
        if self._mode == "softmax" and Z.shape[1] == 2:
            return Z[:, 1] - Z[:, 0]
        return Z

    def predict_proba(self, X):
        """Class probabilities.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input samples.

        Returns
        -------
        ndarray or list of ndarray
            (n_samples, n_classes); (n_samples, n_labels) per-label
            probabilities for a multilabel model; a list of (n_samples,
            n_classes_g) arrays, one per output, for a multiclass-multioutput
            one.
        """
        Z = self._logits(X)
        if self._mode == "binary":
            return np.stack([sigmoid(-Z), sigmoid(Z)], axis=1)
        if self._mode == "softmax":
            return softmax(Z, axis=1)
        if self._mode == "grouped":
            return [softmax(z, axis=1) for z in self._group_logits(Z)]
        P = sigmoid(Z)
        if self._mode == "ovr":
            P /= P.sum(axis=1, keepdims=True)
        return P

    def predict_log_proba(self, X):
        """Log of :meth:`predict_proba`, from the logits (no underflow).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input samples.

        Returns
        -------
        ndarray or list of ndarray
            Shaped as :meth:`predict_proba`'s result.
        """
        Z = self._logits(X)
        if self._mode == "binary":
            return np.stack([log_sigmoid(-Z), log_sigmoid(Z)], axis=1)
        if self._mode == "softmax":
            return log_softmax(Z, axis=1)
        if self._mode == "grouped":
            return [log_softmax(z, axis=1) for z in self._group_logits(Z)]
        if self._mode == "ovr":
            L = log_sigmoid(Z)
            return L - np.log(np.exp(L).sum(axis=1, keepdims=True))
        return log_sigmoid(Z)

    def predict(self, X):
        """Predicted labels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input samples.

        Returns
        -------
        ndarray
            Class labels (n_samples,) (binary, multiclass), a 0/1 indicator
            (multilabel), or (n_samples, n_outputs) labels
            (multiclass-multioutput).
        """
        Z = self._logits(X)
        if self._mode == "binary":
            return self.classes_[(Z > 0).astype(np.intp)]
        if self._mode == "multilabel":
            return (Z > 0).astype(self._label_dtype)
        if self._mode == "grouped":
            return np.stack(
                [c[np.argmax(z, axis=1)] for c, z in zip(self.classes_, self._group_logits(Z))],
                axis=1,
            )
        return self.classes_[np.argmax(Z, axis=1)]

    def _group_logits(self, Z):
        """The (n_samples, n_classes_g) logit block of each output."""
        edges = np.cumsum([len(c) for c in self.classes_])[:-1]
        return np.split(Z, edges, axis=1)


class _LinearObjective:
    """f(params) -> (objective, gradient) for L-BFGS; params = [coef.ravel(), intercept]."""

    def __init__(self, X, targets, w_norm, loss, alpha, n_logits, fit_intercept, squeeze):
        self.X, self.alpha, self.k, self.fit_intercept = X, alpha, n_logits, fit_intercept
        self.targets, self.w_norm, self.loss = targets, w_norm, loss  # the fused path's inputs
        self.squeeze = squeeze  # one sigmoid logit: the loss sees a 1-D array
        self.d = X.shape[1]
        # targets and weights are checked once here, not at every L-BFGS step
        shape = (X.shape[0],) if squeeze else (X.shape[0], n_logits)
        self.loss_gradient = loss._bind(np.zeros(shape, dtype=X.dtype), targets, w_norm)
        self.n_params = self.k * self.d + (self.k if fit_intercept else 0)
        self.fused = (
            type(loss) is SparseSoftmaxCrossEntropy
            and not sp.issparse(X)
            and n_logits >= FUSED_MIN_CLASSES
        )

    def unpack(self, params):
        coef = params[: self.k * self.d].reshape(self.k, self.d)
        intercept = params[self.k * self.d :] if self.fit_intercept else np.zeros(self.k)
        return coef, intercept

    def __call__(self, params):
        coef, intercept = self.unpack(params)
        if self.fused:
            return self._fused(coef, intercept)
        dtype = self.X.dtype
        Z = _matmul(self.X, coef.astype(dtype, copy=False))
        if self.fit_intercept:
            Z += intercept.astype(dtype, copy=False)
        logits = Z.reshape(-1) if self.squeeze else Z
        value, grad_logits = self.loss_gradient(logits, out=logits)
        G = grad_logits.reshape(Z.shape)
        grad = np.empty(self.n_params)
        grad_coef = grad[: self.k * self.d].reshape(self.k, self.d)
        grad_coef[...] = _t_matmul(G, self.X)
        grad_coef += self.alpha * coef
        if self.fit_intercept:
            grad[self.k * self.d :] = G.sum(axis=0, dtype=np.float64)
        value += 0.5 * self.alpha * float(np.dot(coef.ravel(), coef.ravel()))
        return value, grad

    def _fused(self, coef, intercept):
        """The same objective and gradient without the (n, k) logits."""
        dtype = self.X.dtype
        bias = intercept.astype(dtype) if self.fit_intercept else None
        value, _, d_coef, d_intercept = _linear_ce(
            self.X,
            coef.astype(dtype),
            self.targets,
            bias,
            None,
            self.w_norm,
            None,
            self.loss.label_smoothing,
            "sum",
            self.loss.n_threads,
            grad=True,
            want_hidden=False,
        )
        grad = np.empty(self.n_params)
        grad[: self.k * self.d] = (d_coef + self.alpha * coef).ravel()
        if self.fit_intercept:
            grad[self.k * self.d :] = d_intercept
        value += 0.5 * self.alpha * float(np.dot(coef.ravel(), coef.ravel()))
        return value, grad


# ---------------------------------------------------------------------------
# temperature scaling


class TemperatureScaler(ClassifierMixin, TransformerMixin, BaseEstimator):
    """Post-hoc calibration: divide logits by one fitted temperature.

    The temperature ``T`` minimises the cross-entropy on held-out data;
    ``T > 1`` softens over-confident logits. Input ``X`` holds logits: (n,)
    or (n, 1) for a binary model (sigmoid), (n, C) with labels ``y`` for a
    multiclass model (softmax; columns follow the sorted labels, or
    ``classes``), (n, K) with a 0/1 indicator ``y`` (dense or scipy.sparse)
    for a multilabel model (a sigmoid per label). ``transform`` /
    ``decision_function`` return ``X / T``, ``predict_proba`` the calibrated
    probabilities; argmax predictions do not change.

    Parameters
    ----------
    classes : array_like, optional
        Labels of the logit columns (default: the sorted unique ``y``).
    max_iter : int, default=100
        L-BFGS iterations.
    tol : float, default=1e-6
        L-BFGS tolerance; ``log T`` is bounded to ``T`` in ``[1e-3, 1e3]``.
    n_threads : int, optional
        Threads for the loss kernels (None: the default).

    Attributes
    ----------
    temperature_ : float
        The fitted temperature.
    classes_ : ndarray
        Class labels.
    n_iter_ : int
        L-BFGS iterations run.
    n_features_in_ : int
        Number of logit columns seen in ``fit``.

    See Also
    --------
    LogitsTransformer : Feed a fitted model's logits to this step.

    Examples
    --------
    >>> import numpy as np
    >>> from xentc.sklearn import TemperatureScaler
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 3, 500)
    >>> logits = rng.standard_normal((500, 3))
    >>> logits[np.arange(500), y] += 1.0
    >>> scaler = TemperatureScaler().fit(5.0 * logits, y)  # over-confident logits
    >>> bool(scaler.temperature_ > 2.0)
    True
    >>> bool((scaler.predict(5.0 * logits) == logits.argmax(axis=1)).all())
    True
    """

    _LOG_T_BOUNDS = (np.log(1e-3), np.log(1e3))

    def __init__(self, *, classes=None, max_iter=100, tol=1e-6, n_threads=None):
        self.classes = classes
        self.max_iter = max_iter
        self.tol = tol
        self.n_threads = n_threads

    def _logits(self, X, reset):
        Z = check_array(X, ensure_2d=False, dtype=_FLOATS, input_name="X")
        if Z.ndim == 2 and Z.shape[1] == 1:
            Z = Z.reshape(-1)
        n_cols = 1 if Z.ndim == 1 else Z.shape[1]
        if reset:
            self.n_features_in_ = n_cols
        elif n_cols != self.n_features_in_:
            raise ValueError(
                f"X has {n_cols} logit column(s), but TemperatureScaler was fitted "
                f"on {self.n_features_in_}"
            )
        return Z

    def fit(self, X, y, sample_weight=None):
        """Fit the temperature on validation logits and their targets.

        Parameters
        ----------
        X : array-like of shape (n_samples,) or (n_samples, n_columns)
            Logits of the model to calibrate.
        y : array-like or sparse matrix
            Labels (n_samples,), or a 0/1 indicator (n_samples, n_columns).
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative weights.

        Returns
        -------
        self
            The fitted scaler.
        """
        max_iter = _check_int("max_iter", self.max_iter, 1)
        tol = _check_real("tol", self.tol, 0.0, low_open=True)
        Z = self._logits(X, reset=True)
        w = V.check_sample_weight(sample_weight, Z.shape[0], allow_negative=False)
        w = np.ones(Z.shape[0]) if w is None else w
        y = V.checked_csr(y, "y")
        if sp.issparse(y) or (np.ndim(y) == 2 and np.shape(y)[1] > 1):
            self._mode = "multilabel"
            Y = y if sp.issparse(y) else np.asarray(y)
            if Z.ndim != 2 or Y.shape != Z.shape:
                raise ValueError(
                    f"a 2-D (multilabel) y needs logits of the same shape; got X "
                    f"of shape {Z.shape} and y of shape {Y.shape}"
                )
            _check_indicator(Y)
            self.classes_ = np.arange(Y.shape[1])
            targets = Y.astype(Z.dtype)
            loss = SigmoidCrossEntropy(reduction="sum", n_threads=self.n_threads)
        else:
            y = np.asarray(y).reshape(-1) if np.ndim(y) == 2 else np.asarray(y)
            if y.shape[0] != Z.shape[0]:
                raise ValueError(f"X has {Z.shape[0]} rows but y has {y.shape[0]} labels")
            classes = np.unique(y) if self.classes is None else np.asarray(self.classes)
            n_needed = 2 if Z.ndim == 1 else Z.shape[1]
            if len(classes) != n_needed:
                raise ValueError(
                    f"the logits have {n_needed} class column(s) but y has "
                    f"{len(classes)} classes {classes.tolist()}; pass the classes "
                    "of the logit columns as `classes`"
                )
            unknown = ~np.isin(y, classes)
            if unknown.any():
                raise ValueError(
                    f"y contains labels not in classes {classes.tolist()}: "
                    f"{np.unique(y[unknown]).tolist()}"
                )
            self.classes_ = classes
            sorter = np.argsort(classes)
            y_idx = sorter[np.searchsorted(classes, y, sorter=sorter)]
            if Z.ndim == 1:
                self._mode = "binary"
                targets = (y_idx == 1).astype(Z.dtype)
                loss = SigmoidCrossEntropy(reduction="sum", n_threads=self.n_threads)
            else:
                self._mode = "softmax"
                targets = y_idx.astype(np.int64)
                loss = SparseSoftmaxCrossEntropy(reduction="sum", n_threads=self.n_threads)
        w_norm = w / w.sum()
        loss_gradient = loss._bind(Z, targets, w_norm)  # targets checked once

        def objective(params):
            # loss(Z / T) with s = log T; dL/ds = -sum(G * Z / T)
            scaled = Z * np.exp(-params[0]).astype(Z.dtype)
            value, G = loss_gradient(scaled)
            return value, np.array([-np.sum(G * scaled, dtype=np.float64)])

        res = scipy.optimize.minimize(
            objective,
            np.zeros(1),
            method="L-BFGS-B",
            jac=True,
            bounds=[self._LOG_T_BOUNDS],
            options={"maxiter": max_iter, "gtol": tol},
        )
        if res.status != 0:
            warnings.warn(
                f"temperature fit did not converge after {res.nit} iteration(s): {res.message}",
                ConvergenceWarning,
                stacklevel=2,
            )
        self.temperature_ = float(np.exp(res.x[0]))
        self.n_iter_ = int(res.nit)
        return self

    def transform(self, X):
        """Calibrated logits, ``X / temperature_``.

        Parameters
        ----------
        X : array-like of shape (n_samples,) or (n_samples, n_columns)
            Logits.

        Returns
        -------
        ndarray
            ``X / temperature_``, ``X``'s shape.
        """
        check_is_fitted(self)
        Z = self._logits(X, reset=False)
        return Z / Z.dtype.type(self.temperature_)

    decision_function = transform

    def predict_proba(self, X):
        """Calibrated probabilities.

        Parameters
        ----------
        X : array-like of shape (n_samples,) or (n_samples, n_columns)
            Logits.

        Returns
        -------
        ndarray
            (n, 2) for binary, (n, C) softmax, (n, K) per label.
        """
        Z = self.transform(X)
        if self._mode == "binary":
            return np.stack([sigmoid(-Z), sigmoid(Z)], axis=1)
        return softmax(Z, axis=1) if self._mode == "softmax" else sigmoid(Z)

    def predict_log_proba(self, X):
        """Log of the calibrated probabilities, without underflow.

        Parameters
        ----------
        X : array-like of shape (n_samples,) or (n_samples, n_columns)
            Logits.

        Returns
        -------
        ndarray
            Shaped as :meth:`predict_proba`'s result.
        """
        Z = self.transform(X)
        if self._mode == "binary":
            return np.stack([log_sigmoid(-Z), log_sigmoid(Z)], axis=1)
        return log_softmax(Z, axis=1) if self._mode == "softmax" else log_sigmoid(Z)

    def predict(self, X):
        """Predicted labels (unchanged by the temperature).

        Parameters
        ----------
        X : array-like of shape (n_samples,) or (n_samples, n_columns)
            Logits.

        Returns
        -------
        ndarray
            Class labels, or a 0/1 indicator for multilabel logits.
        """
        Z = self.transform(X)
        if self._mode == "binary":
            return self.classes_[(Z > 0).astype(np.intp)]
        if self._mode == "multilabel":
            return (Z > 0).astype(np.int64)
        return self.classes_[np.argmax(Z, axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.one_d_array = True
        tags.classifier_tags.multi_label = True
        return tags


class LogitsTransformer(TransformerMixin, BaseEstimator):
    """Pipeline step whose output is a classifier's ``decision_function``.

    ``LogitsTransformer(FrozenEstimator(model))`` followed by
    ``TemperatureScaler()`` calibrates an already-fitted model on the data
    the pipeline is fitted on (use held-out data for that). With an
    unfrozen estimator, ``fit`` fits a clone of it.

    Parameters
    ----------
    estimator : classifier
        A scikit-learn classifier with ``decision_function``.

    Attributes
    ----------
    estimator_ : classifier
        The fitted clone (a frozen estimator stays as it was fitted).
    classes_ : ndarray
        The estimator's classes.

    See Also
    --------
    TemperatureScaler

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from xentc.sklearn import CrossEntropyClassifier
    >>> X, y = make_classification(
    ...     n_samples=200, n_features=5, n_informative=3, n_classes=3, random_state=0
    ... )
    >>> from sklearn.pipeline import make_pipeline
    >>> from xentc.sklearn import LogitsTransformer, TemperatureScaler
    >>> calibrated = make_pipeline(
    ...     LogitsTransformer(CrossEntropyClassifier()), TemperatureScaler()
    ... ).fit(X, y)
    >>> calibrated.predict_proba(X[:2]).shape
    (2, 3)
    """

    def __init__(self, estimator):
        self.estimator = estimator

    def fit(self, X, y=None, **fit_params):
        """Fit a clone of the estimator.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input samples.
        y : array-like, optional
            Targets.
        **fit_params : dict
            Passed to the estimator's ``fit``.

        Returns
        -------
        self
            The fitted transformer.
        """
        self.estimator_ = clone(self.estimator).fit(X, y, **fit_params)
        if hasattr(self.estimator_, "n_features_in_"):
            self.n_features_in_ = self.estimator_.n_features_in_
        return self

    def transform(self, X):
        """The wrapped estimator's ``decision_function(X)``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input samples.

        Returns
        -------
        ndarray
            Logits, (n_samples,) or (n_samples, n_logits).
        """
        check_is_fitted(self)
        return self.estimator_.decision_function(X)

    @property
    def classes_(self):
        """The wrapped estimator's classes."""
        check_is_fitted(self)
        return self.estimator_.classes_
