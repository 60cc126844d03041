"""The table of refused inputs: each row is a call on the public API, the
exception it must raise and a pattern its message must match.

tests/test_reliability.py runs every row; tools/gen_bad_input_table.py runs
them too and writes docs/bad_input.md (the message a user sees), and a test
checks that the committed page is what the table gives today.
"""

import numpy as np
import scipy.sparse as sp

import xentc

# (section, id, code, exception, pattern of the message)
CASES = [
    # ---- integer labels -------------------------------------------------
    (
        "labels",
        "label >= C",
        "xentc.sparse_softmax_cross_entropy(X, [0, 4, 1])",
        ValueError,
        r"labels\[1\] = 4 is out of range: class indices must be in \[0, 4\)",
    ),
    (
        "labels",
        "negative label",
        "xentc.sparse_softmax_cross_entropy(X, [0, -1, 1])",
        ValueError,
        r"labels\[1\] = -1 is out of range",
    ),
    (
        "labels",
        "huge label",
        "xentc.sparse_softmax_cross_entropy(X, np.array([0, 10**8, 1]))",
        ValueError,
        r"labels\[1\] = 100000000 is out of range",
    ),
    (
        "labels",
        "uint64 2**64-1 with ignore_index=-1",
        "xentc.sparse_softmax_cross_entropy(X, np.array([0, 2**64 - 1, 1], np.uint64), ignore_index=-1)",
        ValueError,
        r"labels\[1\] = 18446744073709551615 is out of range.*or ignore_index=-1",
    ),
    (
        "labels",
        "non-integral float label",
        "xentc.sparse_softmax_cross_entropy(X, [0, 1.5, 1])",
        ValueError,
        r"labels must be integers \(class indices\); got non-integral value 1.5 at position 1",
    ),
    (
        "labels",
        "NaN label",
        "xentc.sparse_softmax_cross_entropy(X, [0, np.nan, 1])",
        ValueError,
        r"labels must be integers.*nan at position 1",
    ),
    (
        "labels",
        "bool labels",
        "xentc.sparse_softmax_cross_entropy(X, np.array([True, False, True]))",
        TypeError,
        r"labels must be an integer array of class indices; got dtype=bool",
    ),
    (
        "labels",
        "string labels",
        "xentc.sparse_softmax_cross_entropy(X, ['a', 'b', 'c'])",
        TypeError,
        r"labels must be an integer array of class indices; got dtype=<U1",
    ),
    (
        "labels",
        "complex labels",
        "xentc.sparse_softmax_cross_entropy(X, np.array([0, 1, 2], complex))",
        TypeError,
        r"labels must be an integer array.*complex128",
    ),
    (
        "labels",
        "2-D labels",
        "xentc.sparse_softmax_cross_entropy(X, np.zeros((3, 1), int))",
        ValueError,
        r"labels must be 1-D of shape \(3,\); got shape \(3, 1\)",
    ),
    (
        "labels",
        "wrong length",
        "xentc.sparse_softmax_cross_entropy(X, [0, 1])",
        ValueError,
        r"labels has 2 entries but the logits have 3 rows",
    ),
    (
        "labels",
        "masked labels",
        "xentc.sparse_softmax_cross_entropy(X, np.ma.masked_array([0, 1, 2], [0, 1, 0]))",
        TypeError,
        r"labels is a numpy masked array; xentc does not apply masks",
    ),
    (
        "labels",
        "scipy.sparse labels",
        "xentc.sparse_softmax_cross_entropy(X, sp.csr_matrix([[0, 1, 2]]))",
        TypeError,
        r"labels must be a 1-D array of class indices; got a scipy.sparse matrix",
    ),
    (
        "labels",
        "label out of range (probabilities)",
        "xentc.categorical_cross_entropy(P, [0, 9, 1])",
        ValueError,
        r"targets\[1\] = 9 is out of range.*from the probabilities",
    ),
    (
        "labels",
        "ignore_index=1.5",
        "xentc.sparse_softmax_cross_entropy(X, [0, 1, 2], ignore_index=1.5)",
        TypeError,
        r"ignore_index must be None or an int; got 1.5",
    ),
    (
        "labels",
        "ignore_index=2**70",
        "xentc.sparse_softmax_cross_entropy(X, [0, 1, 2], ignore_index=2**70)",
        ValueError,
        r"ignore_index must fit in int64.*got 1180591620717411303424",
    ),
    (
        "labels",
        "ignore_index=True",
        "xentc.sparse_softmax_cross_entropy(X, [0, 1, 2], ignore_index=True)",
        TypeError,
        r"ignore_index must be None or an int; got True",
    ),
    (
        "labels",
        "ignore_index='x'",
        "xentc.SparseSoftmaxCrossEntropy(ignore_index='x')(X, [0, 1, 2])",
        TypeError,
        r"ignore_index must be None or an int; got 'x'",
    ),
    # ---- scipy.sparse targets -----------------------------------------
    (
        "sparse targets",
        "column index 10**8",
        "xentc.sigmoid_cross_entropy(np.zeros((1, 8), np.float32), sp.csr_matrix((np.ones(1, np.float32), [10**8], [0, 1]), shape=(1, 8)))",
        ValueError,
        r"targets has column index 100000000 at indices\[0\]; column indices must be in \[0, 8\)",
    ),
    (
        "sparse targets",
        "negative column index",
        "xentc.sigmoid_cross_entropy(X, bad_csr([0, 1, 1, 1], [-1]))",
        ValueError,
        r"targets has column index -1 at indices\[0\]",
    ),
    (
        "sparse targets",
        "column index == C",
        "SIG.loss_gradient(X, bad_csr([0, 1, 1, 1], [4]), out=np.empty((3, 4)))",
        ValueError,
        r"targets has column index 4 at indices\[0\]; column indices must be in \[0, 4\)",
    ),
    (
        "sparse targets",
        "decreasing indptr",
        "xentc.softmax_cross_entropy(X, bad_csr([0, 2, 1, 2], [0, 1]))",
        ValueError,
        r"targets is not a valid CSR matrix: indptr must be non-decreasing; indptr\[2\] = 1 < indptr\[1\] = 2",
    ),
    (
        "sparse targets",
        "short indptr",
        "xentc.sigmoid_cross_entropy(X, bad_csr([0, 1], [0]))",
        ValueError,
        r"targets is not a valid CSR matrix: indptr has 2 entries; 3 rows need 4",
    ),
    (
        "sparse targets",
        "indptr[0] != 0",
        "xentc.sigmoid_cross_entropy(X, bad_csr([1, 1, 1, 1], [0]))",
        ValueError,
        r"indptr\[0\] = 1; it must be 0",
    ),
    (
        "sparse targets",
        "indptr[-1] > nnz",
        "xentc.sigmoid_cross_entropy(X, bad_csr([0, 1, 2, 5], [0, 1]))",
        ValueError,
        r"indptr\[3\] = 5 but there are 2 stored entries",
    ),
    (
        "sparse targets",
        "indptr[-1] < nnz",
        "xentc.sigmoid_cross_entropy(X, bad_csr([0, 1, 1, 1], [0, 1]))",
        ValueError,
        r"indptr\[3\] = 1 but there are 2 stored entries",
    ),
    (
        "sparse targets",
        "data shorter than indices",
        "xentc.sigmoid_cross_entropy(X, bad_csr([0, 1, 2, 2], [0, 1], data=[1.0]))",
        ValueError,
        r"data has shape \(1,\) but there are 2 stored entries",
    ),
    (
        "sparse targets",
        "float indices",
        "xentc.sigmoid_cross_entropy(X, bad_csr([0, 1, 1, 1], np.array([0.0])))",
        TypeError,
        r"targets.indices must hold integers; got dtype=float64",
    ),
    (
        "sparse targets",
        "complex data (softmax)",
        "xentc.softmax_cross_entropy(X, sp.csr_matrix(np.eye(3, 4) * (1 + 1j)))",
        TypeError,
        r"targets must hold real numbers; got dtype=complex128",
    ),
    (
        "sparse targets",
        "complex data (sigmoid)",
        "xentc.sigmoid_cross_entropy(X, sp.csr_matrix(np.eye(3, 4) * 1j))",
        TypeError,
        r"targets must hold real numbers; got dtype=complex128",
    ),
    (
        "sparse targets",
        "COO row out of range",
        "xentc.sigmoid_cross_entropy(X, bad_coo([5], [0]))",
        ValueError,
        r"targets has row index 5 at row\[0\]; row indices must be in \[0, 3\)",
    ),
    (
        "sparse targets",
        "COO column out of range",
        "xentc.softmax_cross_entropy(X, bad_coo([0], [-3]))",
        ValueError,
        r"targets has column index -3 at col\[0\]",
    ),
    (
        "sparse targets",
        "CSC row index out of range",
        "xentc.sigmoid_cross_entropy(X, bad_csc([0, 1, 1, 1, 1], [7]))",
        ValueError,
        r"targets has row index 7 at indices\[0\]; row indices must be in \[0, 3\)",
    ),
    (
        "sparse targets",
        "shape mismatch",
        "xentc.softmax_cross_entropy(X, sp.csr_matrix((3, 5)))",
        ValueError,
        r"targets must have shape \(3, 4\) like the logits; got \(3, 5\)",
    ),
    (
        "sparse targets",
        "negative soft target",
        "xentc.softmax_cross_entropy(X, sp.csr_matrix(-np.eye(3, 4)))",
        ValueError,
        r"targets must be non-negative",
    ),
    (
        "sparse targets",
        "sigmoid target > 1",
        "xentc.sigmoid_cross_entropy(X, sp.csr_matrix(2 * np.eye(3, 4)))",
        ValueError,
        r"targets must be in \[0, 1\]; got 2.0",
    ),
    (
        "sparse targets",
        "categorical, bad index",
        "xentc.categorical_cross_entropy(P, bad_csr([0, 1, 1, 1], [9]))",
        ValueError,
        r"targets has column index 9 at indices\[0\]",
    ),
    # ---- dense targets ---------------------------------------------------
    (
        "dense targets",
        "complex soft targets",
        "xentc.softmax_cross_entropy(X, np.eye(3, 4) + 0j)",
        TypeError,
        r"targets must hold real numbers; got dtype=complex128",
    ),
    (
        "dense targets",
        "complex sigmoid targets",
        "xentc.sigmoid_cross_entropy(X, T + 0j)",
        TypeError,
        r"targets must hold real numbers; got dtype=complex128",
    ),
    (
        "dense targets",
        "string targets",
        "xentc.sigmoid_cross_entropy(X[:, 0], ['a', 'b', 'c'])",
        TypeError,
        r"targets must hold real numbers; got dtype=<U1",
    ),
    (
        "dense targets",
        "sigmoid target > 1",
        "xentc.sigmoid_cross_entropy(X, 2 * T)",
        ValueError,
        r"targets must be in \[0, 1\]; got 2.0 at position \(0, \d\)",
    ),
    (
        "dense targets",
        "negative soft target",
        "xentc.softmax_cross_entropy(X, -np.eye(3, 4))",
        ValueError,
        r"targets must be non-negative; got -1.0 at position \(0, 0\)",
    ),
    (
        "dense targets",
        "shape mismatch",
        "xentc.softmax_cross_entropy(X, np.eye(3))",
        ValueError,
        r"targets must have the logits' shape \(3, 4\); got \(3, 3\)",
    ),
    (
        "dense targets",
        "masked targets",
        "xentc.sigmoid_cross_entropy(X, np.ma.masked_array(T))",
        TypeError,
        r"targets is a numpy masked array",
    ),
    # ---- logits / probabilities -----------------------------------------
    (
        "logits",
        "complex logits",
        "xentc.sparse_softmax_cross_entropy(X + 0j, Y)",
        TypeError,
        r"logits must be a real floating-point array; got dtype=complex128",
    ),
    (
        "logits",
        "long double logits",
        "xentc.sparse_softmax_cross_entropy(X.astype(np.longdouble), Y)",
        TypeError,
        r"logits must be float16, float32 or float64; got dtype=float128",
    ),
    (
        "logits",
        "string logits",
        "xentc.softmax(['a', 'b'])",
        TypeError,
        r"x must be a real floating-point array; got dtype=<U1",
    ),
    (
        "logits",
        "object logits",
        "xentc.sigmoid(np.array([1, None], dtype=object))",
        TypeError,
        r"x must be a real floating-point array; got dtype=object",
    ),
    (
        "logits",
        "3-D logits",
        "xentc.sparse_softmax_cross_entropy(np.zeros((3, 4, 2)), Y)",
        ValueError,
        r"logits must be 2-D \(n_samples, n_classes\); got shape \(3, 4, 2\)",
    ),
    (
        "logits",
        "(N, 0) logits",
        "xentc.sparse_softmax_cross_entropy(np.zeros((3, 0)), Y)",
        ValueError,
        r"logits must have at least one class column; got shape \(3, 0\)",
    ),
    (
        "logits",
        "masked logits",
        "xentc.softmax_cross_entropy(np.ma.masked_array(X), np.eye(3, 4))",
        TypeError,
        r"logits is a numpy masked array; xentc does not apply masks",
    ),
    (
        "logits",
        "scipy.sparse logits",
        "xentc.sparse_softmax_cross_entropy(sp.csr_matrix(X), Y)",
        TypeError,
        r"logits must be a dense array; got a scipy.sparse csr_matrix",
    ),
    (
        "logits",
        "probabilities > 1",
        "xentc.binary_cross_entropy(np.array([0.5, 1.5]), [0, 1])",
        ValueError,
        r"probs must be in \[0, 1\]; got 1.5 at position 1",
    ),
    (
        "logits",
        "negative probabilities",
        "xentc.categorical_cross_entropy(-P, Y)",
        ValueError,
        r"probs must be in \[0, 1\]",
    ),
    (
        "logits",
        "masked probabilities",
        "xentc.binary_cross_entropy(np.ma.masked_array([0.5]), [1])",
        TypeError,
        r"probs is a numpy masked array",
    ),
    # ---- options -----------------------------------------------------------
    (
        "options",
        "reduction='avg'",
        "xentc.sparse_softmax_cross_entropy(X, Y, reduction='avg')",
        ValueError,
        r"reduction must be one of \('none', 'sum', 'mean'\); got 'avg'",
    ),
    (
        "options",
        "reduction=np.array(...)",
        "xentc.sparse_softmax_cross_entropy(X, Y, reduction=np.array(['mean', 'sum']))",
        ValueError,
        r"reduction must be one of \('none', 'sum', 'mean'\); got array",
    ),
    (
        "options",
        "reduction=None",
        "xentc.sigmoid_cross_entropy(X, T, reduction=None)",
        ValueError,
        r"reduction must be one of .*got None",
    ),
    (
        "options",
        "label_smoothing=1.5",
        "xentc.sparse_softmax_cross_entropy(X, Y, label_smoothing=1.5)",
        ValueError,
        r"label_smoothing must be in \[0, 1\]; got 1.5",
    ),
    (
        "options",
        "label_smoothing='a'",
        "xentc.softmax_cross_entropy(X, np.eye(3, 4), label_smoothing='a')",
        TypeError,
        r"label_smoothing must be a float in \[0, 1\]; got 'a'",
    ),
    (
        "options",
        "label_smoothing=np.array([0.1, 0.2])",
        "xentc.sparse_softmax_cross_entropy(X, Y, label_smoothing=np.array([0.1, 0.2]))",
        TypeError,
        r"label_smoothing must be a float in \[0, 1\]; got array",
    ),
    (
        "options",
        "class_weight={1: 'big'}",
        "xentc.sparse_softmax_cross_entropy(X, Y, class_weight={1: 'big'})",
        TypeError,
        r"class_weight\[1\] must be a real number; got 'big'",
    ),
    (
        "options",
        "class_weight key out of range",
        "xentc.sparse_softmax_cross_entropy(X, Y, class_weight={7: 1.0})",
        ValueError,
        r"class_weight keys must be class indices in \[0, 4\); got 7",
    ),
    (
        "options",
        "class_weight wrong length",
        "xentc.sparse_softmax_cross_entropy(X, Y, class_weight=[1, 2])",
        ValueError,
        r"class_weight must have shape \(4,\); got shape \(2,\)",
    ),
    (
        "options",
        "negative class_weight",
        "xentc.softmax_cross_entropy(X, np.eye(3, 4), class_weight=[1, -1, 1, 1])",
        ValueError,
        r"class_weight must be non-negative; got -1.0 at position 1",
    ),
    (
        "options",
        "class_weight='bogus'",
        "xentc.sparse_softmax_cross_entropy(X, Y, class_weight='bogus')",
        ValueError,
        r"class_weight must be None, 'balanced', a dict or an array of length 4; got 'bogus'",
    ),
    (
        "options",
        "negative sample_weight",
        "xentc.sparse_softmax_cross_entropy(X, Y, sample_weight=[1, -1, 1])",
        ValueError,
        r"sample_weight must be non-negative; got -1.0 at position 1",
    ),
    (
        "options",
        "NaN sample_weight",
        "xentc.sigmoid_cross_entropy(X, T, sample_weight=[1, np.nan, 1])",
        ValueError,
        r"sample_weight must be finite; got nan at position 1",
    ),
    (
        "options",
        "sample_weight wrong length",
        "xentc.sparse_softmax_cross_entropy(X, Y, sample_weight=[1, 1])",
        ValueError,
        r"sample_weight must have shape \(3,\); got shape \(2,\)",
    ),
    (
        "options",
        "complex sample_weight",
        "xentc.sparse_softmax_cross_entropy(X, Y, sample_weight=np.ones(3) * 1j)",
        TypeError,
        r"sample_weight must hold real numbers; got dtype=complex128",
    ),
    (
        "options",
        "masked sample_weight",
        "xentc.sparse_softmax_cross_entropy(X, Y, sample_weight=np.ma.masked_array(np.ones(3)))",
        TypeError,
        r"sample_weight is a numpy masked array",
    ),
    (
        "options",
        "negative pos_weight",
        "xentc.sigmoid_cross_entropy(X, T, pos_weight=-2.0)",
        ValueError,
        r"pos_weight must be non-negative; got -2.0 at position 0",
    ),
    (
        "options",
        "pos_weight wrong length",
        "xentc.sigmoid_cross_entropy(X, T, pos_weight=[1.0, 2.0])",
        ValueError,
        r"pos_weight must have shape \(4,\); got shape \(2,\)",
    ),
    (
        "options",
        "pos_weight='big'",
        "xentc.sigmoid_cross_entropy(X, T, pos_weight='big')",
        TypeError,
        r"pos_weight must hold real numbers; got dtype=<U3",
    ),
    (
        "options",
        "eps=0.7",
        "xentc.binary_cross_entropy(P, T, eps=0.7)",
        ValueError,
        r"eps must be in \[0, 0.5\); got 0.7",
    ),
    (
        "options",
        "eps='tiny'",
        "xentc.categorical_cross_entropy(P, Y, eps='tiny')",
        ValueError,
        r"eps must be 'auto' or a float in \[0, 0.5\); got 'tiny'",
    ),
    # ---- n_threads ---------------------------------------------------------
    (
        "n_threads",
        "n_threads=0",
        "xentc.sparse_softmax_cross_entropy(X, Y, n_threads=0)",
        ValueError,
        r"n_threads must be None or a positive int \(at most 2147483647\); got 0",
    ),
    (
        "n_threads",
        "n_threads=-1",
        "xentc.softmax(X, n_threads=-1)",
        ValueError,
        r"n_threads must be None or a positive int.*got -1",
    ),
    (
        "n_threads",
        "n_threads=2**40",
        "xentc.sparse_softmax_cross_entropy(X, Y, n_threads=2**40)",
        ValueError,
        r"n_threads must be None or a positive int \(at most 2147483647\); got 1099511627776",
    ),
    (
        "n_threads",
        "n_threads=1.5",
        "xentc.sigmoid_cross_entropy(X, T, n_threads=1.5)",
        TypeError,
        r"n_threads must be None or a positive int; got 1.5",
    ),
    (
        "n_threads",
        "n_threads=True",
        "xentc.sparse_softmax_cross_entropy(X, Y, n_threads=True)",
        TypeError,
        r"n_threads must be None or a positive int; got True",
    ),
    (
        "n_threads",
        "n_threads='4'",
        "xentc.logsumexp(X, n_threads='4')",
        TypeError,
        r"n_threads must be None or a positive int; got '4'",
    ),
    (
        "n_threads",
        "n_threads=2**40 (fast path, sum)",
        "xentc.sparse_softmax_cross_entropy(X, Y, reduction='sum', n_threads=2**40)",
        ValueError,
        r"n_threads must be None or a positive int",
    ),
    # ---- out= ----------------------------------------------------------------
    (
        "out",
        "wrong shape",
        "SPARSE.loss_gradient(X, Y, out=np.empty((4, 3)))",
        ValueError,
        r"out must have shape \(3, 4\); got \(4, 3\)",
    ),
    (
        "out",
        "wrong dtype",
        "SPARSE.loss_gradient(X, Y, out=np.empty((3, 4), np.float32))",
        TypeError,
        r"out must have dtype float64; got float32",
    ),
    (
        "out",
        "non-native byte order",
        "SPARSE.loss_gradient(X, Y, out=np.empty((3, 4), '>f8'))",
        TypeError,
        r"out must have dtype float64 in native byte order; got >f8",
    ),
    (
        "out",
        "read-only",
        "SPARSE.loss_gradient(X, Y, out=readonly((3, 4)))",
        ValueError,
        r"out is read-only",
    ),
    (
        "out",
        "stride not a multiple of the item size",
        "SPARSE.loss_gradient(X, Y, out=odd_strides((3, 4)))",
        ValueError,
        r"out must have strides that are multiples of its item size 8; got strides \(33, 8\)",
    ),
    (
        "out",
        "not an ndarray",
        "SPARSE.loss_gradient(X, Y, out=[[0.0] * 4] * 3)",
        TypeError,
        r"out must be a numpy.ndarray; got list",
    ),
    (
        "out",
        "masked out",
        "SIG.loss_gradient(X, T, out=np.ma.masked_array(np.empty((3, 4))))",
        TypeError,
        r"out is a numpy masked array",
    ),
    (
        "out",
        "softmax out, odd strides",
        "xentc.softmax(X, out=odd_strides((3, 4)))",
        ValueError,
        r"out must have strides that are multiples of its item size",
    ),
    (
        "out",
        "logsumexp out, wrong shape",
        "xentc.logsumexp(X, out=np.empty(4))",
        ValueError,
        r"out must have shape \(3,\); got \(4,\)",
    ),
    # ---- primitives and configuration -------------------------------------
    (
        "primitives",
        "axis out of range",
        "xentc.softmax(X, axis=5)",
        ValueError,
        r"axis 5 is out of bounds for x with 2 dimensions",
    ),
    (
        "primitives",
        "axis=1.5",
        "xentc.log_softmax(X, axis=1.5)",
        TypeError,
        r"axis must be an int or None; got 1.5",
    ),
    (
        "primitives",
        "complex input",
        "xentc.sigmoid(np.array([1j]))",
        TypeError,
        r"x must be a real floating-point array; got dtype=complex128",
    ),
    (
        "primitives",
        "masked input",
        "xentc.log_sigmoid(np.ma.masked_array([1.0, 2.0], [0, 1]))",
        TypeError,
        r"x is a numpy masked array",
    ),
    (
        "primitives",
        "unknown SIMD target",
        "xentc.set_simd_target('sse9')",
        ValueError,
        r"SIMD target 'sse9' is not available; choose one of",
    ),
    (
        "primitives",
        "unknown SIMD target (context)",
        "xentc.simd_target('sse9').__enter__()",
        ValueError,
        r"SIMD target 'sse9' is not available",
    ),
    # ---- metrics, scikit-learn, shims ---------------------------------------
    (
        "metrics",
        "masked y_true",
        "xentc.log_loss(np.ma.masked_array([0, 1, 1]), [0.2, 0.7, 0.9])",
        TypeError,
        r"y_true is a numpy masked array",
    ),
    (
        "metrics",
        "corrupt sparse y_true",
        "xentc.binary_accuracy(bad_csr([0, 1, 1, 1], [10**8]), T)",
        ValueError,
        r"y_true has column index 100000000 at indices\[0\]",
    ),
    (
        "metrics",
        "corrupt sparse y_true (accuracy)",
        "xentc.accuracy(bad_csr([0, 2, 1, 2], [0, 1]), X)",
        ValueError,
        r"y_true is not a valid CSR matrix: indptr must be non-decreasing",
    ),
    (
        "metrics",
        "corrupt sparse y_true (categorical)",
        "xentc.categorical_accuracy(bad_csr([0, 1, 1, 1], [-5]), X)",
        ValueError,
        r"y_true has column index -5",
    ),
    (
        "scikit-learn",
        "corrupt sparse X",
        "sklearn_fit(bad_csr([0, 1, 1, 1], [10**8]), [0, 1, 0])",
        ValueError,
        r"X has column index 100000000 at indices\[0\]",
    ),
    (
        "scikit-learn",
        "corrupt sparse Y",
        "sklearn_fit(X, bad_csr([0, 2, 1, 2], [0, 1]))",
        ValueError,
        r"y is not a valid CSR matrix: indptr must be non-decreasing",
    ),
    (
        "scikit-learn",
        "TemperatureScaler, corrupt sparse y",
        "temperature_fit(X, bad_csr([0, 1, 1, 1], [4]))",
        ValueError,
        r"y has column index 4 at indices\[0\]",
    ),
    (
        "shims",
        "tf sparse CE on (N, 0) logits",
        "tf.sparse_softmax_cross_entropy_with_logits(labels=np.zeros(3, int), logits=np.zeros((3, 0)))",
        ValueError,
        r"logits must have at least one class column; got shape \(3, 0\)",
    ),
    (
        "shims",
        "tf masked labels",
        "tf.sigmoid_cross_entropy_with_logits(labels=np.ma.masked_array(T), logits=X)",
        TypeError,
        r"labels is a numpy masked array",
    ),
    (
        "shims",
        "torch target out of range",
        "torch.cross_entropy(X, np.array([0, 7, 1]))",
        IndexError,
        r"Target 7 is out of bounds: class indices must be in \[0, 4\)",
    ),
    (
        "shims",
        "torch masked target",
        "torch.binary_cross_entropy(P, np.ma.masked_array(T))",
        TypeError,
        r"target is a numpy masked array",
    ),
    (
        "shims",
        "keras masked y_true",
        "keras.binary_crossentropy(np.ma.masked_array(T), P)",
        TypeError,
        r"y_true is a numpy masked array",
    ),
]


def bad_csr(indptr, indices, data=None, shape=(3, 4)):
    """A csr_matrix whose arrays are replaced after construction, as a
    caller (or a file) can do: scipy's constructor checks none of this."""
    m = sp.csr_matrix(shape)
    m.indptr = np.asarray(indptr, dtype=np.int32)
    indices = np.asarray(indices)
    m.indices = indices.astype(np.int32) if indices.dtype.kind in "iu" else indices
    m.data = np.ones(len(indices)) if data is None else np.asarray(data, dtype=np.float64)
    return m


def bad_csc(indptr, indices, shape=(3, 4)):
    m = sp.csc_matrix(shape)
    m.indptr = np.asarray(indptr, dtype=np.int32)
    m.indices = np.asarray(indices, dtype=np.int32)
    m.data = np.ones(len(indices))
    return m


def bad_coo(row, col, shape=(3, 4)):
    m = sp.coo_matrix(shape)
    m.row = np.asarray(row, dtype=np.int32)
    m.col = np.asarray(col, dtype=np.int32)
    m.data = np.ones(len(row))
    return m


def readonly(shape):
    a = np.empty(shape)
    a.flags.writeable = False
    return a


def odd_strides(shape):
    """A float64 view whose row stride (33 bytes) is not a multiple of 8."""
    raw = np.zeros(shape[0] * 33 + shape[1] * 8 + 8, dtype=np.uint8)
    return np.lib.stride_tricks.as_strided(raw[:8].view(np.float64), shape=shape, strides=(33, 8))


def _sklearn_fit(X_, y_):
    from xentc.sklearn import CrossEntropyClassifier

    return CrossEntropyClassifier().fit(X_, y_)


def _temperature_fit(X_, y_):
    from xentc.sklearn import TemperatureScaler

    return TemperatureScaler().fit(X_, y_)


def namespace():
    """The names the CASES code refers to."""
    from xentc.compat import keras, tf, torch

    rng = np.random.default_rng(0)
    X = rng.standard_normal((3, 4))
    return dict(
        np=np,
        sp=sp,
        xentc=xentc,
        X=X,
        Y=np.array([0, 1, 3]),
        P=np.full((3, 4), 0.25),
        T=(rng.random((3, 4)) < 0.5).astype(np.float64),
        SPARSE=xentc.SparseSoftmaxCrossEntropy(),
        SIG=xentc.SigmoidCrossEntropy(),
        bad_csr=bad_csr,
        bad_csc=bad_csc,
        bad_coo=bad_coo,
        readonly=readonly,
        odd_strides=odd_strides,
        sklearn_fit=_sklearn_fit,
        temperature_fit=_temperature_fit,
        tf=tf,
        torch=torch,
        keras=keras,
    )


def run_case(code):
    """Runs one row's code; returns the exception it raised (None if none)."""
    try:
        eval(code, namespace())
    except Exception as exc:  # the table records whatever a user would see
        return exc
    return None
