"""Memory while refusing tampered model files: peak memory grows by a small multiple of the file size.

Each crafted file is loaded in a fresh process; the benchmark records the
process' peak resident memory after the refusal minus its peak after
importing ganaug and torch (the baseline), and divides by the file's size.
The cases are the ones that allocated before ganaug 0.2 checked shapes on the
meta device (e.g. MLP widths of 12,000 took 1.5 GB to refuse) and other
large or deep values.

    .venv-bench/bin/python benchmarks/model_files.py --out benchmarks/results
"""

from __future__ import annotations

import argparse
import copy
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
from safetensors import safe_open
from safetensors.torch import save_file

from ganaug import GANOverSampler
from ganaug.evaluation.reports import markdown_table
from ganaug.testing import tiny_images, tiny_table

PROBE = """
import resource, sys
import ganaug, torch
from ganaug import GANOverSampler
from ganaug.errors import ModelFileError
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    if sys.argv[1] == "control":  # what refusing the first case took before 0.2: its nets, built for real
        from ganaug.nn import mlp
        nets = [mlp(100, (12000, 12000), 20), mlp(20, (12000, 12000), 1)]
        outcome = "built"
    else:
        GANOverSampler.load(sys.argv[1], device="cpu")
        outcome = "loaded"
except ModelFileError:
    outcome = "refused"
print(outcome, before, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def tampered(config: dict, path: list, value) -> dict:
    config = copy.deepcopy(config)
    target = config
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return config


CASES = {
    "MLP widths of 12,000": ("table", ["models", 0, "options", "generator_dims"], [12000, 12000]),
    "MLP widths of 120,000": ("table", ["models", 0, "options", "critic_dims"], [120000, 120000]),
    "10**12 rows to draw": ("table", ["sampling_strategy"], [["minor", 10**12]]),
    "10**9 classes": ("table", ["models", 0, "n_classes"], 10**9),
    "images of 100,000 x 100,000": ("images", ["encoder", "shape"], [100000, 100000]),
    "conv width of 10**6": ("images", ["models", 0, "options", "width"], 10**6),
    "a sample shape of 131,072 x 131,072": ("images", ["models", 0, "sample_shape"], [1, 131072, 131072]),
    "metadata nested 100,000 deep": ("table", None, None),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="bench-out",
                        help="folder for the results (the stored ones: --out benchmarks/results)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    valid = {
        "table": GANOverSampler(epochs=1, batch_size=20, random_state=0).fit(*tiny_table()).save(
            folder / "table.safetensors"),
        "images": GANOverSampler(backend="dcgan", epochs=1, batch_size=20, random_state=0, width=4).fit(
            *tiny_images()).save(folder / "images.safetensors"),
    }
    rows = []
    for name, (kind, path, value) in CASES.items():
        with safe_open(str(valid[kind]), framework="pt") as handle:
            config = json.loads(handle.metadata()["ganaug"])
            tensors = {k: handle.get_tensor(k) for k in handle.keys()}  # noqa: SIM118
        text = "[" * 100_000 + "]" * 100_000 if path is None else json.dumps(tampered(config, path, value))
        crafted = folder / "crafted.safetensors"
        save_file(tensors, str(crafted), metadata={"ganaug": text})
        run = subprocess.run([sys.executable, "-c", PROBE, str(crafted)], capture_output=True, text=True,
                             check=True)
        outcome, before, after = run.stdout.split()
        extra_bytes = (int(after) - int(before)) * 1024  # ru_maxrss is in KiB on Linux
        size = crafted.stat().st_size
        rows.append({"case": name, "outcome": outcome, "file KiB": size / 1024,
                     "extra peak memory KiB": extra_bytes / 1024, "x file size": extra_bytes / size})
    run = subprocess.run([sys.executable, "-c", PROBE, "control"], capture_output=True, text=True, check=True)
    outcome, before, after = run.stdout.split()
    rows.append({"case": "control: the 12,000-wide nets built", "outcome": outcome, "file KiB": float("nan"),
                 "extra peak memory KiB": (int(after) - int(before)), "x file size": float("nan")})
    table = pd.DataFrame(rows).set_index("case")
    text = ("# Memory while refusing tampered model files\n\nPeak resident memory of a fresh process after "
            "the refusal, beyond its peak after importing ganaug and torch; the control row shows what "
            "building the first case's nets takes.\n\n" + markdown_table(table, 2) + "\n")
    Path(args.out).mkdir(parents=True, exist_ok=True)
    (Path(args.out) / "model_files.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
