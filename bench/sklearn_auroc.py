"""Times scikit-learn's roc_auc_score and average_precision_score on a data file written by
bench/auroc.mjs (uint64 n, then n float64 scores, then n uint8 labels). Prints JSON.

Run by bench/auroc.mjs; by hand: /usr/bin/python3 bench/sklearn_auroc.py <file> [repeats]
"""
import json
import sys
import time

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

path = sys.argv[1]
reps = int(sys.argv[2]) if len(sys.argv) > 2 else 3
raw = np.fromfile(path, dtype=np.uint8)
n = int(raw[:8].view(np.uint64)[0])
x = raw[8:8 + 8 * n].view(np.float64)
y = raw[8 + 8 * n:8 + 9 * n].astype(np.int64)


def best(f):
    b = float("inf")
    r = None
    for _ in range(reps):
        t0 = time.process_time()  # CPU time, as the .mjs measures (the machine is shared)
        r = f()
        b = min(b, (time.process_time() - t0) * 1000)
    return b, r


auroc_ms, auroc = best(lambda: roc_auc_score(y, x))
ap_ms, ap = best(lambda: average_precision_score(y, x))
import sklearn
print(json.dumps({"auroc_ms": auroc_ms, "auroc": float(auroc), "ap_ms": ap_ms, "ap": float(ap), "sklearn": sklearn.__version__}))
