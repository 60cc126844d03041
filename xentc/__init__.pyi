from . import metrics as metrics
from ._config import __version__ as __version__
from ._config import available_simd_targets as available_simd_targets
from ._config import get_config as get_config
from ._config import get_simd_target as get_simd_target
from ._config import set_simd_target as set_simd_target
from ._config import show_config as show_config
from ._config import simd_target as simd_target
from .grouped import GroupedSoftmaxCrossEntropy as GroupedSoftmaxCrossEntropy
from .grouped import grouped_softmax_cross_entropy as grouped_softmax_cross_entropy
from .linear import LinearCrossEntropy as LinearCrossEntropy
from .linear import linear_cross_entropy as linear_cross_entropy
from .linear import linear_log_prob as linear_log_prob
from .linear import linear_top_k as linear_top_k
from .losses import BinaryCrossEntropy as BinaryCrossEntropy
from .losses import CategoricalCrossEntropy as CategoricalCrossEntropy
from .losses import SigmoidCrossEntropy as SigmoidCrossEntropy
from .losses import SoftmaxCrossEntropy as SoftmaxCrossEntropy
from .losses import SparseSoftmaxCrossEntropy as SparseSoftmaxCrossEntropy
from .losses import binary_cross_entropy as binary_cross_entropy
from .losses import categorical_cross_entropy as categorical_cross_entropy
from .losses import sigmoid_cross_entropy as sigmoid_cross_entropy
from .losses import softmax_cross_entropy as softmax_cross_entropy
from .losses import sparse_softmax_cross_entropy as sparse_softmax_cross_entropy
from .metrics import accuracy as accuracy
from .metrics import binary_accuracy as binary_accuracy
from .metrics import categorical_accuracy as categorical_accuracy
from .metrics import log_loss as log_loss
from .metrics import sparse_categorical_accuracy as sparse_categorical_accuracy
from .metrics import top_k_accuracy_score as top_k_accuracy_score
from .scoring import StreamingScores as StreamingScores
from .special import log_sigmoid as log_sigmoid
from .special import log_softmax as log_softmax
from .special import logsumexp as logsumexp
from .special import sigmoid as sigmoid
from .special import softmax as softmax

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
