"""Tables with missing values and integer-coded categories: the GAN models the gaps, SMOTE(-NC) imputes first.

KEEL tables (../shared/BENCHMARKS.md protocol: stratified 5-fold CV, kNN(5),
decision tree, RBF SVC; G-mean, minority F1, AUC on the test folds) with
feature values knocked out completely at random (MCAR) at each rate, the same
seeded cells for every sampler. Integer-valued columns with 3 to 10 distinct
values are declared categorical (``categorical_features``), as a user would
declare a zip or grade code. Classifiers see median / most-frequent imputed,
standardised, one-hot features (ganaug.evaluation.features), fitted on each
training fold.

Samplers: none; random oversampling; SMOTE after imputation (SMOTE-NC where
there are categorical columns, SMOTEN where all are); the default GAN, which
models where values are missing; and the same GAN trained on the imputed
table ("wgan-gp-imputed"), to separate modelling the gaps from imputing them.

    make bench-deps
    .venv-bench/bin/python benchmarks/missing.py                 # 15 tables, 10 % and 30 %
    .venv-bench/bin/python benchmarks/missing.py --rates 0.1 --datasets yeast4,pima

Writes <out>/<tag>.csv (tidy fold results) and <out>/<tag>.md (per rate:
mean per dataset, mean rank, and paired Wilcoxon tests of the GAN against each).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from imblearn.over_sampling import SMOTE, RandomOverSampler
from sklearn.base import BaseEstimator, clone
from sklearn.impute import SimpleImputer
from sklearn.model_selection import StratifiedKFold
from tabular import (  # benchmarks/tabular.py, beside this script
    DEV_SUITE,
    METRICS,
    paired_tests,
    ranked_table,
    write_results,
)

from ganaug import GANOverSampler
from ganaug.data.datasets import load_keel
from ganaug.evaluation import evaluate, make_classifiers
from ganaug.evaluation.reports import markdown_table

# the dev suite and the wide suite's tables with integer-coded categorical columns
SUITE = DEV_SUITE + ("dermatology-6", "flare-F", "kr-vs-k-zero_vs_fifteen", "zoo-3",
                     "lymphography-normal-fibrosis")
DEFAULT = "wgan-gp"


def knock_out(X: pd.DataFrame, rate: float, seed: int) -> pd.DataFrame:
    """``X`` with a seeded ``rate`` of its cells set missing, completely at random."""
    gaps = np.random.default_rng(seed).random(X.shape) < rate
    return X.mask(gaps)


def coded_categories(X: pd.DataFrame) -> list[str]:
    """Integer-valued numeric columns with 3 to 10 distinct values: codes a user would declare."""
    return [c for c in X.columns if pd.api.types.is_numeric_dtype(X[c]) and (X[c].dropna() % 1 == 0).all()
            and 3 <= X[c].nunique() <= 10]


class ImputedThen(BaseEstimator):
    """Impute (median; most frequent level for categorical columns) on the training fold, then resample."""

    def __init__(self, sampler: Any = None, categorical: tuple = ()) -> None:
        self.sampler = sampler
        self.categorical = categorical

    def fit_resample(self, X: pd.DataFrame, y: Any) -> tuple[pd.DataFrame, Any]:
        filled = X.copy()
        for column in X.columns:
            if column in self.categorical or not pd.api.types.is_numeric_dtype(X[column]):
                strategy = "most_frequent"
            else:
                strategy = "median"
            values = SimpleImputer(strategy=strategy, keep_empty_features=True).fit_transform(
                X[[column]].astype(object if strategy == "most_frequent" else float))
            filled[column] = pd.Series(values[:, 0], index=X.index).astype(X[column].dtype)
        return clone(self.sampler).fit_resample(filled, y)


def samplers(seed: int, categorical: list[str]) -> dict[str, Any]:
    gan = GANOverSampler(backend=DEFAULT, random_state=seed, categorical_features=categorical)
    return {"none": None, "ros": RandomOverSampler(random_state=seed), "smote": SMOTE(random_state=seed),
            DEFAULT: gan, f"{DEFAULT}-imputed": ImputedThen(gan, tuple(categorical))}


def run(datasets: list[str], rates: list[float], seed: int, checkpoint: Path | None = None) -> pd.DataFrame:
    frames = []
    for name in datasets:
        X, y = load_keel(name)
        categorical = coded_categories(X)
        for rate in rates:
            start = time.perf_counter()
            result = evaluate(knock_out(X, rate, seed), y, samplers(seed, categorical),
                              make_classifiers(("knn", "tree", "svc"), seed),
                              cv=StratifiedKFold(5, shuffle=True, random_state=seed), metrics=METRICS,
                              random_state=seed, categorical_features=categorical)
            frames.append(result.assign(dataset=name, rate=rate))
            print(f"{name} at {rate:.0%} missing ({len(categorical)} declared categorical): "
                  f"{time.perf_counter() - start:.0f} s", flush=True)
            if checkpoint is not None:
                pd.concat(frames, ignore_index=True).to_csv(checkpoint, index=False)
    return pd.concat(frames, ignore_index=True)


def summary(results: pd.DataFrame) -> str:
    blocks = []
    for rate, part in results.groupby("rate"):
        part = part.drop(columns="rate")
        blocks.append(f"## {rate:.0%} of the cells missing\n")
        for metric in METRICS:
            blocks.append(ranked_table(part, metric))
            tests = markdown_table(paired_tests(part, DEFAULT, metric))
            blocks.append(f"### {DEFAULT} against each, {metric} over datasets\n\n{tests}\n")
    return "\n".join(blocks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=",".join(SUITE))
    parser.add_argument("--rates", default="0.1,0.3", help="fractions of the cells knocked out")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="bench-out",
                        help="folder for the results (the stored ones: --out benchmarks/results)")
    parser.add_argument("--tag", default="missing")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results = run(args.datasets.split(","), [float(r) for r in args.rates.split(",")], args.seed,
                  checkpoint=out / f"{args.tag}.csv")
    write_results(results, out, args.tag, summary(results))


if __name__ == "__main__":
    main()
