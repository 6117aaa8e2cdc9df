"""PyTorch CPU peer of the matjac bench (float64), measured in the same run.

For each map and n: the full Jacobian (or Hessian) of the same map at the same kind of inputs,
by torch.autograd.functional.jacobian/hessian(vectorize=True) and by torch.func (functorch in
PyTorch 1.13) jacrev / hessian; one JSON line per (map, n, mode) on stdout with the median wall
time after warm-up. Run by bench/peer-torch.ts; needs Debian's python3-torch.

    python3 bench/peer_torch.py --maps 'A*X*B,inv(X)' --sizes 16,32 --reps 5
"""
import argparse
import json
import statistics
import sys
import time

import torch

try:  # PyTorch >= 2.0
    from torch.func import hessian as f_hessian, jacrev as f_jacrev
except ImportError:  # PyTorch 1.13 (Debian bookworm)
    from functorch import hessian as f_hessian, jacrev as f_jacrev

torch.set_default_dtype(torch.float64)


def inputs(n):
    g = torch.Generator().manual_seed(12345)
    A = torch.rand(n, n, generator=g) * 2 - 1
    B = torch.rand(n, n, generator=g) * 2 - 1
    X = torch.rand(n, n, generator=g) * 2 - 1 + n * torch.eye(n)
    return X, A, B


def maps(n, A, B):
    return {
        "A*X*B": (lambda x: A @ x @ B, False),
        "X*X'": (lambda x: x @ x.T, False),
        "inv(X)": (lambda x: torch.linalg.inv(x), False),
        "sigmoid(A*X)": (lambda x: torch.sigmoid(A @ x), False),
        "logdet(X)+tr(X'*A*X)": (lambda x: torch.logdet(x) + torch.trace(x.T @ A @ x), True),
    }


BATCH_S = 0.05


def timed(fn, x, reps):
    t0 = time.perf_counter()
    fn(x)  # warm-up: at least one call, more until 0.3 s (the same policy as bench/rows.ts warmUp)
    k = 1
    while k < 50 and time.perf_counter() - t0 < 0.3:
        fn(x)
        k += 1
    # timed as matjac's rows are (bench/rows.ts loopTimes): reps batches of back-to-back calls, each
    # batch running for at least BATCH_S (one call at least), its wall time over its calls; the median batch
    ts = []
    for _ in range(reps):
        s = time.perf_counter()
        k = 0
        while True:
            fn(x)
            k += 1
            if time.perf_counter() - s >= BATCH_S:
                break
        ts.append((time.perf_counter() - s) * 1e3 / k)
    return statistics.median(ts)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--maps", required=True)
    ap.add_argument("--sizes", required=True)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--max-ms", type=float, default=6000, help="skip a larger n of a map when a call would take longer (n^3 growth from the last n)")
    args = ap.parse_args()
    info = f"torch {torch.__version__}, {torch.get_num_threads()} threads"
    for name in args.maps.split(","):
        too_slow = False
        last = None  # (n, best ms) of the last n measured
        for n in [int(s) for s in args.sizes.split(",")]:
            X, A, B = inputs(n)
            table = maps(n, A, B)
            if name not in table:
                continue
            f, hess = table[name]
            modes = (
                [("autograd-vec", lambda x: torch.autograd.functional.hessian(f, x, vectorize=True)), ("func.hessian", f_hessian(f))]
                if hess
                else [("autograd-vec", lambda x: torch.autograd.functional.jacobian(f, x, vectorize=True)), ("func.jacrev", f_jacrev(f))]
            )
            best = float("inf")
            too_slow = too_slow or (last is not None and last[1] * (n / last[0]) ** 3 > args.max_ms)
            for mode, fn in modes:
                row = {"lib": "pytorch(cpu)", "map": name, "mode": mode, "n": n, "device": info}
                if too_slow:
                    row["error"] = f"skipped: a call would take over {args.max_ms:.0f} ms"
                else:
                    try:
                        row["ms"] = timed(fn, X, args.reps)
                        row["outBytes"] = 8 * n**4
                        best = min(best, row["ms"])
                    except Exception as e:  # noqa: BLE001 (reported as a row)
                        row["error"] = f"{type(e).__name__}: {e}"[:200]
                print(json.dumps(row), flush=True)
            if best < float("inf"):
                last = (n, best)


if __name__ == "__main__":
    sys.exit(main())
