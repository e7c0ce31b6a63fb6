"""Memory while refusing sizes over ganaug's limits: each refusal costs a small multiple of the input.

Each case runs in a fresh process that imports ganaug and torch, builds its
input (the tiny table or tiny images of ``ganaug.testing``), records its peak
resident memory, then makes the call that asks for too much, and records the
peak again. Before ganaug 0.3 these calls allocated until the kernel killed
the process (``sampling_strategy={"minor": 10**12}``), ran forever
(``n_critic=10**9``) or trained 38 images as 512x512 (8x300 strips).

    .venv/bin/python benchmarks/limits.py --out benchmarks/results
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pandas as pd

from ganaug.evaluation.reports import markdown_table

PROBE = """
import resource, sys, time, warnings
warnings.simplefilter("ignore")
import numpy as np
import ganaug, torch
from ganaug import GANOverSampler
from ganaug.errors import GanaugError
from ganaug.testing import tiny_images, tiny_table

case = sys.argv[1]
X, y = tiny_images() if case.startswith("images") else tiny_table()
if case == "images 8x300":
    X = np.zeros((len(y), 8, 300), np.uint8)
fitted = GANOverSampler(epochs=1, batch_size=16, random_state=0, device="cpu").fit(*tiny_table()) \\
    if case.startswith("generate") else None
calls = {
    "sampling_strategy 10**12": lambda: GANOverSampler(sampling_strategy={"minor": 10**12}).fit_resample(
        X, y),
    "n_critic 10**9": lambda: GANOverSampler(n_critic=10**9).fit_resample(X, y),
    "epochs 10**9": lambda: GANOverSampler(epochs=10**9).fit_resample(X, y),
    "widths 10**6": lambda: GANOverSampler(generator_dims=(10**6, 10**6)).fit_resample(X, y),
    "images 8x300": lambda: GANOverSampler(backend="dcgan").fit_resample(X, y),
    "images width 10**5": lambda: GANOverSampler(backend="dcgan", width=10**5).fit_resample(X, y),
    "generate 10**12": lambda: fitted.generate({"minor": 10**12}),
    "generate_batches batch 10**12": lambda: next(fitted.generate_batches({"minor": 10**9},
                                                                          batch_size=10**12)),
}
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
try:
    calls[case]()
    outcome = "ran"
except GanaugError as err:
    outcome = type(err).__name__
seconds = time.perf_counter() - start
size = X.nbytes if isinstance(X, np.ndarray) else int(X.memory_usage(deep=True).sum())
print(outcome, before, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, seconds, size)
"""

CASES = ["sampling_strategy 10**12", "n_critic 10**9", "epochs 10**9", "widths 10**6", "images 8x300",
         "images width 10**5", "generate 10**12", "generate_batches batch 10**12"]


def measure(case: str) -> dict:
    done = subprocess.run([sys.executable, "-c", PROBE, case], capture_output=True, text=True, timeout=600)
    if done.returncode:
        raise RuntimeError(f"{case}: {done.stderr[-2000:]}")
    outcome, before, after, seconds, input_bytes = done.stdout.split()[-5:]
    grown = (int(after) - int(before)) / 1024  # ru_maxrss is in KiB on Linux
    return {"case": case, "outcome": outcome, "input MiB": int(input_bytes) / 2**20,
            "peak growth MiB": grown, "growth / input": grown / max(int(input_bytes) / 2**20, 1e-9),
            "seconds": float(seconds)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="folder for limits.csv and limits.md")
    args = parser.parse_args()
    table = pd.DataFrame([measure(case) for case in CASES])
    print(table.round(3).to_string(index=False))
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        table.to_csv(args.out / "limits.csv", index=False)
        (args.out / "limits.md").write_text(markdown_table(table.set_index("case")) + "\n")


if __name__ == "__main__":
    main()
