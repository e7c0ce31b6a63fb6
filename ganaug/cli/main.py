"""The ``ganaug`` command line: demo, backends, plugins, resample, train, sample, evaluate, run.

Building the parser imports neither torch nor any plugin, so ``ganaug --help``
and ``ganaug --version`` answer at once; a command imports what it needs when
it runs, and plugin commands are loaded only when one is asked for.
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import sys
import textwrap
from collections.abc import Sequence
from typing import NoReturn

from ganaug._version import DOCUMENTATION_URL, SOURCE_URL, __version__
from ganaug.cli.values import column_names, parse_strategy, parse_value
from ganaug.errors import GanaugError, TrainingInterrupted, UsageError, sigterm_as_interrupt
from ganaug.paths import TABLE_SUFFIXES, check_input_file, check_input_folder, check_output

BUILTIN_COMMANDS = ("demo", "backends", "plugins", "resample", "resample-images", "train", "sample",
                    "evaluate", "run")
EPILOG = ("Plugins can add commands: `ganaug plugins` lists them. `ganaug COMMAND --help` shows a "
          f"command's options. Documentation: {DOCUMENTATION_URL} (source: {SOURCE_URL}).")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``ganaug`` command; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(plugins=_needs_plugins(argv))
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help()
        return 2
    try:
        _check_inputs(args)  # before a command imports torch: a mistyped path is reported at once
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
    except BrokenPipeError:  # `ganaug plugins | head` closed the pipe: not an error of ours
        sys.stderr.close()
        return 0
    return 0


def _check_inputs(args: argparse.Namespace) -> None:
    """The input paths a command names exist and are of the right kind (files, or a folder of images)."""
    if getattr(args, "data", None) is not None and args.command == "evaluate" and os.path.isdir(args.data):
        check_input_folder(args.data, "image folder")  # evaluate takes an image folder too
    elif getattr(args, "data", None) is not None:
        check_input_file(args.data, "input file", TABLE_SUFFIXES)
    if getattr(args, "model", None) is not None:
        check_input_file(args.model, "model file")
    if getattr(args, "images", None) is not None:
        check_input_folder(args.images, "image folder")
    output, force = getattr(args, "output", None), getattr(args, "force", False)
    inputs = [path for path in (getattr(args, "data", None), getattr(args, "model", None)) if path]
    if output is not None and args.command in OUTPUT_SUFFIXES:  # the tasks check again when they write
        check_output(output, inputs, force, OUTPUT_SUFFIXES[args.command])


OUTPUT_SUFFIXES = {"resample": TABLE_SUFFIXES, "sample": TABLE_SUFFIXES, "train": (".safetensors",)}


def _needs_plugins(argv: list[str]) -> bool:
    """Whether ``argv`` asks for a command no built-in has, or for ``plugins`` (which lists commands)."""
    words = [a for a in argv if not a.startswith("-")]
    return bool(words) and (words[0] not in BUILTIN_COMMANDS or words[0] == "plugins")


def build_parser(plugins: bool = True) -> argparse.ArgumentParser:
    """The ``ganaug`` parser; ``plugins`` adds the commands plugins register (this imports them)."""
    parser = _Parser(prog="ganaug", description="Fix imbalanced datasets with GANs.", epilog=EPILOG)
    parser.add_argument("--version", action="version", version=f"ganaug {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("demo", help="balance an embedded dataset and compare with SMOTE")
    _backend(p, "wgan-gp")
    p.add_argument("--dataset", default="breast_cancer", choices=("breast_cancer", "wine"),
                   help="embedded dataset, made imbalanced 10:1 (default breast_cancer)")
    _training(p)
    p.set_defaults(handler=lambda a: _tasks().demo(**_settings(a, "backend", "dataset"), progress=_shows(a)))

    p = sub.add_parser("backends", help="list registered backends")
    p.add_argument("--options", metavar="NAME", help="show one backend's options and their defaults")
    p.set_defaults(handler=_backends)

    p = sub.add_parser("plugins", help="list plugins, their hooks, what they registered, load errors")
    p.set_defaults(handler=_plugins)

    p = sub.add_parser("resample", help="balance a CSV/Parquet table and write it to a new file")
    _table_in(p)
    _output(p, "output .csv or .parquet: the original rows, then the synthetic ones (never the input)")
    _backend(p, "wgan-gp")
    _strategy(p)
    _training(p)
    p.set_defaults(handler=lambda a: _tasks().resample(
        **_settings(a, "data", "target", "output", "backend", "sampling_strategy", "force",
                    "categorical_features"), verbose=_shows(a)))

    p = sub.add_parser("resample-images", help="balance an image folder (one subfolder per class)")
    p.add_argument("images", help="folder with one subfolder of PNG/JPEG images per class")
    _output(p, "new folder for the original and synthetic images, one subfolder per class", folder=True)
    p.add_argument("--backend", default="auto",
                   help="auto (the default: classical transforms of the real images, the best measured "
                        "method, seconds at 28x28), an image backend (`ganaug backends`; a GAN takes "
                        "minutes to tens of minutes), or mixed (a quarter from cyclegan, the rest "
                        "transformed)")
    _strategy(p)
    _training(p)
    p.set_defaults(handler=lambda a: _tasks().resample_images(
        **_settings(a, "images", "output", "backend", "sampling_strategy", "force"), verbose=_shows(a)))

    p = sub.add_parser("train", help="train a sampler on a table and save it (.safetensors)")
    _table_in(p)
    _output(p, "model file to write, .safetensors", force_help="overwrite the model file and start a new "
            "run even if a checkpoint exists")
    _backend(p, "wgan-gp")
    _strategy(p)
    p.add_argument("--checkpoint", help="checkpoint file (default: OUTPUT_STEM.ckpt.safetensors)")
    p.add_argument("--checkpoint-every", dest="checkpoint_every", type=int, metavar="EPOCHS",
                   help="epochs between checkpoints (default: the backend's)")
    p.add_argument("--resume", action="store_true", help="continue from the checkpoint of an interrupted run")
    p.add_argument("--distributed", action="store_true",
                   help="train one generator in every torchrun process with DDP (automatic under torchrun)")
    _training(p)
    p.set_defaults(handler=lambda a: _tasks().train(**_settings(
        a, "data", "target", "output", "backend", "sampling_strategy", "checkpoint", "checkpoint_every",
        "resume", "force", "distributed", "categorical_features"), verbose=_shows(a)))

    p = sub.add_parser("sample", help="draw synthetic rows from a saved model into a new table")
    p.add_argument("model", help="model file written by `ganaug train` or GANOverSampler.save")
    _output(p, "output .csv or .parquet")
    p.add_argument("--counts", metavar="LABEL=N,...",
                   help="rows per class, e.g. --counts fraud=500,rare=100 (default: as trained)")
    p.add_argument("--per-class", dest="per_class", type=int, metavar="N",
                   help="the same number of rows for each class the model draws (every class of a "
                        "conditional model; the grown classes of per-class models)")
    p.add_argument("--random-state", dest="random_state", type=int, metavar="SEED",
                   help="seed of this draw (default: the training seed)")
    _device(p)
    p.add_argument("--batch-rows", dest="batch_rows", type=int, default=100_000, metavar="N",
                   help="rows drawn and written at a time; bounds memory (default 100000)")
    p.add_argument("--label-column", dest="label_column", metavar="NAME",
                   help="name of the label column written (default: as in training, else label)")
    p.add_argument("--description", dest="descriptions", action="append", metavar="LABEL=TEXT",
                   help="text-gan models: draw LABEL's rows from a new text (repeatable), "
                   "e.g. --description 7='a thin seven'")
    _quiet(p)
    p.set_defaults(handler=lambda a: _tasks().sample(
        a.model, a.output, a.counts, a.per_class, a.random_state, a.device, a.force, a.batch_rows,
        a.descriptions, progress=_shows(a), label_column=a.label_column))

    p = sub.add_parser("evaluate", help="cross-validate classifiers on real vs resampled data, with a report")
    p.add_argument("data", nargs="?", help="input .csv/.parquet, or an image folder with one subfolder per "
                                           "class (default: embedded breast_cancer)")
    p.add_argument("--target", help="label column of the data file")
    p.add_argument("--dataset", help="embedded dataset (breast_cancer, wine, digits) or keel:NAME")
    p.add_argument("--datasets", metavar="NAMES", help="several datasets, comma-separated: adds ranks and a "
                   "Friedman test")
    p.add_argument("--samplers", default="none,smote,wgan-gp",
                   help="comma-separated baselines (none, ros, smote, borderline, adasyn; albumentations "
                        "and mixed for images), backends, remedies without resampling (class-weight, "
                        "threshold) and NAME+threshold, NAME+amount, NAME+filter, NAME+prior, combined as in "
                        "wgan-gp+amount+threshold (default none,smote,wgan-gp)")
    p.add_argument("--classifiers", help="comma-separated: logreg, forest, knn, svc, tree, hgb "
                   "(default logreg,forest,hgb)")
    p.add_argument("--metrics", help="comma-separated metric names (default: every built-in one)")
    p.add_argument("--metric", help="metric of the verdict and tests (default: g_mean for two classes, "
                   "balanced_accuracy for more)")
    _output(p, "report folder: summary.md, report.html, results.csv and plots", folder=True, required=False,
            force_help="replace the report files in a used report folder")
    p.add_argument("--folds", type=int, default=5, help="stratified CV folds (default 5)")
    p.add_argument("--repeats", type=int, default=2, help="CV repeats with new shuffles (default 2)")
    p.add_argument("--n-jobs", dest="n_jobs", type=int, help="parallel fold fits (joblib; default 1)")
    _categorical(p)
    _training(p)
    p.set_defaults(handler=lambda a: _tasks().evaluate_task(**_settings(
        a, "data", "target", "dataset", "datasets", "samplers", "classifiers", "metrics", "metric", "output",
        "folds", "repeats", "n_jobs", "force", "categorical_features"), progress=_shows(a)))

    p = sub.add_parser("run", help="run a TOML recipe: a path, or a bundled one by name (ganaug run ctgan)")
    p.add_argument("recipe", help="recipe file, or the name of a bundled recipe (`ganaug run --list`)",
                   nargs="?")
    p.add_argument("--list", action="store_true", help="list the bundled recipes")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a recipe key (repeatable), e.g. --set epochs=50")
    p.add_argument("--force", action="store_true",
                   help="replace the recipe's output if it exists (as --force of the recipe's task)")
    _quiet(p)
    p.set_defaults(handler=_run_recipe)
    if plugins:
        from ganaug.registry import get_host

        get_host().add_commands(sub, builtin=list(sub.choices))
    return parser


class _Parser(argparse.ArgumentParser):
    """argparse, with a did-you-mean for a mistyped command (`resampel` -> `resample`)."""

    def error(self, message: str) -> NoReturn:
        wrong = re.search(r"invalid choice: '([^']*)'", message)
        if wrong:
            choices = re.findall(r"'([^']*)'", message.split("choose from", 1)[-1])
            close = difflib.get_close_matches(wrong.group(1).lower(), choices, n=1)
            if close:
                message += f". Did you mean {close[0]!r}?"
        super().error(message)


# ---- groups of options shared by several commands ------------------------------------------
def _table_in(p: argparse.ArgumentParser) -> None:
    p.add_argument("data", help="input .csv or .parquet")
    p.add_argument("--target", required=True, help="label column")
    _categorical(p)


def _output(p: argparse.ArgumentParser, what: str, folder: bool = False, required: bool = True,
            force_help: str | None = None) -> None:
    # one spelling everywhere: -o/--output; --out (ganaug 0.1) still works, unlisted. The tasks say
    # which are required, so that either spelling can give it
    p.add_argument("-o", "--output", dest="output", metavar="FOLDER" if folder else "FILE",
                   help=what + (" (required)" if required else ""))
    p.add_argument("--out", dest="output", help=argparse.SUPPRESS)
    p.add_argument("--force", action="store_true",
                   help=force_help or f"replace the output {'folder' if folder else 'file'} if it exists")


def _backend(p: argparse.ArgumentParser, default: str) -> None:
    p.add_argument("--backend", default=default,
                   help=f"GAN backend (`ganaug backends` lists them; default {default})")


def _strategy(p: argparse.ArgumentParser) -> None:
    p.add_argument("--sampling-strategy", dest="sampling_strategy", type=parse_strategy, metavar="STRATEGY",
                   help="how many rows to add: auto (balance every class up to the largest), minority, "
                        "not majority, all, a ratio such as 0.5 (two classes), or rows per class as "
                        "LABEL=N,... e.g. fraud=500,rare=100 (default auto)")


def _categorical(p: argparse.ArgumentParser) -> None:
    p.add_argument("--categorical", dest="categorical_features", type=column_names, metavar="COLUMNS",
                   help="numeric columns to treat as categories too, comma-separated, e.g. --categorical "
                        "zip,store (text, category and bool columns always are)")


def _device(p: argparse.ArgumentParser) -> None:
    p.add_argument("--device", default="auto",
                   help="auto (a CUDA GPU when there is one, else the CPU), cpu, cuda or cuda:N")


def _quiet(p: argparse.ArgumentParser) -> None:
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    p.add_argument("-v", "--verbose", action="store_true", help=argparse.SUPPRESS)  # 0.1: progress is on


def _training(p: argparse.ArgumentParser) -> None:
    p.add_argument("--epochs", type=int, help="training epochs (default: the backend's)")
    p.add_argument("--batch-size", dest="batch_size", type=int, help="rows per training batch "
                   "(default: the backend's)")
    p.add_argument("--random-state", dest="random_state", type=int, default=0, metavar="SEED",
                   help="seed: the same seed gives the same output on CPU (default 0)")
    _device(p)
    p.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                   help="backend option (repeatable), e.g. --option lr_generator=1e-4; "
                        "`ganaug backends --options NAME` lists them")
    p.add_argument("--refine", type=parse_value, default="unset",
                   help="'proximity-safe' (default; tables), 'interpolate', 'interpolate-mixed', "
                   "'proximity', 'interpolate-safe' (tables), 'augment' (images: random transforms "
                   "of the synthetic images) or none: raw generator samples")
    _quiet(p)


def _shows(args: argparse.Namespace) -> bool:
    """Progress bars unless --quiet."""
    return not getattr(args, "quiet", False)


def _settings(args: argparse.Namespace, *names: str) -> dict:
    settings = {n: getattr(args, n) for n in names if getattr(args, n, None) is not None}
    for key in ("epochs", "batch_size", "random_state", "device"):
        value = getattr(args, key, None)
        if value is not None:
            settings[key] = value
    if getattr(args, "refine", "unset") != "unset":
        settings["refine"] = args.refine
    settings["options"] = dict(_pair(item) for item in getattr(args, "option", []))
    return settings


def _pair(item: str) -> tuple[str, object]:
    key, sep, raw = item.partition("=")
    if not sep:
        raise UsageError(f"--option {item!r}: write key=value, e.g. --option lr_generator=1e-4")
    return key.strip(), parse_value(raw.strip())  # same parsing as --set


def _tasks():
    import ganaug.cli.tasks as tasks  # imports torch: only once a command runs

    return tasks


# ---- commands that print -------------------------------------------------------------------
def _run_recipe(args: argparse.Namespace) -> None:
    import ganaug.cli.recipes as recipes

    if args.list:
        for name, summary in recipes.bundled_recipes().items():
            # whole sentences, wrapped under their name rather than cut at the terminal's edge
            print(textwrap.fill(summary, width=100, initial_indent=f"{name:24s} ",
                                subsequent_indent=" " * 25))
        return
    if args.recipe is None:
        raise UsageError("give a recipe file or the name of a bundled one; `ganaug run --list` lists them.")
    recipe = recipes.load_recipe(args.recipe, args.set)
    if args.force:
        recipe["force"] = True
    # progress bars as every command shows them: on, unless the recipe or --quiet turns them off
    key = "verbose" if recipe.get("task") in ("resample", "train", "resample_images") else "progress"
    recipe[key] = False if args.quiet else recipe.get(key, True)
    recipes.run(recipe)


def _backends(args: argparse.Namespace) -> None:
    from ganaug.options import options_help
    from ganaug.registry import get_backend, get_host

    host = get_host()
    backends = host.backends()
    if args.options:
        for key, default in options_help(get_backend(args.options).Options).items():
            print(f"{key:20s} {default!r}")
        return
    width = max(10, *map(len, backends))
    print(f"{'backend':{width}s} {'data kinds':14s} {'conditional':12s} {'plugin':28s} version")
    for name, cls in sorted(backends.items()):
        origin = host.origin(name)
        plugin = f"{origin.name} ({origin.distribution})"
        print(f"{name:{width}s} {','.join(cls.data_kinds):14s} {str(cls.conditional).lower():12s} "
              f"{plugin:28s} {origin.version}")
    _print_failures(host)


def _plugins(args: argparse.Namespace) -> None:
    from ganaug.registry import get_host

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
