"""Turn the raw output of sklearn_plugin.py into test/fixtures/dialect/sklearn-<name>.json.

Usage: /usr/bin/python3 scripts/port/sklearn_finish.py <name> <raw.json> <out.json>

Keeps every case except the random-data pinball tests beyond the first 40 small ones (cases
with more than 300 input elements are left out: the same test repeated over distributions).
"""
import json
import math
import sys


def size(v):
    if isinstance(v, dict) and "array" in v:
        return math.prod(v["shape"]) if v["shape"] else 1
    return 1


def main():
    name, raw, out = sys.argv[1:4]
    d = json.load(open(raw))
    cases = []
    pin = 0
    for c in d["cases"]:
        total = sum(size(a) for a in c["call"]["args"]) + sum(size(v) for v in c["call"]["kwargs"].values())
        if c["call"]["function"] == "mean_pinball_loss":
            if total > 300:
                continue
            pin += 1
            if pin > 40:
                continue
        cases.append(c)
    d["source"]["file"] = f"sklearn/metrics/tests/test_{name}.py"
    d["source"]["extractedBy"] = "scripts/port/sklearn_plugin.py, scripts/port/sklearn_finish.py"
    d["source"]["note"] = (
        'expected: the value the test asserts (expectedFrom "test": the test\'s literal or its own '
        'expression, evaluated); expectedFrom "sklearn-call": the test compares two scikit-learn calls, '
        "so the expected value was computed with sklearn 1.2.1 on the test's inputs. sklearnValue: what "
        "scikit-learn 1.2.1 returned (every case passes in scikit-learn itself). Assertions a test expects "
        "to fail are not cases. Inputs over 4000 elements and pinball cases over 300 elements are left out."
    )
    d["cases"] = cases
    json.dump(d, open(out, "w"))
    print(name, len(cases))


if __name__ == "__main__":
    main()
