"""Text-conditioned digits: does ``text-gan`` draw what a new description asks for?

Trains ``text-gan`` on scikit-learn's 8x8 digits cut to a long tail, each
training image described by ganaug.datasets.describe_digits ("a thin seven
leaning right"). Then, per digit, it draws samples from four descriptions
("a thin D", "a bold D", "a D leaning left", "a D leaning right") and measures
what they should change: ink (pixel sum) for thin vs bold, slant for left vs
right; the training images described with those words are the reference.
A logistic regression trained on all real digits reports how many samples it
reads as the asked digit. Writes a grid of the four descriptions
per digit to <out>/text_digits.png and the table to <out>/text_digits.md.

    .venv-bench/bin/python benchmarks/text_digits.py                  # IR 10, seed 0
    .venv-bench/bin/python benchmarks/text_digits.py --ir 50 --steps 3000
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression

from ganaug import GANOverSampler
from ganaug.data.datasets import DIGIT_NAMES, describe_digits, load_long_tailed_digits
from ganaug.evaluation.quality import sample_grid
from ganaug.evaluation.reports import markdown_table

DESCRIPTIONS = ("a thin {}", "a bold {}", "a {} leaning left", "a {} leaning right")


def slant(images: np.ndarray) -> np.ndarray:
    """Column of the ink's centre in the upper half minus in the lower half (> 0: leaning right)."""
    images = images.astype(np.float64)
    columns, half = np.arange(images.shape[2]), images.shape[1] // 2

    def centre(part: np.ndarray) -> np.ndarray:
        return (part.sum(axis=1) * columns).sum(axis=1) / (part.sum(axis=(1, 2)) + 1e-9)

    return centre(images[:, :half]) - centre(images[:, half:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ir", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--per-description", type=int, default=200)
    parser.add_argument("--out", default="bench-out",
                        help="folder for the results (the stored ones: --out benchmarks/results)")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    images, labels = load_long_tailed_digits(args.ir, args.seed)
    start = time.perf_counter()
    sampler = GANOverSampler(backend="text-gan", texts=describe_digits(images, labels), steps=args.steps,
                             random_state=args.seed).fit(images, labels)
    fit_seconds = time.perf_counter() - start
    digits = load_digits()
    reader = LogisticRegression(max_iter=3000).fit(digits.images.reshape(len(digits.images), -1) * 255 / 16,
                                                   digits.target)
    texts = np.array(describe_digits(images, labels))
    rows, grid_images, grid_labels = [], [], []
    for digit in sorted(sampler.backends_):  # the grown digits (not the largest)
        drawn = {}
        for template in DESCRIPTIONS:
            text = template.format(DIGIT_NAMES[digit])
            drawn[text], _ = sampler.generate({digit: args.per_description}, descriptions={digit: text})
            grid_images.append(drawn[text][:10])
            grid_labels += [f"{digit}: {text}"] * 10  # sorted by digit in the grid
        ink = {t: float(x.reshape(len(x), -1).sum(1).mean()) for t, x in drawn.items()}
        lean = {t: float(slant(x).mean()) for t, x in drawn.items()}
        thin, bold, left, right = (template.format(DIGIT_NAMES[digit]) for template in DESCRIPTIONS)
        every = np.concatenate(list(drawn.values()))
        read = reader.predict(every.reshape(len(every), -1).astype(np.float64))
        real = images[(labels == digit).to_numpy()]
        said = texts[(labels == digit).to_numpy()]
        described = {w: real[np.char.find(said, w) >= 0] for w in ("thin", "bold", "left", "right")}
        real_ink = {w: described[w].reshape(len(described[w]), -1).sum(1).mean() for w in ("thin", "bold")}
        real_lean = {w: slant(described[w]).mean() for w in ("left", "right")}
        rows.append({"digit": digit, "train images": len(real),
                     "ink bold / thin": ink[bold] / ink[thin],
                     "real: ink bold / thin": real_ink["bold"] / real_ink["thin"],
                     "slant right - left": lean[right] - lean[left],
                     "real: slant right - left": real_lean["right"] - real_lean["left"],
                     "read as the digit": float((read == digit).mean())})
    table = pd.DataFrame(rows).set_index("digit")
    grid = sample_grid(np.concatenate(grid_images), np.array(grid_labels),
                       title=f"text-gan, IR {args.ir:g}: samples drawn from new descriptions")
    grid.savefig(out / "text_digits.png", dpi=100)
    text = (f"IR {args.ir:g}, seed {args.seed}, {args.steps} steps, fit {fit_seconds:.0f} s; "
            f"{args.per_description} samples per description.\n\n{markdown_table(table)}\n\n"
            f"mean: ink bold / thin {table['ink bold / thin'].mean():.2f} (real "
            f"{table['real: ink bold / thin'].mean():.2f}), slant right - left "
            f"{table['slant right - left'].mean():.2f} px "
            f"(real {table['real: slant right - left'].mean():.2f}), read as the digit "
            f"{table['read as the digit'].mean():.3f}\n")
    (out / "text_digits.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
