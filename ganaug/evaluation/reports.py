"""Evaluation reports: ``results.csv``, ``summary.md``, a self-contained ``report.html`` and PNG plots.

Plots use matplotlib's object API (``Figure``), so no global backend is set
and nothing opens a window.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import ganaug.evaluation.stats as stats
from ganaug._version import __version__
from ganaug.data import check_target, read_input
from ganaug.errors import GanaugWarning, warn
from ganaug.evaluation.advice import recommend
from ganaug.evaluation.html import html_report
from ganaug.evaluation.plots import plot_class_recall, plot_losses, plot_marginals, plot_metrics
from ganaug.evaluation.quality import real_and_synthetic_grid
from ganaug.fileformat import atomic_folder, check_output_folder
from ganaug.sampler import GANOverSampler


def report(results: pd.DataFrame, out_dir: str | Path, metric: str | None = None,
           X: Any = None, y: Any = None, samplers: Mapping[str, Any] | Iterable[str] | None = None,
           force: bool = False, marginal_columns: Iterable[Any] | None = None,
           categorical_features: Any = "auto", progress: bool = False) -> Path:
    """Write an evaluation report to a new folder.

    Parameters
    ----------
    results : DataFrame from :func:`ganaug.evaluate` or :func:`ganaug.evaluate_datasets`.
    out_dir : folder to create; an existing non-empty one needs ``force=True``
        (only the report's own files are then replaced).
    metric : str, optional
        The metric the verdict and tests are about; default G-mean for two
        classes, balanced accuracy for more (:func:`ganaug.evaluation.stats.default_metric`).
    X, y, samplers : optional
        The data and the samplers that were evaluated (``{name: sampler}``,
        or names as :func:`ganaug.evaluate` takes them). When given, each GAN
        sampler is fitted once more on all rows to plot its training losses,
        and real vs synthetic marginals (tables) or images (diagnostics only:
        the scores come from the cross-validation alone).
    force : bool, default=False
        Replace the report files in a used folder.
    marginal_columns : list of column names, optional
        The columns whose marginals are plotted; default every column.
    categorical_features : "auto", list of names or positions, or boolean mask
        As given to :func:`ganaug.evaluate`: the diagnostic fits model these
        numeric columns as categories, and their plots show them as bars.
    progress : bool, default=False
        A progress bar over the diagnostic fits (they can take as long as a fold each).

    Returns
    -------
    Path of the folder, holding ``summary.md`` and ``report.html`` (the same
    report, with its plots embedded: one file to send), ``results.csv``,
    ``metrics.png``, ``class_recall.png`` and, with X/y/samplers,
    ``losses.png`` and ``marginals_<name>.png`` (tables) or
    ``samples_<name>.png`` (images: real beside synthetic, per class).

    Warns
    -----
    GanaugWarning
        When the design (folds, repeats, datasets) cannot reach significance:
        the smallest achievable p-value is above 0.05.
    """
    metric = metric or stats.default_metric(results)
    folder = check_report_folder(out_dir, force)
    design = design_warning(results)
    if design:
        warn(design, GanaugWarning)
    summary = summary_markdown(results, metric)
    figures = {"metrics.png": plot_metrics(results), "class_recall.png": plot_class_recall(results)}
    gans = _gan_samplers(samplers)
    if X is not None and y is not None and gans:
        data = read_input(X)
        fitted = fit_for_diagnostics(X, y, gans, categorical_features, progress)
        summary += ("\n\nThe loss, marginal and sample plots come from each GAN fitted once more, on all "
                    f"{len(data.data)} rows with the settings that were cross-validated; the scores "
                    "above come from the models of the folds.\n")
        figures["losses.png"] = plot_losses(fitted)
        if data.kind == "image":  # images: real beside synthetic, per class and GAN
            real, labels = data.data, check_target(y, len(data.data))
            for name, (model, X_res, y_res) in fitted.items():
                synthetic = model.sample_is_synthetic_
                figures[f"samples_{_file_part(name)}.png"] = real_and_synthetic_grid(
                    real, labels, X_res[synthetic], np.asarray(y_res)[synthetic], title=name)
        else:
            for name, entry in fitted.items():
                figures[f"marginals_{_file_part(name)}.png"] = plot_marginals(X, y, {name: entry},
                                                                              marginal_columns)
    folder.parent.mkdir(parents=True, exist_ok=True)
    # the whole report or nothing: written in a hidden folder beside it, renamed into place when complete
    with atomic_folder(folder, replace=True, kind="report") as staging:
        results.to_csv(staging / "results.csv", index=False)
        (staging / "summary.md").write_text(summary)
        for file_name, figure in figures.items():
            figure.savefig(staging / file_name, dpi=110)
        (staging / "report.html").write_text(html_report(summary, {n: staging / n for n in figures}))
    return folder


def design_warning(results: pd.DataFrame) -> str | None:
    """A sentence when no difference can be significant on this design, else None."""
    smallest = stats.smallest_p(results)
    if smallest <= stats.ALPHA:
        return None
    several = stats.n_datasets(results) > 1
    unit = f"{stats.n_datasets(results)} datasets" if several else f"{results['fold'].nunique()} CV folds"
    fix = "more datasets" if several else "more folds or repeats (5 folds x 2 repeats reach p < 0.05)"
    return (f"with {unit}, the smallest p-value the paired tests can give is {smallest:.3g} > "
            f"{stats.ALPHA}: no difference can be called significant, however large. Use {fix}.")


def _gan_samplers(samplers: Mapping[str, Any] | Iterable[str] | None) -> dict[str, GANOverSampler]:
    """The GAN samplers among ``samplers`` (objects, or names as ``evaluate`` takes them)."""
    if samplers is None:
        return {}
    if not isinstance(samplers, Mapping):
        from ganaug.evaluation.crossval import make_sampler

        samplers = {name: make_sampler(name) for name in samplers}
    return {name: s for name, s in samplers.items() if isinstance(s, GANOverSampler)}


def _file_part(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in str(name))


REPORT_FILES = ("results.csv", "summary.md", "report.html")


def check_report_folder(folder: str | Path, force: bool, inputs: Iterable[str | Path] = ()) -> Path:
    """The report folder (absolute), after refusing what would overwrite something of the user's.

    A file, the working folder, or a folder that holds one of ``inputs`` is
    refused; a non-empty folder needs ``force``, and even then is replaced
    only when it holds nothing but an earlier ganaug report
    (:func:`ganaug.fileformat.check_output_folder`).
    """
    return check_output_folder(folder, list(inputs), force, "report folder", legacy=_is_old_report,
                               create_parents=True)


def _is_old_report(folder: Path) -> bool:
    """A report folder of ganaug 0.1 (no manifest): the three report files, and PNG plots beside them."""
    names = [p.name for p in folder.iterdir()]
    return all((folder / n).is_file() for n in REPORT_FILES) and all(
        n in REPORT_FILES or (n.endswith(".png") and (folder / n).is_file()) for n in names)


# ---- summary.md --------------------------------------------------------------
def summary_markdown(results: pd.DataFrame, metric: str | None = None) -> str:
    """The report a person reads first: verdict, scores with 95% intervals, tests."""
    metric = metric or stats.default_metric(results)
    several = stats.n_datasets(results) > 1
    tests = stats.compare(results, metric)
    lines = ["# ganaug evaluation", "", _setup_sentence(results), "", f"## Verdict (on {metric})", ""]
    design = design_warning(results)
    if design:
        lines += [f"> **Warning**: {design[0].upper()}{design[1:]}", ""]
    lines += [f"- {s}" for s in stats.verdict(tests)] or ["- (no baseline among the samplers)"]
    advice = recommend(results, metric)
    if advice:
        lines += ["", "## What to use, per classifier", ""] + [f"- {s}" for s in advice]
    others = [m for m in stats.SECOND_METRICS if m != metric and m in set(results["metric"])]
    second = [s for m in others for s in stats.verdict(stats.compare(results, m))]
    if second:
        lines += ["", f"## The verdict on {', '.join(others)}", ""] + [f"- {s}" for s in second]
    if several:
        lines += ["", f"## Mean rank on {metric} (1 = best)", "",
                  markdown_table(stats.mean_ranks(results, metric).rename("mean rank").to_frame()),
                  "", _friedman_sentence(results, metric), "",
                  f"## {metric} per dataset", "", markdown_table(stats.per_dataset(results, metric))]
    else:
        lines += ["", "## Scores", "", f"Mean and {stats.interval_description(results)}.", "",
                  markdown_table(_interval_table(results))]
    recall = stats.class_recall_table(results)
    if recall is not None:
        lines += ["", "## Recall per class", "", markdown_table(recall)]
    lines += ["", f"## Paired tests on {metric}", "", markdown_table(tests.set_index("sampler"))
              if len(tests) else "(none)", "", "## Sampler fit time (seconds per fold)", "",
              markdown_table(_fit_seconds(results)), ""]
    return "\n".join(lines)


def _setup_sentence(results: pd.DataFrame) -> str:
    classifiers = sorted(set(results["classifier"]) - {"-"})
    folds = results["fold"].nunique()
    if "dataset" in results.columns:
        names = list(dict.fromkeys(results["dataset"]))
        where = f"{len(names)} datasets ({', '.join(map(str, names[:8]))}{', ...' if len(names) > 8 else ''})"
    else:
        where = f"dataset {results.attrs['dataset']}" if "dataset" in results.attrs else "one dataset"
    run = f"ganaug {results.attrs.get('ganaug_version', __version__)}"
    if "random_state" in results.attrs:
        run += f", random_state={results.attrs['random_state']}"
    return (f"Samplers {', '.join(dict.fromkeys(results['sampler']))} on {where}, {folds} CV folds, "
            f"classifiers {', '.join(classifiers)} ({run}). Resampling touched training folds only.")


def _friedman_sentence(results: pd.DataFrame, metric: str) -> str:
    statistic, p_value = stats.friedman(results, metric)
    if np.isnan(p_value):
        return "Friedman test: needs 3+ samplers and 2+ datasets."
    differ = "differ" if p_value < stats.ALPHA else "do not differ significantly"
    return f"Friedman test: chi2 = {statistic:.2f}, p = {p_value:.3g}; the samplers {differ}."


def _interval_table(results: pd.DataFrame) -> pd.DataFrame:
    metrics = [m for m in stats.HEADLINE_METRICS if m in set(results["metric"])]
    ci = stats.confidence_intervals(results, metrics)
    ci["cell"] = [f"{m:.3f} [{lo:.3f}, {hi:.3f}]" for m, lo, hi in zip(ci["mean"], ci["low"], ci["high"])]
    table = ci.pivot(index="sampler", columns="metric", values="cell")
    return table.reindex(list(dict.fromkeys(results["sampler"])))[metrics]


def _fit_seconds(results: pd.DataFrame) -> pd.DataFrame:
    kept = results[results["metric"] == "fit_seconds"]
    table = kept.groupby("sampler")["value"].agg(["median", "max"])
    return table.reindex(list(dict.fromkeys(results["sampler"])))


def markdown_table(frame: pd.DataFrame, digits: int = 3) -> str:
    """A GitHub markdown table (index as the first column); floats rounded."""
    def cell(value: Any) -> str:
        if isinstance(value, float | np.floating):
            return "" if np.isnan(value) else f"{value:.{digits}g}" if abs(value) < 1e-3 else \
                f"{value:.{digits}f}"
        return str(value)

    header = [str(frame.index.name or ""), *map(str, frame.columns)]
    # row by row through itertuples, which keeps each column's dtype (counts stay integers)
    rows = [[cell(i), *map(cell, row)] for i, row in zip(frame.index, frame.itertuples(index=False))]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])


def fit_for_diagnostics(X: Any, y: Any, samplers: Mapping[str, GANOverSampler],
                        categorical_features: Any = "auto", progress: bool = False) -> dict[str, tuple]:
    """Fit each GAN sampler once on all rows: ``{name: (sampler, X_res, y_res)}``.

    Declared ``categorical_features`` reach the samplers left at ``"auto"``, as in :func:`ganaug.evaluate`.
    """
    from sklearn.base import clone

    from ganaug.data.validation import resolve_categorical

    auto = isinstance(categorical_features, str) and categorical_features == "auto"
    declared = None if auto else resolve_categorical(read_input(X), categorical_features)
    fitted = {}
    from tqdm.auto import tqdm

    for name, sampler in tqdm(samplers.items(), desc="report plots", unit="fit", disable=not progress):
        model = clone(sampler)
        if declared is not None and isinstance(model.categorical_features, str):
            model.set_params(categorical_features=list(declared))
        X_res, y_res = model.fit_resample(X, y)
        fitted[name] = (model, X_res, y_res)
    return fitted


