"""Per-call overhead: sparse softmax CE forward on a 1 x 10 and a 64 x 1000
input, where validation and dispatch cost more than the arithmetic. Target:
1 x 10 in at most 3 us, 64 x 1000 no slower than PyTorch.

    cd asv_benchmarks && asv run --python=same --quick -b bench_overhead
"""

from .common import Benchmark, grid


class SparseSoftmaxCEOverhead(Benchmark):
    OP = "overhead_sparse_ce"
    params = grid(OP)
    repeat = (20, 200, 2.0)  # microsecond calls: many samples
