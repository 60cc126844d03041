# The compiled fused linear + softmax cross-entropy driver (xentc/_linear.pyx),
# as xentc.linear calls it: no argument checks here.
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt

_Arr: TypeAlias = npt.NDArray[Any]

ROW_FIELDS: tuple[str, ...]
OP_STATS: int
OP_TOPK: int
OP_LOSS_GRAD: int

def run(
    op: int,
    target: str,
    h: _Arr,
    w: _Arr,
    bias: _Arr | None,
    labels: npt.NDArray[np.int64] | None,
    smoothing: float,
    rows: _Arr,
    row_a: _Arr | None,
    dh: _Arr | None,
    dw: _Arr | None,
    db: _Arr | None,
    k: int,
    topv: _Arr | None,
    topi: npt.NDArray[np.int64] | None,
    n_threads: int,
    rows_sb: int,
    vt: int,
) -> None: ...
