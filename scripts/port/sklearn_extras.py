"""Fixture of scikit-learn 1.2.1 calls for the issue-12 bullets the ported tests do not assert.

scikit-learn's own tests check several behaviours with a bare `assert x == y` (which the recording
plugin cannot see) or not at all: `fbeta_score(beta=inf)`, binary `top_k_accuracy_score` on 1-D
scores, `log_loss(normalize=False)`, its `eps` and its renormalisation of each probability row,
`hinge_loss` on any two labels, `brier_score_loss`, `labels` selecting a subset of classes,
`multioutput` as an array of weights and `force_finite=False`. This script calls scikit-learn
itself on small fixed inputs and records each call with the value it returned, in the format of
the ported fixtures (so test/dialect/sklearn.test.ts runs them through the same mapper).

Usage (from the repository root):
  /usr/bin/python3 scripts/port/sklearn_extras.py > test/fixtures/dialect/sklearn-extras.json
"""
import json
import os
import sys

import numpy as np
import sklearn
import sklearn.metrics as skm

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sklearn_plugin import enc  # noqa: E402  (the ported fixtures' value encoding)

CASES = []
TOL = {"rtol": 1e-12, "atol": 1e-12}


def case(group, fn, *args, output=None, **kwargs):
    """Calls scikit-learn's `fn` and records the call, its value and the tolerance."""
    out = getattr(skm, fn)(*args, **kwargs)
    if output is not None:
        out = out[output]
    k = sum(1 for c in CASES if c["id"].startswith(f"extras::{group}#")) + 1
    CASES.append({
        "id": f"extras::{group}#{k}",
        "assert": "assert_allclose",
        "tolerance": TOL,
        "call": {"function": fn, "args": [enc(a) for a in args], "kwargs": {k2: enc(v) for k2, v in kwargs.items()}},
        "output": output,
        "expected": enc(out),
    })


rng = np.random.RandomState(12)

# fbeta_score with beta=inf: F is the recall
yt = np.array([0, 1, 1, 0, 1, 1, 0, 1, 0, 0])
yp = np.array([0, 1, 0, 0, 1, 1, 1, 1, 1, 0])
case("fbeta_inf", "fbeta_score", yt, yp, beta=np.inf)
ytm = rng.randint(0, 4, 30)
ypm = rng.randint(0, 4, 30)
for avg in ["macro", "micro", "weighted", None]:
    case("fbeta_inf", "fbeta_score", ytm, ypm, beta=np.inf, average=avg)
case("fbeta_inf", "precision_recall_fscore_support", ytm, ypm, beta=np.inf, average=None, output=2)
ytl = rng.randint(0, 2, (12, 3))
ypl = rng.randint(0, 2, (12, 3))
case("fbeta_inf", "fbeta_score", ytl, ypl, beta=np.inf, average="samples")
case("fbeta_inf", "fbeta_score", ytl, ypl, beta=np.inf, average="macro")

# binary top_k_accuracy_score on 1-D scores
ys = np.array([0.2, 0.7, 0.4, 0.55, 0.9, 0.1, 0.6, 0.45])
ytb = np.array([0, 1, 1, 0, 1, 0, 0, 1])
case("top_k_binary", "top_k_accuracy_score", ytb, ys, k=1)
case("top_k_binary", "top_k_accuracy_score", ytb, ys * 4 - 2, k=1)  # decision values: threshold 0
case("top_k_binary", "top_k_accuracy_score", ytb, ys, k=2)
case("top_k_binary", "top_k_accuracy_score", ytb, ys, k=1, sample_weight=np.array([1, 2, 0.5, 1, 3, 1, 2, 1.5]))

# log_loss: normalize=False, eps, and the renormalisation of probability rows
p3 = rng.dirichlet([1, 1, 1], 8)
y3 = np.array([0, 1, 2, 2, 1, 0, 1, 2])
case("log_loss", "log_loss", y3, p3, normalize=False)
case("log_loss", "log_loss", y3, p3, normalize=False, sample_weight=np.arange(1, 9) / 4)
case("log_loss", "log_loss", y3, p3 * 1.3)  # rows summing to 1.3: scikit-learn divides by the row sum
case("log_loss", "log_loss", y3, np.array(p3[:, [0, 1, 2]] * [1.0, 0.8, 1.1]))
case("log_loss", "log_loss", y3, p3, eps=1e-3)
p0 = p3.copy()
p0[2] = [0.0, 0.0, 1.0]
p0[3] = [0.5, 0.5, 0.0]
case("log_loss", "log_loss", y3, p0)  # a zero probability of the true class: clipped at eps ('auto')
case("log_loss", "log_loss", y3, p0, eps=1e-4)
case("log_loss", "log_loss", ytb, ys)
case("log_loss", "log_loss", ytb, ys, normalize=False)
case("log_loss", "log_loss", np.array([1, 1, 0, 0]), np.array([1.0, 0.9, 0.0, 0.2]), eps=0.05)

# hinge_loss on any two labels, and multiclass with labels
dec = np.array([-1.2, 0.4, 2.0, 0.3, -0.1, 1.5])
case("hinge", "hinge_loss", np.array([3, 7, 7, 3, 3, 7]), dec)
case("hinge", "hinge_loss", np.array([-1, 1, 1, -1, -1, 1]), dec)
case("hinge", "hinge_loss", np.array([0, 1, 1, 0, 0, 1]), dec, sample_weight=np.array([1, 2, 0.5, 1, 3, 1]))
decm = rng.randn(6, 3)
case("hinge", "hinge_loss", np.array([0, 2, 2, 0, 1, 1]), decm)
case("hinge", "hinge_loss", np.array([0, 2, 2, 0, 2, 0]), decm, labels=np.array([0, 1, 2]))

# brier_score_loss
pb = np.array([0.1, 0.8, 0.9, 0.3, 1.0, 0.95, 0.4])
case("brier", "brier_score_loss", np.array([0, 1, 1, 0, 1, 1, 0]), pb)
case("brier", "brier_score_loss", np.array([-1, 1, 1, -1, 1, 1, -1]), pb)
case("brier", "brier_score_loss", np.array([0, 1, 1, 0, 1, 1, 0]), pb, pos_label=0)
case("brier", "brier_score_loss", np.array([0, 1, 1, 0, 1, 1, 0]), pb, sample_weight=np.array([1, 2, 0.5, 1, 3, 1, 2]))
case("brier", "brier_score_loss", np.array([2, 5, 5, 2, 5, 5, 2]), pb, pos_label=5)

# labels selecting a subset of classes
y5 = rng.randint(0, 5, 40)
p5 = rng.randint(0, 5, 40)
w5 = rng.rand(40)
for fn in ["precision_score", "recall_score", "f1_score"]:
    for avg in ["macro", "micro", "weighted", None]:
        case("labels_subset", fn, y5, p5, labels=[0, 2, 3], average=avg)
case("labels_subset", "fbeta_score", y5, p5, beta=0.5, labels=[4, 1], average="macro", sample_weight=w5)
case("labels_subset", "confusion_matrix", y5, p5, labels=[3, 0, 1])
case("labels_subset", "confusion_matrix", y5, p5, labels=[3, 0, 1], sample_weight=w5)
case("labels_subset", "cohen_kappa_score", y5, p5, labels=[0, 1, 2])
case("labels_subset", "precision_recall_fscore_support", y5, p5, labels=[1, 3], average=None, output=3)

# multioutput as an array of weights; force_finite=False
Yt = rng.rand(10, 3) * 4
Yp = np.abs(Yt + rng.randn(10, 3) * 0.5)
mw = np.array([0.2, 0.5, 1.3])
for fn in ["mean_absolute_error", "mean_squared_error", "mean_absolute_percentage_error", "r2_score",
           "explained_variance_score", "mean_pinball_loss", "mean_squared_log_error"]:
    case("multioutput_weights", fn, Yt, Yp, multioutput=mw)
case("multioutput_weights", "mean_pinball_loss", Yt, Yp, alpha=0.8, multioutput=mw, sample_weight=rng.rand(10))
case("multioutput_weights", "r2_score", Yt, Yp, multioutput=mw, sample_weight=rng.rand(10))
Yc = Yt.copy()
Yc[:, 1] = 2.0  # a constant column: R² and explained variance undefined there
Yq = Yc.copy()
Yq[:, 2] = Yc[:, 2] + 0.0
for fn in ["r2_score", "explained_variance_score"]:
    case("force_finite", fn, Yc, Yp, force_finite=False, multioutput="raw_values")
    case("force_finite", fn, Yc, Yq, force_finite=False, multioutput="raw_values")
    case("force_finite", fn, Yc[:, 1], Yp[:, 1], force_finite=False)
    case("force_finite", fn, Yc[:, 1], Yc[:, 1], force_finite=False)
    case("force_finite", fn, Yc, Yp, force_finite=True, multioutput="raw_values")

json.dump({
    "source": {
        "library": "scikit-learn",
        "version": sklearn.__version__,
        "script": "scripts/port/sklearn_extras.py",
        "note": "values scikit-learn returned for these calls (not a ported test's literals)",
    },
    "cases": CASES,
}, sys.stdout, indent=1)
sys.stdout.write("\n")
