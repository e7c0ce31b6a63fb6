"""Recipes: flat TOML run configurations of a task, read with ``tomllib`` and run by ``ganaug run``.

A recipe names a ``task`` (``demo``, ``resample``, ``evaluate``, ``train``,
``sample`` or ``resample_images``), its data (``dataset`` for an embedded
one, or ``data`` + ``target`` for a file) and its settings. Keys the runner
does not know are backend options, so ``lr_generator = 1e-4`` in a recipe
reaches the backend's ``Options``.

``ganaug run NAME`` runs a recipe bundled with ganaug (``recipes/NAME.toml``
in the repository, package data of the wheel); ``ganaug run --list`` lists them.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import ganaug.cli.tasks as tasks
from ganaug.cli.values import parse_value
from ganaug.errors import UsageError
from ganaug.sampler import SAMPLER_PARAMS

TASKS = ("demo", "resample", "evaluate", "train", "sample", "resample_images")
# keys that a task or the sampler reads; every other key of a recipe is a backend option
RUNNER_KEYS = {
    "task", "dataset", "ratio", "data", "target", "samplers", "classifiers", "output", "out", "force",
    "folds", "datasets", "repeats", "metrics", "metric", "model", "resume", "counts", "per_class",
    "images", "batch_rows", "distributed", "checkpoint", "checkpoint_every", "progress", "label_column",
    "descriptions", *SAMPLER_PARAMS,
}


def bundled_recipe_folder() -> Path | None:
    """Where the bundled recipes are: ``ganaug/_recipes/`` of a wheel, else a checkout's ``recipes/``."""
    package = Path(__file__).resolve().parents[1]  # the ganaug package folder
    for folder in (package / "_recipes", package.parent / "recipes"):
        if any(folder.glob("*.toml")):
            return folder
    return None


def bundled_recipes() -> dict[str, str]:
    """``{name: first sentence of its opening comment}`` of every bundled recipe."""
    folder = bundled_recipe_folder()
    return {path.stem: recipe_summary(path.read_text())
            for path in (sorted(folder.glob("*.toml")) if folder else ())}


def recipe_summary(text: str) -> str:
    """The first sentence of a recipe's opening comment block, whole (never cut mid-sentence)."""
    words = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        line = line.lstrip("# ").strip()
        if line.startswith("Run:"):
            break
        words.append(line)
    block = " ".join(words)
    depth = 0
    for match in re.finditer(r"[()]|[.:](?=\s|$)", block):
        mark = match.group()
        depth += {"(": 1, ")": -1}.get(mark, 0)
        if mark in ".:" and depth == 0:  # a sentence, or the clause before a colon's details
            return block[:match.start()] + ("." if mark == "." else "")
    return block


def find_recipe(name_or_path: str | Path) -> Path:
    """A recipe file: the path given, or the bundled recipe of that name (``ctgan`` -> ``ctgan.toml``)."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    folder = bundled_recipe_folder()
    if folder is not None and path.parent == Path(".") and (folder / f"{path.stem}.toml").is_file():
        return folder / f"{path.stem}.toml"
    known = ", ".join(bundled_recipes()) or "none found"
    raise UsageError(f"recipe {str(name_or_path)!r} is neither a file nor a bundled recipe; bundled: "
                     f"{known}.")


def load_recipe(path: str | Path, overrides: list[str] = ()) -> dict[str, Any]:
    """Read a recipe (a path, or a bundled recipe's name) and apply ``key=value`` overrides.

    Override values are parsed as TOML, else kept as strings.
    """
    path = find_recipe(path)
    try:
        recipe = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as err:
        raise UsageError(f"recipe {str(path)!r} is not valid TOML: {err}") from err
    for item in overrides:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--set {item!r}: write key=value, e.g. --set epochs=50")
        recipe[key.strip()] = parse_value(raw.strip())
    return recipe


def run(recipe: dict[str, Any]) -> Any:
    """Run a recipe dict; returns what its task returns."""
    task = recipe.get("task", "demo")
    if task not in TASKS:
        raise UsageError(f"task {task!r} is unknown; use one of {', '.join(TASKS)}.")
    runners = {"demo": tasks.demo, "resample": tasks.resample, "evaluate": tasks.evaluate_task,
               "train": tasks.train, "sample": tasks.sample, "resample_images": tasks.resample_images}
    return runners[task](**recipe_kwargs(recipe))


def recipe_kwargs(recipe: dict[str, Any]) -> dict[str, Any]:
    """Split a recipe into runner arguments and backend options."""
    kwargs = {k: v for k, v in recipe.items() if k in RUNNER_KEYS and k != "task"}
    if "out" in kwargs and "output" not in kwargs:  # the key of ganaug 0.1
        kwargs["output"] = kwargs.pop("out")
    kwargs.pop("out", None)
    kwargs["options"] = {k: v for k, v in recipe.items() if k not in RUNNER_KEYS}
    return kwargs
