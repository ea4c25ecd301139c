"""pandas read_csv + the same scikit-learn metrics as `losskit eval` (bench/eval.mjs runs this side by side)."""
import sys
import time

import numpy as np
import pandas as pd
from sklearn import metrics as M

kind, path = sys.argv[1], sys.argv[2]
t0 = time.time()
df = pd.read_csv(path)
y = df["y_true"].to_numpy()
out = {}
if kind == "binary":
    p = df["prob"].to_numpy()
    yhat = (p >= 0.5).astype(int)
    out["accuracy"] = M.accuracy_score(y, yhat)
    out["precision"] = M.precision_score(y, yhat)
    out["recall"] = M.recall_score(y, yhat)
    out["f1"] = M.f1_score(y, yhat)
    out["auroc"] = M.roc_auc_score(y, p)
    out["averagePrecision"] = M.average_precision_score(y, p)
    out["logLoss"] = M.log_loss(y, p)
    # Expected calibration error, 15 equal-width bins (no scikit-learn function: numpy).
    conf = np.where(p >= 0.5, p, 1 - p)
    acc = (yhat == y).astype(float)
    b = np.minimum((conf * 15).astype(int), 14)
    n = np.bincount(b, minlength=15)
    sc = np.bincount(b, weights=conf, minlength=15)
    sa = np.bincount(b, weights=acc, minlength=15)
    out["calibrationError"] = float(np.abs(sc - sa).sum() / len(y))
elif kind == "count":
    p = df["prob"].to_numpy()
    yhat = (p >= 0.5).astype(int)
    out["accuracy"] = M.accuracy_score(y, yhat)
    out["precision"] = M.precision_score(y, yhat)
    out["recall"] = M.recall_score(y, yhat)
    out["f1"] = M.f1_score(y, yhat)
    out["logLoss"] = M.log_loss(y, p)
else:
    P = df[[c for c in df.columns if c.startswith("p_")]].to_numpy()
    yhat = P.argmax(axis=1)
    out["accuracy"] = M.accuracy_score(y, yhat)
    out["f1"] = M.f1_score(y, yhat, average="macro")
    out["precision"] = M.precision_score(y, yhat, average="macro")
    out["recall"] = M.recall_score(y, yhat, average="macro")
    out["topKAccuracy"] = M.top_k_accuracy_score(y, P, k=5)
    out["auroc"] = M.roc_auc_score(y, P, multi_class="ovr", average="macro")
    out["logLoss"] = M.log_loss(y, P)
print({k: round(float(v), 6) for k, v in out.items()}, f"{time.time() - t0:.2f}s", file=sys.stderr)
