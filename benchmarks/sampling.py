"""Streaming sampling benchmark: rows/s and peak memory when writing many rows to CSV and Parquet.

A 10-column mixed table (7 numeric, 1 integer, 2 categorical; 10% minority)
trains ganaug's default sampler briefly (sampling speed and memory do not
depend on how long it trained). Then, in a fresh process per format so peak
memories don't mix, ``generate_to`` streams N rows to a file. Reports decoded
rows/s (in memory at once, in streamed batches without writing, and to each
file) and each process' peak resident memory.
The peer is the same draw held in memory at once with ``generate``, measured
in the same run.

    .venv-bench/bin/python benchmarks/sampling.py --rows 10000000
    .venv-bench/bin/python benchmarks/sampling.py --refine interpolate --rows 10000000

``--refine`` picks the refinement (default: the sampler's default, ``proximity-safe``,
which draws and checks four samples per row; ``interpolate`` is the fast one).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from ganaug import GANOverSampler


def make_table(n: int = 2000, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    y = pd.Series(np.where(rng.random(n) < 0.1, "minority", "majority"), name="label")
    shift = (y == "minority").to_numpy()
    X = pd.DataFrame({f"x{i}": rng.normal(shift * (i % 3), 1 + i % 2, n) for i in range(7)})
    X["count"] = rng.poisson(3 + 2 * shift, n)
    X["kind"] = np.where(rng.random(n) < 0.3 + 0.4 * shift, "a", rng.choice(["b", "c"], n))
    X["region"] = rng.choice(["north", "south", "east", "west"], n)
    return X, y


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def child(model: str, mode: str, rows: int, out: str) -> None:
    """One measurement in this process: ``mode`` is memory (the peer), batches, csv or parquet."""
    sampler = GANOverSampler.load(model)
    start = time.perf_counter()
    if mode == "memory":
        X, _ = sampler.generate({"minority": rows})
        assert len(X) == rows
    elif mode == "batches":  # decoded DataFrames of 100,000 rows, as streaming makes them, not written
        assert sum(len(X) for X, _ in sampler.generate_batches({"minority": rows})) == rows
    else:
        sampler.generate_to(Path(out) / f"rows.{mode}", {"minority": rows})
    seconds = time.perf_counter() - start
    print(f"{mode},{rows},{seconds:.2f},{rows / seconds:.0f},{peak_mb():.0f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--peer-rows", type=int, default=2_000_000, help="rows held in memory by the peer")
    parser.add_argument("--refine", default="default", help="a refinement name, none, or default")
    parser.add_argument("--modes", default="memory,batches,csv,parquet")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], int(args.child[2]), args.child[3])
        return
    with tempfile.TemporaryDirectory() as folder:
        model = Path(folder) / "model.safetensors"
        chosen = None if args.refine == "none" else args.refine
        refine = {} if args.refine == "default" else {"refine": chosen}
        sampler = GANOverSampler(random_state=0, steps=50, **refine).fit(*make_table())
        sampler.save(model)
        print(f"refine: {sampler.refine}")
        print("mode,rows,seconds,rows_per_second,peak_mb")
        for mode in args.modes.split(","):
            rows = args.peer_rows if mode == "memory" else args.rows
            subprocess.run([sys.executable, __file__, "--child", str(model), mode, str(rows), folder],
                           check=True)


if __name__ == "__main__":
    main()
