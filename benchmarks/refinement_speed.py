"""Sampling speed with the default refinement, this tree against another commit, in one run.

A 20,000-row mixed table (5 numeric columns, 2 categorical, 3 classes of
18,000 / 1,600 / 400 rows) is fitted once per tree with the default sampler
(``refine="proximity-safe"``, 2 epochs: the generator's quality does not
matter here); then ``generate`` draws 50,000 rows of the rarest class, three
times, and the best time counts. Each tree runs in its own process, one after
the other, with one torch thread; the draws of both are compared for equality.

    .venv-bench/bin/python benchmarks/refinement_speed.py --base HEAD~1
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, sys, time
import numpy as np, pandas as pd, torch
torch.set_num_threads(1)
from ganaug import GANOverSampler
rng = np.random.default_rng(0)
n = 20000
X = pd.DataFrame(rng.normal(size=(n, 5)), columns=[f"x{i}" for i in range(5)])
X["colour"] = rng.choice(["red", "green", "blue"], n)
X["size"] = rng.choice(["s", "m", "l", "xl"], n)
y = pd.Series(np.repeat(["major", "minor", "rare"], [18000, 1600, 400]), name="label")
X.loc[y == "rare", "x0"] += 1.5
sampler = GANOverSampler(epochs=2, random_state=0).fit(X, y)
best = float("inf")
for _ in range(3):
    start = time.perf_counter()
    rows, _ = sampler.generate({"rare": 50000})
    best = min(best, time.perf_counter() - start)
print(json.dumps({"seconds": best, "digest": float(rows.select_dtypes("number").to_numpy().sum())}))
"""


def run(tree: Path) -> dict:
    # cwd=tree: "python -c" puts the working directory first on sys.path, ahead of PYTHONPATH
    done = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, check=True, cwd=tree,
                          env={**os.environ, "PYTHONPATH": str(tree), "OMP_NUM_THREADS": "1",
                               "PYTHONWARNINGS": "ignore"})
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="HEAD~1", help="the commit to compare this tree with")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base"
        subprocess.run(["git", "worktree", "add", "--detach", str(base), args.base], cwd=ROOT, check=True,
                       capture_output=True)
        try:
            before, after = run(base), run(ROOT)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(base)], cwd=ROOT, capture_output=True)
    rate = 50000 / before["seconds"]
    print(f"{args.base}: {before['seconds']:.2f} s for 50,000 refined rows ({rate:,.0f} rows/s)")
    print(f"this tree: {after['seconds']:.2f} s ({50000 / after['seconds']:,.0f} rows/s); "
          f"{before['seconds'] / after['seconds']:.2f}x; same rows: {before['digest'] == after['digest']}")


if __name__ == "__main__":
    main()
