"""Extract Keras 3's own loss/metric test cases as literal JSON fixtures.

Usage: /usr/bin/python3 scripts/port/keras_harness.py <keras-git-dir> <commit> <file> [<file> ...] > out.json

This script contains no Keras code. It builds a stand-in `keras` package whose losses and
metrics only *record* how a test calls them (class or function name, constructor arguments,
the literal y_true / y_pred / sample_weight of each call), runs every test method of the named
test files (read from the Keras git directory at the given commit), and records each
assertion that compares a recorded result with a value: the expected value exactly as the
test states it and the test's own tolerance. Nothing is computed by Keras; the stand-in `ops`
module only evaluates numpy expressions the tests use to build inputs.
"""
import json
import subprocess
import sys
import tempfile
import types
import os
import traceback
import itertools

import numpy as np

CASES = []
CURRENT = {"test": None, "k": 0}


class Opaque:
    """A value the stand-in cannot represent (attribute of a peer object, arithmetic on results)."""

    def __init__(self, why):
        self.why = why

    def __getattr__(self, n):
        if n.startswith("__"):
            raise AttributeError(n)
        return Opaque(f"{self.why}.{n}")

    def __call__(self, *a, **k):
        return Opaque(self.why + "()")

    def __iter__(self):
        return iter([])

    def __len__(self):
        return 0

    def __getitem__(self, i):
        return Opaque(self.why + "[]")

    def __bool__(self):
        return True

    def __eq__(self, o):
        return True

    def __hash__(self):
        return 0

    def _arith(self, *a):
        return Opaque(self.why + " arith")

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _arith
    __neg__ = __pow__ = __lt__ = __gt__ = __le__ = __ge__ = _arith


def enc(x):
    """Literal JSON form of a test input."""
    if isinstance(x, Result):
        return {"result": x.spec}
    if isinstance(x, Opaque):
        raise ValueError("opaque input " + x.why)
    if x is None or isinstance(x, (bool, str)):
        return x
    if isinstance(x, (int, float)):
        return x if np.isfinite(x) else str(x)
    if isinstance(x, (list, tuple)) and all(isinstance(v, str) for v in x) and len(x) > 0:
        return list(x)
    if isinstance(x, dict):
        return {k: enc(v) for k, v in x.items()}
    a = np.asarray(x)
    if a.dtype == object:
        raise ValueError("object array")
    dt = str(a.dtype)
    if a.dtype.kind == "f" and a.dtype.itemsize < 8:
        # shortest decimal that rounds to the same float32/float16: the literal the test wrote
        data = np.vectorize(lambda v: float(str(a.dtype.type(v))), otypes=[np.float64])(a).tolist()
    elif a.dtype.kind in "fc":
        data = a.astype(np.float64).tolist()
    else:
        data = a.astype(np.int64 if a.dtype.kind in "iub" else a.dtype).tolist()
    if a.dtype.kind == "b":
        data = a.tolist()

    def fin(v):
        if isinstance(v, list):
            return [fin(u) for u in v]
        if isinstance(v, float) and not np.isfinite(v):
            return str(v)
        return v

    return {"array": fin(data), "dtype": dt, "shape": list(a.shape)}


class Result:
    def __init__(self, spec):
        self.spec = spec

    def __getattr__(self, n):
        if n.startswith("__"):
            raise AttributeError(n)
        if n == "shape":
            return Opaque("result.shape")
        return Opaque("result." + n)

    def _arith(self, *a):
        return Opaque("arith on result")

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _arith
    __neg__ = __getitem__ = __pow__ = _arith

    def __array__(self, *a, **k):
        raise TypeError("result is not an array")


class PeerObject:
    def __init__(self, module, name, args, kwargs):
        self._spec = {"module": module, "class": name, "args": [enc(a) for a in args],
                      "kwargs": {k: enc(v) for k, v in kwargs.items()}}
        self._updates = []

    def __call__(self, *args, **kwargs):
        call = {"args": [enc(a) for a in args], "kwargs": {k: enc(v) for k, v in kwargs.items()}}
        if self._spec["module"] == "losses":
            return Result({"object": self._spec, "call": call})
        self._updates.append(call)
        return self.result()

    def update_state(self, *args, **kwargs):
        self._updates.append({"args": [enc(a) for a in args], "kwargs": {k: enc(v) for k, v in kwargs.items()}})

    def result(self):
        return Result({"object": self._spec, "updates": list(self._updates)})

    def reset_state(self):
        self._updates = []

    def __getattr__(self, n):
        if n.startswith("__"):
            raise AttributeError(n)
        return Opaque(self._spec["class"] + "." + n)


def peer_module(modname):
    m = types.ModuleType("keras.src." + modname)

    def ga(name):
        if name.startswith("__"):
            raise AttributeError(name)
        if name[0].isupper():
            class Cls:
                def __new__(cls, *a, **k):
                    return PeerObject(kind, name, a, k)

                @staticmethod
                def from_config(cfg):
                    return Opaque("from_config")

            kind = "losses" if modname.startswith("losses") else "metrics"
            Cls.__name__ = name
            return Cls

        def fn(*args, **kwargs):
            return Result({"function": name, "module": modname,
                           "args": [enc(a) for a in args], "kwargs": {k: enc(v) for k, v in kwargs.items()}})
        return fn

    m.__getattr__ = ga
    return m


def np_ops():
    m = types.ModuleType("keras.src.ops")
    special = {
        "convert_to_tensor": lambda x, dtype=None, **k: np.asarray(x, dtype=dtype),
        "cast": lambda x, dtype: np.asarray(x).astype(dtype),
        "one_hot": lambda x, num_classes, **k: np.eye(num_classes)[np.asarray(x)],
        "convert_to_numpy": np.asarray,
        "array": lambda x, dtype=None: np.asarray(x, dtype=dtype),
    }

    def ga(name):
        if name in special:
            return special[name]
        if hasattr(np, name):
            return getattr(np, name)
        raise AttributeError(name)

    m.__getattr__ = ga
    return m


class Raises:
    def __init__(self, *a, **k):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *a):
        return True


def record(kind, actual, desired, tol):
    for a, d in ((actual, desired), (desired, actual)):
        if isinstance(a, Result):
            try:
                exp = enc(d)
            except Exception as e:  # noqa: BLE001
                return
            CURRENT["k"] += 1
            CASES.append({"id": f"{CURRENT['test']}#{CURRENT['k']}", "assert": kind, "tolerance": tol,
                          "actual": a.spec, "expected": exp})
            return


class TestCase:
    def assertAllClose(self, actual, desired, atol=1e-6, rtol=1e-6, **k):
        record("assertAllClose", actual, desired, {"atol": atol, "rtol": rtol})

    def assertAlmostEqual(self, actual, desired, decimal=3, places=None, **k):
        if places is not None:
            decimal = places
        record("assertAlmostEqual", actual, desired, {"decimal": decimal})

    def assertEqual(self, actual, desired, *a, **k):
        record("assertEqual", actual, desired, {"atol": 0, "rtol": 0})

    def setUp(self):
        pass

    def assertRaises(self, *a, **k):
        return Raises()

    assertRaisesRegex = assertRaises

    def __getattr__(self, n):
        if n.startswith("__"):
            raise AttributeError(n)
        return lambda *a, **k: None


def param_shim():
    absl = types.ModuleType("absl")
    testing_m = types.ModuleType("absl.testing")
    par = types.ModuleType("absl.testing.parameterized")
    logging_m = types.ModuleType("absl.logging")
    logging_m.__getattr__ = lambda n: (lambda *a, **k: None)

    def parameters(*ps):
        if len(ps) == 1 and isinstance(ps[0], list):
            ps = tuple(ps[0])

        def deco(f):
            out = []
            for i, p in enumerate(ps):
                if isinstance(p, dict):
                    q = dict(p)
                    nm = q.pop("testcase_name", str(i))
                    out.append((nm, (), q))
                elif isinstance(p, tuple):
                    if p and isinstance(p[0], str) and getattr(deco, "named", False):
                        out.append((p[0], p[1:], {}))
                    else:
                        out.append((str(i), p, {}))
                else:
                    out.append((str(i), (p,), {}))
            f._params = out
            return f
        return deco

    def named_parameters(*ps):
        if len(ps) == 1 and isinstance(ps[0], list):
            ps = tuple(ps[0])
        out = []
        for i, p in enumerate(ps):
            if isinstance(p, dict):
                q = dict(p)
                nm = q.pop("testcase_name", str(i))
                out.append((nm, (), q))
            else:
                out.append((p[0], tuple(p[1:]), {}))

        def deco(f):
            f._params = out
            return f
        return deco

    def product(**kw):
        keys = list(kw)
        out = []
        for combo in itertools.product(*[kw[k] for k in keys]):
            out.append(("_".join(str(c) for c in combo), (), dict(zip(keys, combo))))

        def deco(f):
            f._params = out
            return f
        return deco

    par.parameters = parameters
    par.named_parameters = named_parameters
    par.product = product
    par.TestCase = TestCase
    testing_m.parameterized = par
    absl.testing = testing_m
    absl.logging = logging_m
    return {"absl": absl, "absl.testing": testing_m, "absl.testing.parameterized": par, "absl.logging": logging_m}


def install_fake_keras():
    root = types.ModuleType("keras")
    src = types.ModuleType("keras.src")
    root.src = src
    mods = {"keras": root, "keras.src": src}
    backend = types.ModuleType("keras.src.backend")
    backend.backend = lambda: "jax"
    backend.floatx = lambda: "float32"
    backend.epsilon = lambda: 1e-7
    backend.shape = lambda x: Opaque("shape")
    backend.convert_to_tensor = lambda x, dtype=None, **k: np.asarray(x, dtype=dtype)
    backend.convert_to_numpy = np.asarray
    backend.standardize_dtype = lambda d: str(d)
    backend.__getattr__ = lambda n: Opaque("backend." + n)
    testing = types.ModuleType("keras.src.testing")
    testing.TestCase = TestCase
    testing.__getattr__ = lambda n: Opaque("testing." + n)
    ops = np_ops()
    losses_pkg = types.ModuleType("keras.src.losses")
    losses_pkg.__path__ = []
    losses_mod = peer_module("losses")
    losses_pkg.losses = losses_mod
    losses_pkg.__getattr__ = losses_mod.__getattr__
    metrics_pkg = types.ModuleType("keras.src.metrics")
    metrics_pkg.__path__ = []
    mm = peer_module("metrics")
    metrics_pkg.__getattr__ = mm.__getattr__
    for sub in ["accuracy_metrics", "confusion_metrics", "f_score_metrics", "regression_metrics",
                "probabilistic_metrics", "hinge_metrics", "reduction_metrics", "metrics_utils"]:
        mod = peer_module("metrics." + sub)
        setattr(metrics_pkg, sub, mod)
        mods["keras.src.metrics." + sub] = mod
    for nm, mod in [("backend", backend), ("testing", testing), ("ops", ops), ("losses", losses_pkg),
                    ("metrics", metrics_pkg)]:
        setattr(src, nm, mod)
        mods["keras.src." + nm] = mod
    mods["keras.src.losses.losses"] = losses_mod
    for nm in ["layers", "models", "dtype_policies", "initializers", "saving", "tree"]:
        mod = types.ModuleType("keras.src." + nm)
        mod.__getattr__ = (lambda nn: lambda n: Opaque(nn + "." + n))(nm)
        setattr(src, nm, mod)
        mods["keras.src." + nm] = mod
    mods.update(param_shim())
    sys.modules.update(mods)


def run_file(gitdir, commit, path):
    text = subprocess.run(["git", "--git-dir", gitdir, "show", f"{commit}:{path}"], check=True,
                          capture_output=True, text=True).stdout
    g = {"__name__": "peer_test"}
    exec(compile(text, path, "exec"), g)
    for cname, cls in list(g.items()):
        if not (isinstance(cls, type) and issubclass(cls, TestCase) and cls is not TestCase):
            continue
        for mname in sorted(n for n in dir(cls) if n.startswith("test")):
            meth = getattr(cls, mname)
            variants = getattr(meth, "_params", [("", (), {})])
            for suffix, a, k in variants:
                CURRENT["test"] = f"{path}::{cname}::{mname}" + (f"[{suffix}]" if suffix else "")
                CURRENT["k"] = 0
                inst = cls()
                try:
                    if hasattr(cls, "setUp"):
                        cls.setUp(inst)
                    meth(inst, *a, **k)
                except BaseException as e:  # noqa: BLE001 - a test the stand-in cannot run keeps what it recorded
                    sys.stderr.write(f"stopped {CURRENT['test']}: {type(e).__name__}: {str(e)[:120]}\n")


def main():
    gitdir, commit, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    install_fake_keras()
    for f in files:
        run_file(gitdir, commit, f)
    json.dump({"source": {"repository": "keras-team/keras", "commit": commit, "files": files},
               "cases": CASES}, sys.stdout, indent=None)


if __name__ == "__main__":
    main()
