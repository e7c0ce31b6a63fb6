"""The strong-classifier regime (../shared/BENCHMARKS.md): does a GAN beat a tuned threshold or class weights?

KEEL tables, stratified 5-fold CV (seeded), HistGradientBoosting, random forest
(200 trees) and logistic regression, and in the same run on the same folds:
no resampling, class weights, a threshold tuned on the real training rows,
SMOTE(-NC), ProWSyn, the ganaug default, the ganaug default followed by a
threshold tuned on real rows only, and the ganaug default with its
probabilities corrected back to the real prior. Metrics on the untouched test
fold: G-mean, minority F1, ROC AUC, PR AUC and the Brier score. Writes
``<out>/<tag>.csv`` (tidy fold results) and ``<out>/<tag>.md`` (means, mean
ranks, paired tests of each ganaug entry against threshold, class-weight and
ProWSyn, per classifier and overall).

    make bench-deps
    OMP_NUM_THREADS=1 .venv-bench/bin/python benchmarks/strong.py --suite dev --n-jobs 2
    OMP_NUM_THREADS=1 .venv-bench/bin/python benchmarks/strong.py --suite wide \
        --variant "wgan-gp-half+threshold=wgan-gp:sampling_strategy=0.5"

Running two benchmarks at once on a small machine? Give each OMP_NUM_THREADS=1.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from tabular import SUITES, merge_runs, parse_variant, run_tables

from ganaug import GANOverSampler
from ganaug.evaluation import make_sampler, stats
from ganaug.evaluation.remedies import Remedy
from ganaug.evaluation.reports import markdown_table
from ganaug.metrics import LOWER_IS_BETTER

from peers import make_peer  # benchmarks/peers.py, beside this script

GAN = "wgan-gp"  # the default of GANOverSampler
SAMPLERS = ("none", "class-weight", "threshold", "smote", "prowsyn", GAN, f"{GAN}+threshold", f"{GAN}+prior")
RIVALS = ("threshold", "class-weight", "prowsyn")
METRICS = ("g_mean", "minority_f1", "roc_auc", "pr_auc", "brier")


def classifiers(seed: int) -> dict:
    return {"hgb": HistGradientBoostingClassifier(random_state=seed),
            "forest": RandomForestClassifier(n_estimators=200, random_state=seed, n_jobs=1),
            "logreg": LogisticRegression(max_iter=2000)}


def run(datasets: list[str], samplers: list[str], seed: int, n_jobs: int | None,
        checkpoint: Path | None, variants: list[str] = ()) -> pd.DataFrame:
    chosen = {s: make_peer(s, seed) or make_sampler(s, seed) for s in samplers}
    chosen.update(variant_entry(text, seed) for text in variants)
    return run_tables(datasets, chosen, classifiers(seed), METRICS, seed, n_jobs, checkpoint)


def variant_entry(text: str, seed: int) -> tuple[str, object]:
    """``"label=backend:key=value"``; a label ending in ``+threshold`` or ``+prior`` adds that remedy,
    and ``draws=K`` among the options trains K classifiers per fold on K draws (:class:`Remedy`)."""
    label, backend, options = parse_variant(text)
    draws = int(options.pop("draws", 1))
    sampler = GANOverSampler(backend=backend, random_state=seed, **options)
    suffix = label.rpartition("+")[2] if "+" in label else ""
    return label, Remedy(sampler, threshold=suffix == "threshold", prior=suffix == "prior", draws=draws)


def fill_from(results: pd.DataFrame, entry: str, source: str) -> pd.DataFrame:
    """``entry``'s scores on tables where it failed on every fold, taken from ``source`` on the same folds.

    For an entry that is ``source`` whenever it adds nothing: a GAN asked for half the
    balance gap followed by a threshold, on a table already past the ratio it asks for, is no
    resampling followed by a threshold (the ``threshold`` entry). Its fit time stays unknown.
    """
    scores = results[results["metric"] != "fit_seconds"]
    failed = scores[scores["sampler"] == entry].groupby("dataset")["value"].apply(lambda v: v.isna().all())
    tables = set(failed[failed].index)
    if not tables:
        return results
    keep = ~((results["sampler"] == entry) & results["dataset"].isin(tables))
    borrowed = scores[(scores["sampler"] == source) & scores["dataset"].isin(tables)].assign(sampler=entry)
    print(f"{entry}: {len(tables)} tables scored as {source}: {', '.join(sorted(tables))}")
    return pd.concat([results[keep], borrowed], ignore_index=True)


def means_and_ranks(results: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Per sampler: the mean over tables of the per-table means, and the mean rank (1 = best)."""
    table = stats.per_dataset(results, metric)[list(dict.fromkeys(results["sampler"]))]
    ranks = table.rank(axis=1, ascending=metric in LOWER_IS_BETTER)
    return pd.DataFrame({f"{metric}": table.mean(), f"{metric} rank": ranks.mean()})


def paired(results: pd.DataFrame, entry: str, metric: str) -> list[dict]:
    table = stats.per_dataset(results, metric)
    rows = []
    for rival in [r for r in RIVALS if r in table.columns]:
        diff = (table[entry] - table[rival]).dropna().to_numpy()
        better = -diff if metric in LOWER_IS_BETTER else diff
        rows.append({"entry": entry, "against": rival, "metric": metric, "mean difference": diff.mean(),
                     "better on": f"{int((better > 0).sum())} of {len(diff)}",
                     "Wilcoxon p": stats.wilcoxon_p(diff)})
    return rows


def summary(results: pd.DataFrame) -> str:
    blocks = []
    scopes = [("all classifiers", results)] + [
        (c, results[results["classifier"].isin([c, "-"])]) for c in dict.fromkeys(results["classifier"])
        if c != "-"]
    for scope, part in scopes:
        table = pd.concat([means_and_ranks(part, m) for m in METRICS if m in set(part["metric"])], axis=1)
        blocks.append(f"### {scope}: mean over {stats.n_datasets(part)} tables, and mean rank\n\n"
                      f"{markdown_table(table)}\n")
    for scope, part in scopes:
        rows = [row for entry in [s for s in dict.fromkeys(part["sampler"]) if s.startswith(GAN)]
                for metric in ("g_mean", "minority_f1", "brier") for row in paired(part, entry, metric)]
        if not rows:  # no ganaug entry in this run
            continue
        tests = pd.DataFrame(rows)
        tests["Holm p"] = stats.holm(tests["Wilcoxon p"]).to_numpy()
        blocks.append(f"### {scope}: ganaug entries against the rivals, paired over tables\n\n"
                      f"{markdown_table(tests.set_index('entry'))}\n")
    table = stats.per_dataset(results, "g_mean")[list(dict.fromkeys(results["sampler"]))]
    blocks.append(f"### G-mean per table (mean of the three classifiers)\n\n{markdown_table(table)}\n")
    fit = results[results["metric"] == "fit_seconds"].groupby("sampler")["value"].median()
    fit = fit.reindex(list(dict.fromkeys(results["sampler"]))).rename("median seconds").to_frame()
    blocks.append(f"### median fit seconds per fold (sampler, and the threshold's inner folds)\n\n"
                  f"{markdown_table(fit, 2)}\n")
    return "\n".join(blocks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", choices=sorted(SUITES), default="dev")
    parser.add_argument("--datasets", help="comma-separated KEEL tables instead of a suite")
    parser.add_argument("--samplers", default=",".join(SAMPLERS))
    parser.add_argument("--variant", action="append", default=[],
                        help='a ganaug entry "label=backend:key=value"; a label ending in +threshold '
                             'or +prior adds that remedy (see the module docstring for an example)')
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-jobs", type=int, default=None)
    parser.add_argument("--out", type=Path, default=Path("bench-out"),
                        help="folder for the results (the stored ones: --out benchmarks/results)")
    parser.add_argument("--tag", help="file names (default strong-<suite>-seed<seed>)")
    parser.add_argument("--from-csv", type=Path, action="append",
                        help="summarise stored fold results again without running; several are merged, "
                             "and a fold result in more than one counts once, from the first file")
    parser.add_argument("--fill", action="append", default=[], metavar="ENTRY=SOURCE",
                        help="score ENTRY as SOURCE on the tables where it failed on every fold")
    args = parser.parse_args()
    tag = args.tag or f"strong-{args.suite}-seed{args.seed}"
    args.out.mkdir(parents=True, exist_ok=True)
    if args.from_csv:
        results = merge_runs(args.from_csv)  # a fold result in several files: the first file's
        for pair in args.fill:
            results = fill_from(results, *pair.split("="))
        merged = args.out / f"{tag}.csv"
        if merged.resolve() in {path.resolve() for path in args.from_csv}:
            parser.error(f"--tag {tag} would overwrite an input; give another --tag")
        results.to_csv(merged, index=False)
        results.attrs["test_train_ratio"] = 0.25
    else:
        datasets = args.datasets.split(",") if args.datasets else list(SUITES[args.suite])
        results = run(datasets, args.samplers.split(","), args.seed, args.n_jobs,
                      args.out / f"{tag}.partial.csv", args.variant)
        results.to_csv(args.out / f"{tag}.csv", index=False)
        (args.out / f"{tag}.partial.csv").unlink(missing_ok=True)
    text = f"# Strong-classifier regime, {tag}\n\n{summary(results)}"
    (args.out / f"{tag}.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
