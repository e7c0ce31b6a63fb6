"""The README's picture: real rows of the rare class against the rows ganaug made for it.

    .venv/bin/python benchmarks/figures.py          # writes docs/images/marginals.png

The embedded breast-cancer table made 10:1 imbalanced (36 malignant rows), the default sampler
(wgan-gp with refine="proximity-safe"), seed 0; four columns, histograms as densities.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from ganaug import GANOverSampler
from ganaug.data.datasets import load_imbalanced

COLUMNS = ("mean radius", "mean texture", "worst concave points", "mean smoothness")


def main(out: Path = Path("docs/images/marginals.png")) -> None:
    X, y = load_imbalanced("breast_cancer")
    sampler = GANOverSampler(random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    made = X_res[sampler.sample_is_synthetic_]
    real = X[y.to_numpy() == "malignant"]
    fig = Figure(figsize=(12, 2.9), layout="constrained")
    for ax, column in zip(fig.subplots(1, len(COLUMNS)), COLUMNS):
        bins = np.histogram_bin_edges(np.r_[real[column], made[column]], bins=18)
        ax.hist(real[column], bins=bins, density=True, alpha=0.6, label=f"real malignant ({len(real)})")
        ax.hist(made[column], bins=bins, density=True, alpha=0.6, label=f"synthetic ({len(made)})")
        ax.set_xlabel(column)
        ax.set_ylabel("density")
    fig.axes[0].legend(fontsize="small")
    fig.suptitle("breast cancer, 10:1: the rows ganaug made for the rare class against its real rows",
                 fontsize="medium")
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=100)


if __name__ == "__main__":
    main()
