#!/usr/bin/python3
"""Golden metrics from scikit-learn for test/train/metrics.test.ts.

Run with Debian's python3-sklearn:  /usr/bin/python3 scripts/make_metrics_fixtures.py
Writes test/fixtures/metrics.json: random label/prediction sets (including a class
that is never predicted and one that never occurs) with sklearn's accuracy,
per-class precision/recall/F1 (zero_division=0), macro and weighted F1, confusion matrix.
"""
import json
import os

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

rng = np.random.default_rng(0)
cases = []
for n, k, noise in ((50, 3, 0.3), (200, 10, 0.5), (30, 5, 0.9)):
    y = rng.integers(0, k, n)
    p = np.where(rng.random(n) < noise, rng.integers(0, k, n), y)
    cases.append((y, p, k))
# a class never predicted (2) and a class that never occurs (3)
y = np.array([0, 0, 1, 1, 2, 2, 0, 1])
p = np.array([0, 1, 1, 1, 0, 1, 0, 3])
cases.append((y, p, 4))

out = []
for y, p, k in cases:
    labels = list(range(k))
    pr, rc, f1, sup = precision_recall_fscore_support(y, p, labels=labels, zero_division=0)
    out.append({
        "numClasses": k, "truth": y.tolist(), "predicted": p.tolist(),
        "accuracy": float(accuracy_score(y, p)),
        "precision": pr.tolist(), "recall": rc.tolist(), "f1": f1.tolist(), "support": sup.tolist(),
        "macroF1": float(f1_score(y, p, labels=labels, average="macro", zero_division=0)),
        "weightedF1": float(f1_score(y, p, labels=labels, average="weighted", zero_division=0)),
        "confusion": confusion_matrix(y, p, labels=labels).tolist(),
    })
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "metrics.json")
with open(path, "w") as f:
    json.dump({"generator": "scripts/make_metrics_fixtures.py", "cases": out}, f)
print(f"wrote {len(out)} cases")
