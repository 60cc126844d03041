"""xentc: cross-entropy losses, gradients and metrics for NumPy, in C.

Map of the package (arrows point to what a module calls):

    compat/{torch,tf,keras,scipy}   sklearn    dask     __main__, cli (`xentc score`)
                  \\                   |          |        |  reads files with _io, draws with _plot
                  \\                   |    scoring (StreamingScores)  <-  metrics/_calibration
                  \\                   |          |
         special.py  (primitives)   losses.py   metrics/ (_targets, _log_loss, _accuracy)
                  \\                  |  _focal.py (focal options), grouped.py,
                  \\                  |  linear.py (fused linear CE -> _linear.pyx + BLAS)
                 _validation.py  (every dtype/shape/value check and message;
                                  index arrays become private kernel-form copies)
                                      |
                 _kernels.pyx  (Cython: pointers, row blocks, prange, GIL off)
                                      |
      src/dispatch.c  ->  src/target_{baseline,avx2,avx512}.c
                              each = kernels_body.h: the families body_*.h
                              (one body per operation, float32 + float64 via
                              dtype_f32.h / dtype_f64.h) over xentc_simd.h
                              (vector types, exp / log / log1p)

Legend: decisions and messages live in Python; threads live in Cython
(fixed row blocks, so results do not depend on n_threads); arithmetic
lives in C, compiled once per ISA and picked at import (XENTC_SIMD=baseline
forces the portable build). `_reference.py` holds a plain NumPy twin of
every public function, used by the tests and the demo.
"""

import importlib.util as _importlib_util

if _importlib_util.find_spec(__name__ + "._kernels") is None:
    # Python found this package's source folder (e.g. the current directory
    # is a clone) but no compiled extension in it.
    raise ImportError(
        f"xentc's compiled extension xentc._kernels is not built in {__path__[0]}: "
        "this is an unbuilt source tree. Build it there with "
        "`python setup.py build_ext --inplace` (or `pip install -e .`), or run "
        "Python from another directory to import an installed xentc."
    )

from . import metrics
from ._config import (
    __version__,
    available_simd_targets,
    get_config,
    get_simd_target,
    set_simd_target,
    show_config,
    simd_target,
)
from .grouped import GroupedSoftmaxCrossEntropy, grouped_softmax_cross_entropy
from .linear import LinearCrossEntropy, linear_cross_entropy, linear_log_prob, linear_top_k
from .losses import (
    BinaryCrossEntropy,
    CategoricalCrossEntropy,
    SigmoidCrossEntropy,
    SoftmaxCrossEntropy,
    SparseSoftmaxCrossEntropy,
    binary_cross_entropy,
    categorical_cross_entropy,
    sigmoid_cross_entropy,
    softmax_cross_entropy,
    sparse_softmax_cross_entropy,
)
from .metrics import (
    accuracy,
    binary_accuracy,
    categorical_accuracy,
    log_loss,
    sparse_categorical_accuracy,
    top_k_accuracy_score,
)
from .scoring import StreamingScores
from .special import log_sigmoid, log_softmax, logsumexp, sigmoid, softmax

__all__ = [
    "BinaryCrossEntropy",
    "CategoricalCrossEntropy",
    "GroupedSoftmaxCrossEntropy",
    "LinearCrossEntropy",
    "SigmoidCrossEntropy",
    "SoftmaxCrossEntropy",
    "SparseSoftmaxCrossEntropy",
    "StreamingScores",
    "__version__",
    "accuracy",
    "available_simd_targets",
    "binary_accuracy",
    "binary_cross_entropy",
    "categorical_accuracy",
    "categorical_cross_entropy",
    "get_config",
    "get_simd_target",
    "grouped_softmax_cross_entropy",
    "linear_cross_entropy",
    "linear_log_prob",
    "linear_top_k",
    "log_loss",
    "log_sigmoid",
    "log_softmax",
    "logsumexp",
    "metrics",
    "set_simd_target",
    "show_config",
    "sigmoid",
    "sigmoid_cross_entropy",
    "simd_target",
    "softmax",
    "softmax_cross_entropy",
    "sparse_categorical_accuracy",
    "sparse_softmax_cross_entropy",
    "top_k_accuracy_score",
]
