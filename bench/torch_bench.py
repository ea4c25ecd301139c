"""PyTorch CPU timings for the workloads of bench/losses.mjs.

Run: /usr/bin/python3 bench/torch_bench.py [--quick] [--cpu] [--threads=N]   (bench/losses.mjs
calls it once per thread count). Prints JSON {version, threads, cases: {id: {fwd, grad}}}
(median ms after warm-up) on stdout. float32 inputs, as losskit's benchmark.
"""
import json
import statistics
import sys
import time

import torch
import torch.nn.functional as F

THREADS = 1
for a in sys.argv[1:]:
    if a.startswith("--threads="):
        THREADS = int(a.split("=")[1])
torch.set_num_threads(THREADS)
QUICK = "--quick" in sys.argv
# --cpu: process CPU time (all threads) instead of wall-clock time (steadier on a shared machine;
# with 2 threads it is the total work, not the elapsed time).
clock = time.process_time if "--cpu" in sys.argv else time.perf_counter
g = torch.Generator().manual_seed(0)

if QUICK:
    ELEMS, CE, CTC = 1 << 18, [(65536, 10), (1024, 1000), (128, 32000)], (200, 4, 50, 40)
else:
    ELEMS, CE, CTC = 4 * 1024 * 1024, [(1 << 20, 10), (16384, 1000), (2048, 32000)], (1000, 4, 100, 100)
SMALL = 1000


def plan(elements):
    if elements <= SMALL:
        return 50, 201
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


def sigmoid_focal(x, y, alpha=0.25, gamma=2.0):
    # torchvision.ops.sigmoid_focal_loss, reduction='mean'
    p = torch.sigmoid(x)
    ce = F.binary_cross_entropy_with_logits(x, y, reduction="none")
    p_t = p * y + (1 - p) * (1 - y)
    loss = ce * ((1 - p_t) ** gamma)
    alpha_t = alpha * y + (1 - alpha) * (1 - y)
    return (alpha_t * loss).mean()


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
cases["focal"] = fwd_and_grad(lambda x: sigmoid_focal(x, yb), zb, ELEMS)
for N, C in CE:
    z = torch.randn(N, C, generator=g) * 2
    t = torch.randint(0, C, (N,), generator=g)
    cases[f"ce-{N}x{C}"] = fwd_and_grad(lambda x: F.cross_entropy(x, t), z, N * C)
T, N, C, S = CTC
lp = torch.log_softmax(torch.randn(T, N, C, generator=g) * 3, dim=2)
tg = torch.randint(1, C, (N, S), generator=g)
il = torch.full((N,), T, dtype=torch.long)
tl = torch.full((N,), S, dtype=torch.long)
cases["ctc"] = fwd_and_grad(lambda x: F.ctc_loss(x, tg, il, tl), lp, T * N * C)
# small inputs (call overhead)
ys, ps = torch.randn(SMALL, generator=g), torch.randn(SMALL, generator=g)
cases["small-mse"] = fwd_and_grad(lambda x: F.mse_loss(x, ys), ps, SMALL)
ybs = (torch.rand(SMALL, generator=g) < 0.5).float()
cases["small-bce-logits"] = fwd_and_grad(lambda x: F.binary_cross_entropy_with_logits(x, ybs), ps, SMALL)
zs = torch.randn(SMALL // 10, 10, generator=g)
ts = torch.randint(0, 10, (SMALL // 10,), generator=g)
cases["small-ce"] = fwd_and_grad(lambda x: F.cross_entropy(x, ts), zs, SMALL)

print(json.dumps({"version": torch.__version__, "threads": THREADS, "cases": cases}))
