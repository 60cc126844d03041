"""xentc._validation.check_sample_weight: one checker, two named rules
(negative weights allowed for the scikit-learn drop-in metrics, refused for
the estimators), the same checks otherwise."""

import numpy as np
import pytest
import scipy.sparse as sp

from xentc import _validation as V


def test_negative_weights_follow_the_rule():
    w = np.array([1.0, -0.5, 2.0])
    np.testing.assert_array_equal(V.check_sample_weight(w, 3, allow_negative=True), w)
    with pytest.raises(ValueError, match=r"sample_weight must be non-negative; got -0.5"):
        V.check_sample_weight(w, 3, allow_negative=False)
    np.testing.assert_array_equal(w, [1.0, -0.5, 2.0])  # input untouched


@pytest.mark.parametrize("allow_negative", [True, False])
def test_shared_checks(allow_negative):
    check = lambda w, n=3: V.check_sample_weight(w, n, allow_negative=allow_negative)
    assert check(None) is None
    with pytest.raises(ValueError, match="at least one non-zero"):
        check(np.zeros(3))
    with pytest.raises(ValueError, match=r"NaN|finite"):
        check(np.array([1.0, np.nan, 1.0]))
    with pytest.raises(ValueError, match=r"\(3,\)"):
        check(np.ones(2))
    with pytest.raises(ValueError, match=r"1D|shape"):
        check(np.ones((3, 1)))
    np.testing.assert_array_equal(check(np.array([0.0, 2.0, 1.0])), [0.0, 2.0, 1.0])


def test_each_rule_keeps_its_wording_and_dtype():
    # the drop-in metrics: scikit-learn's words, integer weights kept
    with pytest.raises(ValueError, match=r"sample_weight.shape == \(2,\), expected \(3,\)!"):
        V.check_sample_weight(np.ones(2), 3, allow_negative=True)
    assert V.check_sample_weight(np.array([1, 2]), 2, allow_negative=True).dtype.kind == "i"
    # the estimators: xentc's words, float64, no sparse weights
    with pytest.raises(
        ValueError, match=r"sample_weight must have shape \(3,\); got shape \(2,\)"
    ):
        V.check_sample_weight(np.ones(2), 3, allow_negative=False)
    assert V.check_sample_weight(np.array([1, 2]), 2, allow_negative=False).dtype == np.float64
    with pytest.raises(TypeError, match="dense 1-D array"):
        V.check_sample_weight(sp.csr_matrix(np.ones((1, 3))), 3, allow_negative=False)
