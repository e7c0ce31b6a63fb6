"""The tasks the command line and recipes run: demo, resample, evaluate, train, sample, resample_images.

Each task takes keyword settings (what a recipe or the command line gives)
and ``options``, the backend options, and returns what it made.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from sklearn.model_selection import RepeatedStratifiedKFold
from tqdm.auto import tqdm

from ganaug.cli.values import match_labels
from ganaug.data.datasets import load_dataset, load_imbalanced
from ganaug.data.tables import SUFFIXES, read_table, split_target, write_table, write_table_batches
from ganaug.devices import is_main_process, launched_by_torchrun
from ganaug.errors import UsageError
from ganaug.evaluation import evaluate, summarize
from ganaug.fileformat import check_output, check_output_folder
from ganaug.sampler import SAMPLER_PARAMS, GANOverSampler
from ganaug.training.distributed import init_distributed

DEMO_METRICS = ("balanced_accuracy", "g_mean", "minority_f1")


def load_data(dataset: str | None = None, data: str | None = None, target: str | None = None,
              ratio: float = 10.0, random_state: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    """Embedded dataset by name, a CSV/Parquet file with a target column, or an image folder."""
    if data is not None and Path(data).is_dir():  # one subfolder of images per class
        from ganaug.data.folders import read_image_folder

        images, labels, _ = read_image_folder(data)
        return images, pd.Series(labels, name="label")
    if data is not None:
        if target is None:
            raise UsageError("a data file needs its label column: add target = \"...\" / --target.")
        return split_target(read_table(data), target)
    return load_dataset(dataset or "breast_cancer", ratio=ratio, random_state=random_state)


def make_oversampler(backend: str = "wgan-gp", options: dict | None = None,
                     **settings: Any) -> GANOverSampler:
    """A GANOverSampler from recipe settings (unset ones keep their defaults; others are ignored)."""
    return GANOverSampler(backend=backend, **_given(settings, SAMPLER_PARAMS), **(options or {}))


def _given(settings: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    """The settings among ``keys`` that were given, plus ``refine`` when present.

    None means "not given" for every setting but ``refine``, where it is a
    real choice (raw generator samples), so it passes through.
    """
    given = {k: settings[k] for k in keys if settings.get(k) is not None and k not in ("backend", "refine")}
    if "refine" in settings:
        given["refine"] = settings["refine"]
    return given


def demo(backend: str = "wgan-gp", dataset: str = "breast_cancer", ratio: float = 10.0,
         random_state: int = 0, folds: int = 5, n_jobs: int | None = None,
         options: dict | None = None, progress: bool = False, **settings: Any) -> pd.DataFrame:
    """Imbalanced embedded data -> CV of a kNN and a logistic regression: none vs SMOTE vs GAN."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold
    from sklearn.neighbors import KNeighborsClassifier

    gan = make_oversampler(backend, options, random_state=random_state, **settings).check_params()
    X, y = load_imbalanced(dataset, ratio=ratio, random_state=random_state)
    counts = ", ".join(f"{k}: {v}" for k, v in y.value_counts().items())
    print(f"ganaug demo: {dataset} made imbalanced ({len(y)} rows; {counts}), backend {backend!r}")
    results = evaluate(
        X, y, samplers={"none": None, "smote": _smote(random_state), f"ganaug:{backend}": gan},
        classifiers={"knn": KNeighborsClassifier(5), "logreg": LogisticRegression(max_iter=2000)},
        cv=StratifiedKFold(folds, shuffle=True, random_state=random_state), n_jobs=n_jobs,
        random_state=random_state, progress=progress,
    )
    table = summarize(results, DEMO_METRICS)
    print(f"\nDownstream scores, {folds}-fold CV, mean of kNN and logistic regression:")
    print(table.round(3).to_string())
    return table


def _smote(random_state: int):
    from imblearn.over_sampling import SMOTE

    return SMOTE(random_state=random_state)


def resample(output: str | None = None, data: str | None = None, target: str | None = None,
             dataset: str | None = None, force: bool = False, backend: str = "wgan-gp",
             options: dict | None = None, **settings: Any) -> pd.DataFrame:
    """Balance a table and write it (original rows first) to ``output``."""
    if output is None:
        raise UsageError("resample needs an output file: -o out.csv (or output = \"...\" in a recipe).")
    out_path = check_output(output, [data] if data else [], force, SUFFIXES)
    sampler = make_oversampler(backend, options, **settings).check_params()
    if data is not None:  # the label column goes back where it was in the file
        if target is None:
            raise UsageError("a data file needs its label column: add target = \"...\" / --target.")
        frame = read_table(data)
        X, y = split_target(frame, target)
        position = list(frame.columns).index(target)
    else:
        X, y = load_data(dataset, data, target, random_state=settings.get("random_state") or 0)
        position = X.shape[1]
    name = y.name if y.name is not None else "label"
    if name in X.columns:
        raise UsageError(f"the table has a feature column named {name!r}, the name the labels are written "
                         "under; rename one of them first.")
    if settings.get("sampling_strategy") is not None:  # labels typed as text, matched to the data's
        sampler.set_params(sampling_strategy=match_labels(settings["sampling_strategy"], y))
    X_res, y_res = sampler.fit_resample(X, y)
    table = X_res.copy()
    table.insert(position, name, y_res.to_numpy())
    write_table(table, out_path, replace=force)
    added = ", ".join(f"{k}: +{v}" for k, v in sampler.sampling_strategy_.items() if v)
    print(f"wrote {len(table)} rows ({len(X)} original, {len(table) - len(X)} synthetic: {added}) "
          f"to {out_path}")
    return table


def evaluate_task(samplers: list[str] | str = ("none", "smote", "wgan-gp"), output: str | None = None,
                  data: str | None = None, target: str | None = None, dataset: str | None = None,
                  datasets: list[str] | str | None = None, ratio: float = 10.0, random_state: int = 0,
                  folds: int = 5, repeats: int = 2, classifiers: list[str] | str | None = None,
                  metrics: list[str] | str | None = None, metric: str | None = None,
                  n_jobs: int | None = None, force: bool = False, options: dict | None = None,
                  categorical_features: Any = "auto", progress: bool = True, out: str | None = None,
                  **settings: Any) -> pd.DataFrame:
    """Cross-validated comparison of samplers on one dataset (or several); report to ``output``.

    ``metric`` (of the verdict and tests) defaults to G-mean for two classes
    and balanced accuracy for more. ``out`` is the name ganaug 0.1 used for ``output``.
    """
    from ganaug.evaluation import default_classifiers, evaluate_datasets, make_classifiers, make_sampler
    from ganaug.evaluation.reports import check_report_folder, report

    out = output or out
    if out:  # refuse a used folder (or one holding the input) before spending minutes on the evaluation
        check_report_folder(out, force, [data] if data else [])
    names = _names(samplers)
    gan_settings = _given(settings, ("epochs", "batch_size", "device", "verbose"))
    chosen = {n: make_sampler(n, random_state, **gan_settings, **(options or {})) for n in names}
    sources = _names(datasets) if datasets else [None]
    loaded = {name or dataset or data or "breast_cancer":
              load_data(name or dataset, data, target, ratio, random_state) for name in sources}
    _check_before_evaluating(chosen, loaded, metrics, metric)
    cv = RepeatedStratifiedKFold(n_splits=folds, n_repeats=repeats, random_state=random_state)
    clfs = make_classifiers(_names(classifiers), random_state) if classifiers else \
        default_classifiers(random_state)
    results = evaluate_datasets(loaded, samplers=chosen, classifiers=clfs, cv=cv,
                                metrics=_names(metrics) if metrics else None, n_jobs=n_jobs,
                                random_state=random_state, progress=progress,
                                categorical_features=categorical_features)
    if len(loaded) == 1:
        results = results.drop(columns="dataset")
        results.attrs["dataset"] = next(iter(loaded))
    print(summarize(results, [m for m in SUMMARY_METRICS if m in set(results["metric"])])
          .round(3).to_string())
    if out:
        X, y = next(iter(loaded.values())) if len(loaded) == 1 else (None, None)
        folder = report(results, out, metric=metric, X=X, y=y, samplers=chosen, force=force,
                        categorical_features=categorical_features, progress=progress)
        print(f"\nwrote the report to {folder}/ (summary.md first)")
    return results


def _check_before_evaluating(samplers: dict[str, Any], loaded: dict[str, tuple], metrics: Any,
                             metric: str | None) -> None:
    """Refuse a bad backend option or an unknown metric now, not as NaN in every fold after the run."""
    from ganaug.data import read_input
    from ganaug.registry import get_metrics

    kinds = {read_input(X).kind for X, _ in loaded.values()}
    for sampler in samplers.values():
        sampler = getattr(sampler, "sampler", sampler)  # a remedy's sampler (wgan-gp+threshold)
        if isinstance(sampler, GANOverSampler):
            for kind in kinds:
                sampler.check_params(kind)
    known = get_metrics(_names(metrics) if metrics else None)
    if metric is not None and metric not in known:
        raise UsageError(f"--metric {metric!r} is not among the metrics computed ({', '.join(known)}); "
                         "pick one of them, or add it with --metrics.")


SUMMARY_METRICS = ("balanced_accuracy", "g_mean", "minority_f1", "roc_auc", "pr_auc", "brier")


def _names(value: list[str] | str) -> list[str]:
    return [v.strip() for v in value.split(",")] if isinstance(value, str) else list(value)


MODEL_SUFFIXES = (".safetensors",)


def train(output: str | None = None, data: str | None = None, target: str | None = None,
          dataset: str | None = None, backend: str = "wgan-gp", checkpoint: str | None = None,
          resume: bool = False, force: bool = False, options: dict | None = None,
          distributed: bool = False, **settings: Any) -> GANOverSampler:
    """Train a sampler and save it to ``output`` (.safetensors) for ``sample`` to reuse.

    Progress is checkpointed to ``checkpoint`` (default ``OUTPUT.ckpt.safetensors``);
    Ctrl-C or a crash keeps it, ``resume`` continues from it, success removes it.
    ``distributed`` (automatic under torchrun) trains one generator with DDP in
    every process torchrun started; rank 0 writes the files.
    """
    if distributed or launched_by_torchrun():
        init_distributed()
    if output is None:
        raise UsageError("train needs a model file: -o model.safetensors (or output = \"...\").")
    out_path = check_output(output, [data] if data else [], force, MODEL_SUFFIXES)
    ckpt = Path(checkpoint) if checkpoint else out_path.with_name(f"{out_path.stem}.ckpt.safetensors")
    if ckpt.suffix.lower() not in MODEL_SUFFIXES:
        raise UsageError(f"--checkpoint {str(ckpt)!r} must end in .safetensors.")
    if ckpt.resolve() == out_path.resolve() or (data and ckpt.resolve() == Path(data).resolve()):
        raise UsageError(f"--checkpoint {str(ckpt)!r} is the output or the input file; give it a path of "
                         "its own.")
    own = ckpt == out_path.with_name(f"{out_path.stem}.ckpt.safetensors")  # named after this output
    found = [p for p in (ckpt, *ckpt.parent.glob(f"{ckpt.stem}.class*{ckpt.suffix}")) if p.exists()]
    if found and not resume and not (force and own):
        hint = "add --resume to continue it, or --force to start over" if own else \
            "add --resume to continue it, or give --checkpoint a new path (--force never replaces a " \
            "checkpoint you named: it may be another run's)"
        raise UsageError(f"a checkpoint of an earlier run exists at {str(found[0])!r}: {hint}.")
    make_oversampler(backend, options, **settings).check_params()  # a typo fails now, not after loading
    X, y = load_data(dataset, data, target, random_state=settings.get("random_state") or 0)
    settings["sampling_strategy"] = match_labels(settings.get("sampling_strategy"), y)
    sampler = make_oversampler(backend, options, checkpoint=str(ckpt), **settings)
    sampler.fit(X, y, resume=resume)
    if not is_main_process():
        return sampler
    sampler.save(out_path, replace=force)
    for written in sampler.checkpoint_files_:  # this run's checkpoints, by name; nothing else
        if written.exists() and written.resolve() != out_path.resolve():
            written.unlink()
    grown = ", ".join(f"{k}: +{v}" for k, v in sampler.sampling_strategy_.items() if v)
    print(f"trained {backend!r} on {len(X)} rows; saved to {out_path} (default draw: {grown}). "
          f"Sample with: ganaug sample {out_path} -o synthetic.csv")
    return sampler


def sample(model: str | None = None, output: str | None = None, counts: dict | str | None = None,
           per_class: int | None = None, random_state: int | None = None, device: str = "auto",
           force: bool = False, batch_rows: int = 100_000, descriptions: dict | list | None = None,
           progress: bool = False, label_column: str | None = None, **_: Any) -> int:
    """Stream synthetic rows from a saved model, with their label, to ``output``; returns the row count.

    Rows are drawn and written ``batch_rows`` at a time, so memory stays
    bounded however many rows are asked for. ``descriptions`` (text-gan
    models): ``{label: text}``, or ``["label=text", ...]`` as the command line gives them.
    ``label_column`` names the label column (default: as in training, else ``label``).
    """
    if model is None or output is None:
        raise UsageError("sample needs a model and an output: ganaug sample model.safetensors -o out.csv")
    out_path = check_output(output, [model], force, SUFFIXES)
    sampler = GANOverSampler.load(model, device=device)
    wanted = _counts(sampler, counts, per_class)
    texts = _descriptions(sampler, descriptions)
    sampler.label_column_name(label_column)  # a feature column of that name is refused before writing
    batches = sampler.labelled_batches(wanted, batch_rows, random_state, texts, label_column)
    with tqdm(total=sum(wanted.values()), desc="sample", unit="row", disable=not progress) as bar:
        rows = write_table_batches(_counted(batches, bar), out_path, replace=force)
    print(f"wrote {rows} synthetic rows ({', '.join(f'{k}: {v}' for k, v in wanted.items())}) to {out_path}")
    return rows


def _counted(batches, bar):
    """The batches, as they pass, counted on a progress bar."""
    for batch in batches:
        bar.update(len(batch))
        yield batch


def _descriptions(sampler: GANOverSampler, descriptions: dict | list | None) -> dict:
    """``{label: text}`` from ``["label=text", ...]`` or a dict, labels matched to the model's as text."""
    if not descriptions:
        return {}
    if not isinstance(descriptions, dict):
        bad = [item for item in descriptions if "=" not in item]
        if bad:
            raise UsageError(f"--description takes LABEL=TEXT, e.g. --description 7='a thin seven'; "
                             f"got {bad}")
        descriptions = dict(item.split("=", 1) for item in descriptions)
    trained = _trained_labels(sampler, descriptions)
    return {trained[str(k)]: text for k, text in descriptions.items()}


def _trained_labels(sampler: GANOverSampler, asked: dict) -> dict:
    """``{label as text: label}`` of the model's classes; a usage error if ``asked`` names another."""
    trained = {str(label): label for label in sampler.backends_}
    unknown = [k for k in asked if str(k).strip() not in trained]
    if unknown:
        raise UsageError(f"the model has no generator for {unknown}; it can draw: {', '.join(trained)}.")
    return trained


def _counts(sampler: GANOverSampler, counts: dict | str | None, per_class: int | None) -> dict:
    """``{label: n}`` from ``label=n,...`` text or a dict; default: the fitted strategy."""
    if per_class is not None:
        return dict.fromkeys(sampler.backends_, per_class)
    if counts is None:
        return {k: v for k, v in sampler.sampling_strategy_.items() if v}
    if isinstance(counts, str):
        bad = [item for item in counts.split(",") if not item.partition("=")[0].strip() or "=" not in item]
        if bad:
            raise UsageError(f"--counts takes label=n pairs separated by commas, e.g. --counts "
                             f"minority=500,rare=100; {', '.join(map(repr, bad))} is not one.")
        counts = dict(item.split("=", 1) for item in counts.split(","))
    trained = _trained_labels(sampler, counts)
    try:
        return {trained[str(k).strip()]: int(v) for k, v in counts.items()}
    except (ValueError, TypeError) as err:
        raise UsageError(f"--counts needs whole numbers: {err}") from None


def resample_images(images: str | None = None, output: str | None = None, backend: str = "auto",
                    options: dict | None = None, force: bool = False, out: str | None = None,
                    **settings: Any) -> Path:
    """Balance an image folder (one subfolder per class) into a new folder ``output``.

    ``backend``: ``"auto"`` (classical transforms, ``albumentations``: the best
    measured image method, seconds at 28x28), any image backend, or ``"mixed"``
    (a quarter of the new images from ``cyclegan``, the rest transformed real
    ones; ``options`` go to the GAN). An existing ``output`` folder is refused,
    or with ``force`` replaced once the new one is complete. ``out`` is the
    name ganaug 0.1 used for ``output``.
    """
    from ganaug.data.folders import read_image_folder, write_image_folder

    output = output or out
    if images is None or output is None:
        raise UsageError("resample-images needs an input folder and -o NEW_FOLDER.")
    target = check_output_folder(output, [images], force, "output folder")
    gan_backend = "cyclegan" if backend == "mixed" else backend
    make_oversampler(gan_backend, options, **settings).check_params("image")  # before reading the images
    pixels, labels, files = read_image_folder(images)
    settings["sampling_strategy"] = match_labels(settings.get("sampling_strategy"), labels)
    sampler = _mixed(options, **settings) if backend == "mixed" else \
        make_oversampler(backend, options, **settings)
    X_res, y_res = sampler.fit_resample(pixels, labels)
    # replace: an empty folder, or (checked above) one that holds only what ganaug wrote there
    write_image_folder(X_res, y_res, target, originals=files, replace=target.exists())
    added = ", ".join(f"{k}: +{v}" for k, v in sampler.sampling_strategy_.items() if v)
    print(f"wrote {len(X_res)} images ({len(files)} original, {len(X_res) - len(files)} synthetic: "
          f"{added}) to {target}/")
    return target


def _mixed(options: dict | None, sampling_strategy: Any = None, random_state: int | None = None,
           **settings: Any) -> Any:
    """The mixed image sampler: its GAN part takes the training settings and backend options."""
    from ganaug.baselines import MixedOverSampler, default_gan

    given = _given(settings, SAMPLER_PARAMS)
    refine = given.pop("refine", "augment")  # --refine replaces the mix's own choice
    gan = default_gan(**given, random_state=random_state, **(options or {})).set_params(refine=refine)
    strategy = "auto" if sampling_strategy is None else sampling_strategy
    return MixedOverSampler(gan=gan, sampling_strategy=strategy, random_state=random_state)
