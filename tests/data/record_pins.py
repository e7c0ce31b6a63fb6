"""Record the fixtures of tests/test_pinned.py: seeded samples of every backend, and model files.

Recorded on commit e8e86ff (model format 1), before the redesign of issue 16:
    .venv/bin/python tests/data/record_pins.py /tmp/pins
The test re-draws the same samples with the current code and compares.
"""
import json, sys
from pathlib import Path
import numpy as np, pandas as pd, torch
from ganaug import GANOverSampler, list_backends, get_backend
from ganaug.testing import tiny_table, tiny_images

out = Path(sys.argv[1]); (out / "models").mkdir(parents=True, exist_ok=True)
COUNTS = {"minor": 4, "rare": 3}

def table_json(frame):
    return {c: [v.item() if isinstance(v, np.generic) else v for v in frame[c].tolist()] for c in frame.columns}

cases = []
for name in list_backends():
    kinds = get_backend(name).data_kinds
    if "tabular" in kinds:
        cases.append((name, "tabular", {"refine": None}))
    if "image" in kinds:
        cases.append((name, "image", {}))
cases += [("wgan-gp", "tabular", {}), ("wgan-gp", "tabular", {"conditioning": "per-class", "refine": None}),
          ("ctgan", "tabular", {}), ("dcgan", "image", {"refine": "augment"})]
pins = []
for name, kind, extra in cases:
    X, y = tiny_table() if kind == "tabular" else tiny_images()
    s = GANOverSampler(backend=name, random_state=0, device="cpu", epochs=2, batch_size=20, **extra)
    s.fit(X, y)
    drawn, labels = s.generate(COUNTS)
    entry = {"backend": name, "kind": kind, "params": extra, "labels": [str(v) for v in labels]}
    entry["samples"] = table_json(drawn) if kind == "tabular" else drawn.astype(int).tolist()
    pins.append(entry)
    print(name, kind, extra, flush=True)
(out / "pinned_samples.json").write_text(json.dumps(pins))

# model files in format 1 (small settings), with what they draw
models = [
    ("wgan-gp-table", "wgan-gp", "tabular", {}),
    ("gan-per-class-table", "gan", "tabular", {"generator_dims": (16, 16), "critic_dims": (16, 16), "noise_dim": 8}),
    ("ctgan-table", "ctgan", "tabular", {"generator_dims": (16, 16), "critic_dims": (16, 16), "noise_dim": 8}),
    ("cogan-table", "cogan", "tabular", {"generator_dims": (16, 16), "critic_dims": (16, 16), "noise_dim": 8}),
    ("dcgan-images", "dcgan", "image", {"width": 4, "noise_dim": 8}),
    ("stylegan-images", "stylegan", "image", {"width": 4, "noise_dim": 8, "style_dim": 8}),
    ("cyclegan-images", "cyclegan", "image", {"width": 4, "max_source_rows": 16}),
    ("text-gan-images", "text-gan", "image", {"width": 4, "noise_dim": 8,
                                              "texts": {"major": "a big square", "minor": "a small square", "rare": "a tiny square"}}),
]
expected = {}
for tag, name, kind, opts in models:
    X, y = tiny_table() if kind == "tabular" else tiny_images()
    if kind == "tabular":
        opts = {**opts}
    s = GANOverSampler(backend=name, random_state=0, device="cpu", epochs=2, batch_size=20, **opts)
    s.fit(X, y)
    path = s.save(out / "models" / f"{tag}.safetensors")
    drawn, labels = s.generate(COUNTS)
    expected[tag] = {"kind": kind, "labels": [str(v) for v in labels],
                     "samples": table_json(drawn) if kind == "tabular" else drawn.astype(int).tolist()}
    print(tag, path.stat().st_size, flush=True)
# one backend file (Backend.save)
X, y = tiny_table()
s = GANOverSampler(backend="wgan-gp", random_state=0, device="cpu", epochs=2, batch_size=20).fit(X, y)
model = s.backends_["minor"]
model.save(out / "models" / "backend-wgan-gp.safetensors")
expected["backend-wgan-gp"] = {"kind": "encoded", "samples": model.sample(5, 1, torch.Generator().manual_seed(3)).tolist()}
(out / "models" / "expected.json").write_text(json.dumps(expected))
