"""Stacked training: evaluate's folds and an ensemble of seeds trained as one network, against one by one.

Two measurements, each in one run on one machine:

1. ``evaluate`` on KEEL tables (stratified 5-fold, seeded; the same folds for
   both arms): the default GAN with its fold models trained as one stack
   (``stack_models=True``, the default) and one after another
   (``stack_models=False``). Sampler time is the sum of the folds'
   ``fit_seconds``; quality is the test folds' G-mean and minority F1.
   ``--threshold`` adds both arms followed by a threshold tuned on real rows
   (each fold then also fits a GAN per inner fold: 30 models a table).
   ``--base COMMIT`` measures against that commit instead: per table, its
   ``evaluate`` of the default GAN (arm ``base``) and this tree's two arms,
   each tree in a process of its own with one torch thread, which one goes
   first alternating by table; the same folds and seed. Issue 28's target, "a
   third of today's sampler time", is stacked against the commit before the
   issue's work (0ee57a9).
2. ``--ensemble``: K generators of one table, by :func:`ganaug.fit_many`
   against K sequential fits and against one fit (training alone, and the
   whole fit with its refinement set-up and collapse check).

Writes ``<out>/<tag>.csv`` and ``<out>/<tag>.md``.

    OMP_NUM_THREADS=1 .venv-bench/bin/python benchmarks/stacked.py --suite dev
    OMP_NUM_THREADS=1 .venv-bench/bin/python benchmarks/stacked.py --suite dev --base 0ee57a9
    OMP_NUM_THREADS=1 .venv-bench/bin/python benchmarks/stacked.py --ensemble --datasets pima

Running two at once on a small machine? Give each OMP_NUM_THREADS=1.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import torch
from tabular import SUITES, run_tables

from ganaug import GANOverSampler, fit_many
from ganaug.data import read_input
from ganaug.data.datasets import load_keel
from ganaug.evaluation import make_classifiers, stats
from ganaug.evaluation.remedies import Remedy
from ganaug.evaluation.reports import markdown_table
from ganaug.sampler.jobs import plan_fit, train_jobs

ARMS = ("stacked", "sequential")
ROOT = Path(__file__).resolve().parents[1]
PAIRS = (("stacked", "sequential"), ("stacked+threshold", "sequential+threshold"),
         ("stacked", "base"), ("sequential", "base"))

# One table's evaluate in a tree of ganaug given by PYTHONPATH (argv: table, seed, classifiers, arms, csv).
# "base" is built without stack_models, which a tree before stacked training does not know.
CHILD = r"""
import sys
import torch
torch.set_num_threads(1)
from tabular import run_tables
from ganaug import GANOverSampler
from ganaug.evaluation import make_classifiers
table, seed, classifiers, arms, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
make = {"base": lambda: GANOverSampler(random_state=seed),
        "stacked": lambda: GANOverSampler(random_state=seed),
        "sequential": lambda: GANOverSampler(random_state=seed, stack_models=False)}
results = run_tables([table], {arm: make[arm]() for arm in arms.split(",")},
                     make_classifiers(classifiers.split(","), seed), ("g_mean", "minority_f1"), seed)
results.to_csv(out, index=False)
"""


def samplers(seed: int, threshold: bool, backend: str = "auto") -> dict:
    arms = {"stacked": GANOverSampler(backend=backend, random_state=seed),
            "sequential": GANOverSampler(backend=backend, random_state=seed, stack_models=False)}
    if threshold:
        arms.update({f"{name}+threshold": Remedy(sampler, threshold=True)
                     for name, sampler in list(arms.items())})
    return arms


def run_folds(datasets: list[str], seed: int, threshold: bool, classifiers: list[str],
              backend: str = "auto", partial: Path | None = None) -> pd.DataFrame:
    """Both arms on each table in turn; after each table, what is done so far goes to ``partial``."""
    return run_tables(datasets, samplers(seed, threshold, backend), make_classifiers(classifiers, seed),
                      ("g_mean", "minority_f1"), seed, checkpoint=partial)


def run_against_base(datasets: list[str], base: str, seed: int, classifiers: list[str],
                     partial: Path | None = None) -> pd.DataFrame:
    """Per table, ``base``'s evaluate and this tree's two arms, each tree in its own process."""
    frames = []
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "base"
        subprocess.run(["git", "worktree", "add", "--detach", str(tree), base], cwd=ROOT, check=True,
                       capture_output=True)
        try:
            for i, name in enumerate(datasets):
                runs = [(tree, "base"), (ROOT, ",".join(ARMS))]
                for where, arms in runs if i % 2 == 0 else runs[::-1]:  # who goes first alternates
                    out = Path(tmp) / f"{name}-{where.name}.csv"
                    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore",
                           "PYTHONPATH": f"{where}{os.pathsep}{where / 'benchmarks'}"}
                    # cwd: "python -c" puts the working directory first on sys.path, ahead of PYTHONPATH
                    subprocess.run([sys.executable, "-c", CHILD, name, str(seed), ",".join(classifiers), arms,
                                    str(out)], env=env, check=True, cwd=where)
                    frames.append(pd.read_csv(out))
                if partial is not None:
                    pd.concat(frames, ignore_index=True).to_csv(partial, index=False)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, capture_output=True)
    return pd.concat(frames, ignore_index=True)


def fold_summary(results: pd.DataFrame) -> str:
    seconds = results[results["metric"] == "fit_seconds"].groupby(["sampler", "dataset"])["value"].sum()
    present = set(results["sampler"])
    rows, tests = [], []
    for first, second in [(a, b) for a, b in PAIRS if {a, b} <= present]:
        time_a, time_b = seconds[first], seconds[second]
        row = {"arms": f"{first} / {second}", "tables": len(time_a),
               "sampler s, first": time_a.sum(), "sampler s, second": time_b.sum(),
               "time ratio": time_a.sum() / time_b.sum(),
               "per-table ratio, median": (time_a / time_b).median()}
        for metric in ("g_mean", "minority_f1"):
            table = stats.per_dataset(results, metric)
            diff = (table[first] - table[second]).dropna().to_numpy()
            row[f"{metric} first"] = table[first].mean()
            row[f"{metric} second"] = table[second].mean()
            tests.append({"arms": row["arms"], "metric": metric, "mean difference": diff.mean(),
                          "first better on": f"{int((diff > 0).sum())} of {len(diff)}",
                          "Wilcoxon p": stats.wilcoxon_p(diff)})
        rows.append(row)
    per_table = seconds.unstack("sampler")
    return ("## evaluate, 5 folds: sampler time and quality\n\n" + markdown_table(pd.DataFrame(rows), 3)
            + "\n\n### paired over tables\n\n" + markdown_table(pd.DataFrame(tests), 3)
            + "\n\n### sampler seconds per table\n\n" + markdown_table(per_table.reset_index(), 2) + "\n")


def run_ensemble(name: str, sizes: list[int], seed: int) -> pd.DataFrame:
    X, y = load_keel(name)
    rows = []
    plan = plan_fit(GANOverSampler(random_state=seed), read_input(X), y, y.to_numpy(), False)
    job = plan.jobs[0]
    train_jobs([job], plan.device)  # warm-up: the first fit of a process imports torch._dynamo
    for k in sizes:
        jobs = [dataclasses.replace(job, seed=job.seed + i) for i in range(k)]
        start = time.perf_counter()
        train_jobs(jobs, plan.device)
        stacked = time.perf_counter() - start
        start = time.perf_counter()
        for one in jobs:
            train_jobs([one], plan.device)
        sequential = time.perf_counter() - start
        start = time.perf_counter()
        fit_many([GANOverSampler(random_state=seed + i) for i in range(k)], [(X, y)] * k)
        whole_stacked = time.perf_counter() - start
        start = time.perf_counter()
        GANOverSampler(random_state=seed).fit(X, y)
        whole_one = time.perf_counter() - start
        rows.append({"dataset": name, "K": k, "training s, stack": stacked,
                     "training s, one by one": sequential,
                     "stack vs one by one": sequential / stacked,
                     "stack vs one model": stacked / (sequential / k),
                     "whole fit s, fit_many": whole_stacked, "whole fit s, one model": whole_one,
                     "fit_many vs one fit": whole_stacked / whole_one})
        print(rows[-1], flush=True)
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", choices=sorted(SUITES), default="dev")
    parser.add_argument("--datasets", help="comma-separated KEEL tables instead of a suite")
    parser.add_argument("--classifiers", default="logreg,hgb")
    parser.add_argument("--backend", default="auto", help="the GAN of both arms (default: the default)")
    parser.add_argument("--threshold", action="store_true", help="also both arms followed by a threshold")
    parser.add_argument("--base", help="a commit whose evaluate (arm 'base') both arms are measured against")
    parser.add_argument("--ensemble", action="store_true", help="time K generators of one table instead")
    parser.add_argument("--sizes", default="1,5,10,30", help="K values of --ensemble")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("bench-out"))
    parser.add_argument("--tag")
    parser.add_argument("--from-csv", type=Path, action="append", help="summarise stored fold results")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    datasets = args.datasets.split(",") if args.datasets else list(SUITES[args.suite])
    print(f"torch threads: {torch.get_num_threads()}", flush=True)
    if args.ensemble:
        tag = args.tag or f"stacked-ensemble-seed{args.seed}"
        table = pd.concat([run_ensemble(name, [int(k) for k in args.sizes.split(",")], args.seed)
                           for name in datasets], ignore_index=True)
        text = "## K generators of one table\n\n" + markdown_table(table, 2) + "\n"
        table.to_csv(args.out / f"{tag}.csv", index=False)
    else:
        tag = args.tag or f"stacked-{args.suite if not args.datasets else 'tables'}-seed{args.seed}"
        partial = args.out / f"{tag}.partial.csv"
        if args.from_csv:
            results = pd.concat([pd.read_csv(p) for p in args.from_csv], ignore_index=True)
        elif args.base:
            results = run_against_base(datasets, args.base, args.seed, args.classifiers.split(","), partial)
        else:
            results = run_folds(datasets, args.seed, args.threshold, args.classifiers.split(","),
                                args.backend, partial)
        results.attrs["test_train_ratio"] = 0.25
        results.to_csv(args.out / f"{tag}.csv", index=False)
        text = fold_summary(results)
    (args.out / f"{tag}.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
