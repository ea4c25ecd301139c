"""pytest plugin: record scikit-learn's own metric test cases as literal JSON fixtures.

Usage (scikit-learn 1.2.1 from Debian; its tests ship in the package):
  cd scripts/port && SKPORT_OUT=/tmp/out.json /usr/bin/python3 -m pytest -p sklearn_plugin -q \
      /usr/lib/python3/dist-packages/sklearn/metrics/tests/test_classification.py

Contains no scikit-learn code. The plugin wraps the public metric functions so that each call
made by a test is remembered (its literal arguments and the value scikit-learn returned), and
wraps the assertion helpers so that each assertion whose actual value is such a return value is
recorded with the expected value the test gives and the tolerance it uses. The real assertion
then runs, so every recorded case also passes in scikit-learn 1.2.1 itself.
"""
import json
import os

import numpy as np
import numpy.testing as npt
import pytest
import sklearn
import sklearn.metrics as skm
import sklearn.utils._testing as skt

FUNCTIONS = [
    "accuracy_score", "precision_score", "recall_score", "f1_score", "fbeta_score",
    "precision_recall_fscore_support", "confusion_matrix", "matthews_corrcoef", "cohen_kappa_score",
    "log_loss", "hinge_loss", "brier_score_loss", "top_k_accuracy_score", "roc_auc_score",
    "average_precision_score", "roc_curve", "precision_recall_curve", "mean_absolute_error",
    "mean_squared_error", "mean_squared_log_error", "mean_absolute_percentage_error", "r2_score",
    "explained_variance_score", "mean_pinball_loss",
]
MAX_ELEMENTS = 4000
CASES = []
REG = {}
STATE = {"test": None, "k": 0, "skipped_big": 0}


def enc(x):
    if x is None or isinstance(x, (bool, str)):
        return x
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        v = float(x)
        return v if np.isfinite(v) else str(v)
    if isinstance(x, dict):
        return {k: enc(v) for k, v in x.items()}
    a = np.asarray(x)
    if a.size > MAX_ELEMENTS:
        raise OverflowError("too big")
    if a.dtype.kind in "US":
        return {"array": a.tolist(), "dtype": "str", "shape": list(a.shape)}
    if a.dtype.kind == "O":
        flat = a.ravel().tolist()
        if all(isinstance(v, str) for v in flat):
            return {"array": a.tolist(), "dtype": "str", "shape": list(a.shape)}
        raise TypeError("object array")
    if a.dtype.kind == "b":
        return {"array": a.tolist(), "dtype": "bool", "shape": list(a.shape)}
    if a.dtype.kind == "f":
        def fin(v):
            if isinstance(v, list):
                return [fin(u) for u in v]
            return v if np.isfinite(v) else str(v)
        return {"array": fin(a.astype(np.float64).tolist()), "dtype": str(a.dtype), "shape": list(a.shape)}
    return {"array": a.tolist(), "dtype": str(a.dtype), "shape": list(a.shape)}


def wrap(name, fn):
    def wrapper(*args, **kwargs):
        out = fn(*args, **kwargs)
        try:
            call = {"function": name, "args": [enc(a) for a in args],
                    "kwargs": {k: enc(v) for k, v in kwargs.items()}}
        except OverflowError:
            STATE["skipped_big"] += 1
            return out
        except TypeError:
            return out
        try:
            value = enc(out) if not isinstance(out, tuple) else [enc(o) for o in out]
        except (TypeError, OverflowError):
            return out
        REG[id(out)] = (out, call, None, value)
        if isinstance(out, tuple):
            for i, o in enumerate(out):
                REG[id(o)] = (o, call, i, value[i])
        return out
    wrapper.__wrapped__ = fn
    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


def lookup(x):
    hit = REG.get(id(x))
    if hit is not None and hit[0] is x:
        return hit
    return None


def record(kind, actual, desired, tol):
    hit = lookup(actual)
    other = lookup(desired)
    if hit is None and other is not None:
        hit, other, desired = other, None, actual
    if hit is None:
        return
    try:
        expected = enc(desired) if not isinstance(desired, tuple) else [enc(d) for d in desired]
    except (TypeError, OverflowError):
        return
    STATE["k"] += 1
    CASES.append({
        "id": f"{STATE['test']}#{STATE['k']}", "assert": kind, "tolerance": tol,
        "call": hit[1], "output": hit[2], "expected": expected,
        "expectedFrom": "sklearn-call" if other is not None else "test",
        "sklearnValue": hit[3],
    })


def assert_wrapper(kind, orig, tol_of):
    def w(actual, desired, *a, **k):
        n = len(CASES)
        record(kind, actual, desired, tol_of(*a, **k))
        try:
            return orig(actual, desired, *a, **k)
        except AssertionError:
            # an assertion the test expects to fail (inside pytest.raises(AssertionError)): not a case
            del CASES[n:]
            raise
    return w


def _dec(default):
    return lambda decimal=default, *a, **k: {"decimal": decimal}


def _allclose(rtol=None, atol=0.0, *a, **k):
    return {"rtol": 1e-7 if rtol is None else rtol, "atol": atol}


def _equal(*a, **k):
    return {"rtol": 0, "atol": 0}


for nm in FUNCTIONS:
    setattr(skm, nm, wrap(nm, getattr(skm, nm)))

PATCHES = {
    "assert_almost_equal": _dec(7),
    "assert_array_almost_equal": _dec(6),
    "assert_allclose": _allclose,
    "assert_array_equal": _equal,
}
for mod in (npt, skt):
    for nm, tol in PATCHES.items():
        if hasattr(mod, nm):
            setattr(mod, nm, assert_wrapper(nm, getattr(mod, nm), tol))

_approx = pytest.approx


class _Approx:
    # as pytest's own approx: keep numpy from comparing element by element
    __array_ufunc__ = None
    __array_priority__ = 100
    def __init__(self, expected, rel=None, abs=None, **k):
        self.inner = _approx(expected, rel=rel, abs=abs, **k)
        self.expected = expected
        self.tol = {"rtol": 1e-6 if rel is None else rel, "atol": 1e-12 if abs is None else abs}

    def __eq__(self, actual):
        n = len(CASES)
        record("pytest.approx", actual, self.expected, self.tol)
        eq = self.inner == actual
        if not eq:
            del CASES[n:]
        return eq

    def __repr__(self):
        return repr(self.inner)


pytest.approx = _Approx


def pytest_runtest_setup(item):
    STATE["test"] = item.nodeid.split("tests/")[-1]
    STATE["k"] = 0


def pytest_sessionfinish(session, exitstatus):
    out = os.environ.get("SKPORT_OUT", "/tmp/sklearn-cases.json")
    with open(out, "w") as f:
        json.dump({"source": {"repository": "scikit-learn/scikit-learn", "version": sklearn.__version__,
                              "package": "Debian python3-sklearn 1.2.1+dfsg-1 (tests shipped in the package)"},
                   "skippedTooBig": STATE["skipped_big"], "cases": CASES}, f)
