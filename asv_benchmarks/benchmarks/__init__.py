"""xentc's airspeed-velocity suite: xentc next to NumPy, SciPy, scikit-learn,
PyTorch and JAX on the same inputs (see common.py for profiles and inputs,
peers.py for what each implementation runs).

    cd asv_benchmarks && asv run --python=same --quick
"""
