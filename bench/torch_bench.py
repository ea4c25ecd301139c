"""PyTorch CPU (1 thread) timings for the shapes of bench/losses.mjs.

Run: /usr/bin/python3 bench/torch_bench.py [--quick]   (bench/losses.mjs calls it)
Prints JSON {version, cases: {id: {fwd, grad}}} (median ms after warm-up) on stdout.
"""
import json
import statistics
import sys
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(1)
QUICK = "--quick" in sys.argv
# --cpu: process CPU time instead of wall-clock time (steadier on a shared machine).
clock = time.process_time if "--cpu" in sys.argv else time.perf_counter
g = torch.Generator().manual_seed(0)

if QUICK:
    ELEMS, CE = 1 << 18, [(65536, 10), (1024, 1000), (128, 32000)]
else:
    ELEMS, CE = 4 * 1024 * 1024, [(1 << 20, 10), (16384, 1000), (2048, 32000)]


def plan(elements):
    if QUICK or elements >= 3e7:
        return 1, 3
    return 2, 7


def bench(fn, elements):
    warmup, runs = plan(elements)
    for _ in range(warmup):
        fn()
    ts = []
    for _ in range(runs):
        t0 = clock()
        fn()
        ts.append((clock() - t0) * 1000)
    return statistics.median(ts)


def fwd_and_grad(loss_fn, x, elements):
    def fwd():
        with torch.no_grad():
            loss_fn(x).item()

    def grad():
        xx = x.detach().requires_grad_(True)
        loss = loss_fn(xx)
        loss.backward()
        loss.item()

    return {"fwd": bench(fwd, elements), "grad": bench(grad, elements)}


# Global warm-up on small tensors (first-call initialisation would land in the first case).
_w = torch.randn(4096, 10, requires_grad=True)
for _ in range(20):
    (F.mse_loss(_w, _w.detach() * 0) + F.binary_cross_entropy_with_logits(_w, torch.ones(4096, 10))
     + F.cross_entropy(_w, torch.zeros(4096, dtype=torch.long))).backward()

cases = {}
y = torch.randn(ELEMS, generator=g)
p = torch.randn(ELEMS, generator=g)
cases["mse"] = fwd_and_grad(lambda x: F.mse_loss(x, y), p, ELEMS)
yb = (torch.rand(ELEMS, generator=g) < 0.5).float()
zb = torch.randn(ELEMS, generator=g) * 2
cases["bce-logits"] = fwd_and_grad(lambda x: F.binary_cross_entropy_with_logits(x, yb), zb, ELEMS)
for N, C in CE:
    z = torch.randn(N, C, generator=g) * 2
    t = torch.randint(0, C, (N,), generator=g)
    cases[f"ce-{N}x{C}"] = fwd_and_grad(lambda x: F.cross_entropy(x, t), z, N * C)
    print(f"torch ce {N}x{C}: {cases[f'ce-{N}x{C}']}", file=sys.stderr)

print(json.dumps({"version": torch.__version__, "cases": cases}))
