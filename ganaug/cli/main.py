"""The ``ganaug`` command line: demo, backends, plugins, resample, train, sample, evaluate, run."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ganaug._version import __version__
from ganaug.cli import recipes, tasks
from ganaug.errors import GanaugError, TrainingInterrupted, UsageError, sigterm_as_interrupt
from ganaug.options import options_help
from ganaug.registry import get_backend, get_host


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``ganaug`` command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help()
        return 2
    try:
        with sigterm_as_interrupt():  # `timeout`, Docker and Kubernetes stop a command as Ctrl-C does
            args.handler(args)
    except (GanaugError, ValueError, FileNotFoundError, ImportError, FloatingPointError) as err:
        print(f"ganaug {args.command}: error: {err}", file=sys.stderr)
        return 2
    except TrainingInterrupted as err:
        print(f"ganaug {args.command}: {err}", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("ganaug: interrupted; no output was written.", file=sys.stderr)
        return 130
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ganaug", description="Fix imbalanced datasets with GANs.")
    parser.add_argument("--version", action="version", version=f"ganaug {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("demo", help="balance an embedded dataset and compare with SMOTE")
    p.add_argument("--backend", default="wgan-gp")
    p.add_argument("--dataset", default="breast_cancer", choices=("breast_cancer", "wine"))
    _common(p)
    p.set_defaults(handler=lambda a: tasks.demo(**_settings(a, "backend", "dataset")))

    p = sub.add_parser("backends", help="list registered backends")
    p.add_argument("--options", metavar="NAME", help="show one backend's options and defaults")
    p.set_defaults(handler=_backends)

    p = sub.add_parser("plugins", help="list plugins, their hooks, what they registered, load errors")
    p.set_defaults(handler=_plugins)

    p = sub.add_parser("resample", help="balance a CSV/Parquet table and write it to a new file")
    _table_to_file(p, "output .csv or .parquet (never the input)")
    p.add_argument("--force", action="store_true", help="overwrite an existing output file")
    _common(p)
    p.set_defaults(handler=lambda a: tasks.resample(
        **_settings(a, "data", "target", "output", "backend", "sampling_strategy", "force")))

    p = sub.add_parser("resample-images", help="balance an image folder (one subfolder per class)")
    p.add_argument("images", help="folder with one subfolder of PNG/JPEG images per class")
    p.add_argument("--out", required=True, help="new folder for original + synthetic images")
    p.add_argument("--backend", default="dcgan")
    p.add_argument("--sampling-strategy", dest="sampling_strategy", type=recipes.parse_value)
    _common(p)
    p.set_defaults(handler=lambda a: tasks.resample_images(
        **_settings(a, "images", "out", "backend", "sampling_strategy")))

    p = sub.add_parser("train", help="train a sampler on a table and save it (.safetensors)")
    _table_to_file(p, "model file, .safetensors")
    p.add_argument("--checkpoint", help="checkpoint file (default: OUTPUT_STEM.ckpt.safetensors)")
    p.add_argument("--checkpoint-every", dest="checkpoint_every", type=int, help="epochs between checkpoints")
    p.add_argument("--resume", action="store_true", help="continue from the checkpoint of an interrupted run")
    p.add_argument("--force", action="store_true", help="overwrite the model file / start a new run")
    p.add_argument("--distributed", action="store_true",
                   help="train one generator in every torchrun process with DDP (automatic under torchrun)")
    _common(p)
    p.set_defaults(handler=lambda a: tasks.train(**_settings(
        a, "data", "target", "output", "backend", "sampling_strategy", "checkpoint", "checkpoint_every",
        "resume", "force", "distributed")))

    p = sub.add_parser("sample", help="draw synthetic rows from a saved model into a new table")
    p.add_argument("model", help="model file written by `ganaug train` or GANOverSampler.save")
    p.add_argument("-o", "--output", required=True, help="output .csv or .parquet")
    p.add_argument("--counts", help="rows per class, e.g. minority=500,rare=100 (default: as trained)")
    p.add_argument("--per-class", dest="per_class", type=int,
                   help="the same number of rows for each class the model draws (every class of a "
                        "conditional model; the grown classes of per-class models)")
    p.add_argument("--random-state", dest="random_state", type=int, help="seed of this draw")
    p.add_argument("--device", default="auto")
    p.add_argument("--force", action="store_true", help="overwrite an existing output file")
    p.add_argument("--batch-rows", dest="batch_rows", type=int, default=100_000,
                   help="rows drawn and written at a time; bounds memory (default 100000)")
    p.add_argument("--description", dest="descriptions", action="append", metavar="LABEL=TEXT",
                   help="text-gan models: draw LABEL's rows from a new text (repeatable), "
                   "e.g. --description 7='a thin seven'")
    p.set_defaults(handler=lambda a: tasks.sample(
        a.model, a.output, a.counts, a.per_class, a.random_state, a.device, a.force, a.batch_rows,
        a.descriptions))

    p = sub.add_parser("evaluate", help="cross-validate classifiers on real vs resampled data, with a report")
    p.add_argument("data", nargs="?", help="input .csv/.parquet (default: embedded breast_cancer)")
    p.add_argument("--target", help="label column of the data file")
    p.add_argument("--dataset", help="embedded dataset (breast_cancer, wine, digits) or keel:NAME")
    p.add_argument("--datasets", help="several datasets, comma-separated: adds ranks and a Friedman test")
    p.add_argument("--samplers", default="none,smote,wgan-gp",
                   help="comma-separated baselines (none, ros, smote, borderline, adasyn) and backends")
    p.add_argument("--classifiers", help="comma-separated: logreg, forest, knn, svc, tree, hgb "
                   "(default logreg,forest,knn,svc)")
    p.add_argument("--metrics", help="comma-separated metric names (default: all built-in)")
    p.add_argument("--metric", default="g_mean", help="metric of the verdict and tests (default g_mean)")
    p.add_argument("--out", help="report folder: results.csv, summary.md, PNG plots")
    p.add_argument("--folds", type=int, default=5, help="stratified CV folds (default 5)")
    p.add_argument("--repeats", type=int, default=2, help="CV repeats with new shuffles (default 2)")
    p.add_argument("--n-jobs", dest="n_jobs", type=int, help="parallel fold fits (joblib)")
    p.add_argument("--force", action="store_true", help="replace the report files in a used --out folder")
    _categorical(p)
    _common(p)
    p.set_defaults(handler=lambda a: tasks.evaluate_task(**_settings(
        a, "data", "target", "dataset", "datasets", "samplers", "classifiers", "metrics", "metric", "out",
        "folds", "repeats", "n_jobs", "force")))

    p = sub.add_parser("run", help="run a TOML recipe from recipes/")
    p.add_argument("recipe")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a recipe key (repeatable)")
    p.set_defaults(handler=lambda a: recipes.run(recipes.load_recipe(a.recipe, a.set)))
    get_host().add_commands(sub, builtin=list(sub.choices))
    return parser


def _table_to_file(p: argparse.ArgumentParser, output_help: str) -> None:
    """Arguments of the commands that read a labelled table and write one file."""
    p.add_argument("data", help="input .csv or .parquet")
    p.add_argument("--target", required=True, help="label column")
    p.add_argument("-o", "--output", required=True, help=output_help)
    p.add_argument("--backend", default="wgan-gp")
    p.add_argument("--sampling-strategy", dest="sampling_strategy", type=recipes.parse_value)
    _categorical(p)


def _categorical(p: argparse.ArgumentParser) -> None:
    p.add_argument("--categorical", dest="categorical_features", type=_column_names, metavar="COLUMNS",
                   help="comma-separated columns to treat as categorical, e.g. --categorical zip,store "
                        "(default: text, category and bool columns)")


def _column_names(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise argparse.ArgumentTypeError("give column names, comma-separated, e.g. --categorical zip,store")
    return names


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--epochs", type=int)
    p.add_argument("--batch-size", dest="batch_size", type=int)
    p.add_argument("--random-state", dest="random_state", type=int, default=0)
    p.add_argument("--device", default="auto")
    p.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                   help="backend option (repeatable), e.g. --option lr_generator=1e-4")
    p.add_argument("--refine", type=recipes.parse_value, default="unset",
                   help="'interpolate' (default; tables), 'augment' (images: random transforms "
                   "of the synthetic images) or none: raw generator samples")
    p.add_argument("-v", "--verbose", action="store_true")


def _settings(args: argparse.Namespace, *names: str) -> dict:
    settings = {n: getattr(args, n) for n in names if getattr(args, n) is not None}
    for key in ("epochs", "batch_size", "random_state", "device", "verbose", "categorical_features"):
        value = getattr(args, key, None)
        if value is not None:
            settings[key] = value
    if args.refine != "unset":
        settings["refine"] = args.refine
    settings["options"] = dict(_pair(item) for item in args.option)
    return settings


def _pair(item: str) -> tuple[str, object]:
    key, sep, raw = item.partition("=")
    if not sep:
        raise UsageError(f"--option {item!r}: write key=value, e.g. --option lr_generator=1e-4")
    return key.strip(), recipes.parse_value(raw.strip())  # same parsing as --set


def _backends(args: argparse.Namespace) -> None:
    host = get_host()
    backends = host.backends()
    if args.options:
        for key, default in options_help(get_backend(args.options).Options).items():
            print(f"{key:20s} {default!r}")
        return
    print(f"{'backend':10s} {'data kinds':14s} {'conditional':12s} {'plugin':28s} version")
    for name, cls in sorted(backends.items()):
        origin = host.origin(name)
        plugin = f"{origin.name} ({origin.distribution})"
        print(f"{name:10s} {','.join(cls.data_kinds):14s} {str(cls.conditional).lower():12s} "
              f"{plugin:28s} {origin.version}")
    _print_failures(host)


def _plugins(args: argparse.Namespace) -> None:
    host = get_host()
    for info in host.plugins():
        if info.error:
            continue
        print(f"{info.name} ({info.distribution} {info.version})")
        print(f"    hooks: {', '.join(info.hooks) or '-'}")
        for kind in ("backends", "losses", "metrics", "commands"):
            if getattr(info, kind):
                print(f"    {kind}: {', '.join(getattr(info, kind))}")
    _print_failures(host)


def _print_failures(host) -> None:
    failures = host.failures()
    if failures:
        print("\nplugins that failed to load (set GANAUG_RAISE_PLUGIN_ERRORS=1 to see the traceback):")
    for info in failures:
        what = f" backend {info.backends[0]!r}" if info.backends else ""
        print(f"  {info.name} ({info.distribution} {info.version}){what}: {info.error}")


if __name__ == "__main__":
    raise SystemExit(main())
