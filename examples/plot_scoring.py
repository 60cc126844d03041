"""
Scoring a prediction log in chunks
==================================

:class:`xentc.scoring.StreamingScores` computes log-loss, accuracy, top-k
accuracy, Brier score and calibration of model outputs in one pass over
chunks of any size, in bounded memory; the numbers do not depend on how the
data was chunked. This is the engine of the ``xentc score`` command
(guide: :doc:`/scoring`).
"""

# %%
# A prediction log
# ----------------
# Seeded logits of a 5-class model, made slightly over-confident (scaled by
# 2) so that the calibration measures have something to show.
import json

import matplotlib.pyplot as plt
import numpy as np

import xentc
from xentc.scoring import StreamingScores

rng = np.random.default_rng(0)
n, n_classes = 100_000, 5
labels = rng.integers(0, n_classes, n)
logits = rng.standard_normal((n, n_classes)).astype(np.float32)
logits[np.arange(n), labels] += 1.0  # the model is right more often than chance
logits *= 2.0  # ... and over-confident

# %%
# Chunk by chunk
# --------------
# ``update`` adds a chunk; ``result`` gives every metric at once.
scores = StreamingScores(k=2, n_bins=10)
for start in range(0, n, 30_000):
    scores.update(labels[start : start + 30_000], logits[start : start + 30_000])
report = scores.result()
for key in ("n_samples", "log_loss", "accuracy", "top_k_accuracy", "brier", "ece"):
    print(f"{key:>15}: {report[key]}")

# %%
# The streamed numbers are those of the one-shot functions on the whole
# array: the sums are compensated, so chunking changes nothing beyond
# rounding.
one_shot = xentc.metrics.log_loss(labels, logits, from_logits=True)
print("one-shot log_loss:", one_shot)
assert abs(report["log_loss"] - one_shot) <= 1e-12 * one_shot

# %%
# Checkpoint and merge
# --------------------
# ``to_dict`` is a JSON-safe state; ``merge`` adds another instance's sums
# (threads, processes, machines).
first = StreamingScores(k=2, n_bins=10).update(labels[:50_000], logits[:50_000])
saved = json.dumps(first.to_dict())
second = StreamingScores(k=2, n_bins=10).update(labels[50_000:], logits[50_000:])
total = StreamingScores.from_dict(json.loads(saved)).merge(second)
print("merged log_loss:", total.result()["log_loss"])

# %%
# Reliability diagram
# -------------------
# ``report["reliability"]`` holds, per confidence bin, the mean top-label
# confidence and the accuracy; an over-confident model lies below the
# diagonal.
rel = report["reliability"]
filled = np.array(rel["count"]) > 0  # empty bins have no confidence (NaN)
conf = np.array(rel["confidence"], dtype=float)[filled]
acc = np.array(rel["accuracy"], dtype=float)[filled]
fig, ax = plt.subplots(figsize=(5, 4.5))
ax.plot([0, 1], [0, 1], ls="--", color="grey", label="perfectly calibrated")
ax.plot(conf, acc, marker="o", label=f"model (ECE {report['ece']:.3f})")
ax.set_xlabel("mean confidence in bin")
ax.set_ylabel("accuracy in bin")
ax.set_title("Top-label reliability")
ax.legend()
fig.tight_layout()
