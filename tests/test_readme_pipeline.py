"""The pipeline example of docs/sklearn.md (and the README) runs, and the
documentation shows exactly this code."""

import pathlib

import pytest

pytest.importorskip("sklearn")

EXAMPLE = """\
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from xentc.metrics import log_loss
from xentc.sklearn import CrossEntropyClassifier, neg_log_loss_scorer

X, y = make_classification(
    n_samples=2000, n_features=20, n_informative=8, n_classes=3, random_state=0
)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)

pipe = make_pipeline(StandardScaler(), CrossEntropyClassifier())
search = GridSearchCV(
    pipe, {"crossentropyclassifier__alpha": [1e-4, 1e-2, 1.0]}, scoring=neg_log_loss_scorer, cv=5
)
search.fit(X_train, y_train)

print(search.best_params_)
print("held-out log-loss:", log_loss(y_test, search.predict_proba(X_test)))
"""


def test_readme_pipeline_example_runs(capsys):
    from sklearn.metrics import log_loss as sk_log_loss

    namespace = {}
    exec(compile(EXAMPLE, "docs/sklearn.md", "exec"), namespace)
    search, X_test, y_test = namespace["search"], namespace["X_test"], namespace["y_test"]
    assert search.best_params_["crossentropyclassifier__alpha"] in (1e-4, 1e-2)
    proba = search.predict_proba(X_test)
    held_out = namespace["log_loss"](y_test, proba)
    assert held_out == pytest.approx(sk_log_loss(y_test, proba), rel=1e-12)
    assert held_out < 0.85  # chance level is log(3) = 1.10
    # the grid search maximised the negated log-loss of the validation folds
    assert -search.best_score_ < 0.85
    assert "held-out log-loss:" in capsys.readouterr().out


@pytest.mark.parametrize("doc", ["docs/sklearn.md", "README.md"])
def test_docs_show_the_tested_example(doc):
    path = pathlib.Path(__file__).resolve().parents[1] / doc
    assert "```python\n" + EXAMPLE + "```" in path.read_text(), (
        f"{doc} must show EXAMPLE from tests/test_readme_pipeline.py verbatim"
    )
