"""Recurrent training steps, deepglass vs PyTorch eager on the CPU: LSTM, GRU (64→128, 2 layers) and RNN (1 layer).

Input batch-first (32, 50, 64). One step = forward, MSE loss of the output sequence against a fixed target,
zero_grad, backward (no optimizer: the update is the same for both and small). Prints ms/step and the ratio
(torch ms / deepglass ms: above 1 means deepglass is faster); the two libraries are timed in turn
(`time_pair_ms`), so a drifting machine slows both sides alike.

Threads: both libraries get the same count (`--threads`, default 1): torch.set_num_threads, and
`deepglass.set_num_threads` plus threadpoolctl for NumPy's BLAS.

It also prints each step's GEMM floor: the step's matrix products alone, in the shapes deepglass runs them,
back to back on NumPy's BLAS. Per layer: the input projection of all steps; one h·W_hhᵀ per step forward (its G
gate blocks in one batched matmul, as the ops do) and one d·W_hh per step backward; then dW_ih, dW_hh and, above
layer 0, dx as one product each. A framework that runs these products on that BLAS spends at least this much per
step, so floor / torch bounds the ratio it can reach here; the rest of the step (gate maths, a few ufunc calls on
(32, 128) blocks per time step) is what deepglass adds on top.

    python bench/bench_rnn.py [--threads 1] [--rounds 15] [--only lstm,gru,rnn]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import blas_threads, header, limit_blas_threads, row, time_ms, time_pair_ms, torch_or_none  # noqa: E402

BATCH, LENGTH, INPUT, HIDDEN = 32, 50, 64, 128
CASES = {"lstm": ("LSTM", 4, 2), "gru": ("GRU", 3, 2), "rnn": ("RNN", 1, 1)}  # name: (class, gates, layers)


def data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, LENGTH, INPUT), dtype=np.float32)
    target = rng.standard_normal((BATCH, LENGTH, HIDDEN), dtype=np.float32)
    return x, target


def deepglass_step_fn(kind: str):
    import deepglass as dg
    from deepglass import nn

    cls, _, layers = CASES[kind]
    dg.manual_seed(0)
    model = getattr(nn, cls)(INPUT, HIDDEN, num_layers=layers, batch_first=True)
    x, target = (dg.tensor(a) for a in data())
    loss_fn = nn.MSELoss()

    def step():
        out, _ = model(x)
        loss = loss_fn(out, target)
        model.zero_grad()
        loss.backward()
        return loss

    return step


def torch_step_fn(torch, kind: str):
    cls, _, layers = CASES[kind]
    torch.manual_seed(0)
    model = getattr(torch.nn, cls)(INPUT, HIDDEN, num_layers=layers, batch_first=True)
    x, target = (torch.from_numpy(a) for a in data())
    loss_fn = torch.nn.MSELoss()

    def step():
        out, _ = model(x)
        loss = loss_fn(out, target)
        model.zero_grad()
        loss.backward()
        return loss

    return step


def gemm_floor_fn(kind: str):
    """The step's products as plain NumPy calls, in the layouts deepglass's fused ops use."""
    _, gates, layers = CASES[kind]
    rng = np.random.default_rng(0)
    G, LN = gates * HIDDEN, LENGTH * BATCH
    w_ih = [rng.standard_normal((G, INPUT if k == 0 else HIDDEN), dtype=np.float32) for k in range(layers)]
    w_hh = [rng.standard_normal((G, HIDDEN), dtype=np.float32) for _ in range(layers)]
    xs = [rng.standard_normal((LN, w.shape[1]), dtype=np.float32) for w in w_ih]
    hs = rng.standard_normal((LENGTH, BATCH, HIDDEN), dtype=np.float32)
    dgates = rng.standard_normal((LENGTH, BATCH, G), dtype=np.float32)
    out = np.empty((BATCH, G), dtype=np.float32)
    dh = np.empty((BATCH, HIDDEN), dtype=np.float32)

    def products():
        for k in range(layers):
            xs[k] @ w_ih[k].T
            if gates > 1:  # as deepglass's ops: one (H, H) block of W_hhᵀ per gate, in one batched matmul
                WT = np.ascontiguousarray(w_hh[k].reshape(gates, HIDDEN, HIDDEN).transpose(0, 2, 1))
                target = out.reshape(BATCH, gates, HIDDEN).transpose(1, 0, 2)
            else:
                WT, target = np.ascontiguousarray(w_hh[k].T), out
            for t in range(LENGTH):
                np.matmul(hs[t], WT, out=target)
        for k in reversed(range(layers)):
            for t in range(LENGTH):
                np.matmul(dgates[t], w_hh[k], out=dh)
            d2 = dgates.reshape(LN, G)
            d2.T @ xs[k]
            d2.T @ hs.reshape(LN, HIDDEN)
            if k > 0:
                d2 @ w_ih[k]

    return products


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--only", default="lstm,gru,rnn", help="comma-separated cases: lstm, gru, rnn")
    args = parser.parse_args()
    kinds = [k.strip() for k in args.only.split(",") if k.strip()]
    limiter = limit_blas_threads(args.threads)  # noqa: F841 - keeps the limit while timing
    torch = torch_or_none(args.threads)
    settle = 0.02 if args.threads > 1 else 0.0
    print(f"recurrent training step (fwd + MSE + bwd), input batch-first ({BATCH}, {LENGTH}, {INPUT}), "
          f"hidden {HIDDEN}, {args.threads} thread(s)")
    header()
    floors = {}
    for kind in kinds:
        cls, _, layers = CASES[kind]
        name = f"{cls.lower()} {INPUT}->{HIDDEN} x{layers} step"
        if torch is None:
            dg_ms, torch_ms = time_ms(deepglass_step_fn(kind), warmup=3, repeats=args.rounds), None
        else:
            dg_ms, torch_ms, _ = time_pair_ms(deepglass_step_fn(kind), torch_step_fn(torch, kind), warmup=3,
                                              rounds=args.rounds, number=3, settle_s=settle)
        row(name, dg_ms, torch_ms)
        with blas_threads(args.threads):  # the floor gets every thread back for BLAS
            floors[kind] = (time_ms(gemm_floor_fn(kind), warmup=3, repeats=args.rounds), torch_ms)
    for kind, (floor_ms, torch_ms) in floors.items():
        cls, gates, layers = CASES[kind]
        per_step = f"{LENGTH} steps x ({BATCH},{HIDDEN})@({HIDDEN},{gates * HIDDEN}) each way per layer"
        bound = f", floor / torch = {floor_ms / torch_ms:.2f}" if torch_ms is not None else ""
        print(f"GEMM floor {cls} (NumPy's BLAS, {per_step}): {floor_ms:.3f} ms{bound}")


if __name__ == "__main__":
    main()
