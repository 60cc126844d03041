"""asv: xentc.dask graphs against the per-block scikit-learn graph users
write today, on Dask's synchronous scheduler (no cluster: asv runs each
parameter set in a fresh process, and a LocalCluster would cost seconds of
start-up per sample). What this tracks over time is the graph: building it,
one task per block, the partial states and their tree, around the kernel.
The distributed numbers (1 and 2 workers, per-task cost, where the time
goes) come from ../compare_dask.py.

Inputs are generated here from fixed seeds (self-contained; no common.py).

Run:  cd asv_benchmarks && asv run --python=same --bench bench_dask
"""

import numpy as np

try:
    import dask
    import dask.array as da

    import xentc.dask as xd
except ImportError:  # the dask extra is optional: asv skips these then
    da = None

N, C = 1_000_000, 10


def _sklearn_block(x, y):
    from scipy.special import softmax
    from sklearn.metrics import log_loss

    return np.array([log_loss(y, softmax(x, axis=1), labels=np.arange(C), normalize=False)])


def _sklearn_graph(y, x):
    sums = da.blockwise(
        _sklearn_block,
        "i",
        x,
        "ij",
        y,
        "i",
        concatenate=True,
        adjust_chunks={"i": 1},
        dtype=np.float64,
    )
    return float(sums.sum().compute()) / x.shape[0]


GRAPHS = {
    "xentc score": lambda y, x: xd.score(y, x)["log_loss"],
    "xentc log_loss": lambda y, x: xd.log_loss(y, x),
    "xentc lazy CE": lambda y, x: float(xd.sparse_softmax_cross_entropy(x, y).compute()),
    "sklearn per block": _sklearn_graph,
}


class DaskScoring:
    """1e6 x 10 float32 logits in blocks of `block_rows`, synchronous scheduler."""

    params = (list(GRAPHS), [10_000, 100_000])
    param_names = ["graph", "block_rows"]
    timeout = 300

    def setup(self, graph, block_rows):
        if da is None:
            raise NotImplementedError("dask is not installed")
        rng = np.random.default_rng(0)
        x = rng.standard_normal((N, C), dtype=np.float32)
        y = rng.integers(0, C, N)
        self.x = da.from_array(x, chunks=(block_rows, C))
        self.y = da.from_array(y, chunks=block_rows)
        self.fn = GRAPHS[graph]
        self._config = dask.config.set(scheduler="synchronous")
        self._config.__enter__()

    def teardown(self, graph, block_rows):
        self._config.__exit__(None, None, None)

    def time_graph(self, graph, block_rows):
        self.fn(self.y, self.x)

    def track_log_loss(self, graph, block_rows):
        return self.fn(self.y, self.x)
