"""Recipes: flat TOML run configurations of a task, read with ``tomllib`` and run by ``ganaug run``.

A recipe names a ``task`` (``demo``, ``resample``, ``evaluate``, ``train``,
``sample`` or ``resample_images``), its data (``dataset`` for an embedded
one, or ``data`` + ``target`` for a file) and its settings. Keys the runner
does not know are backend options, so ``lr_generator = 1e-4`` in a recipe
reaches the backend's ``Options``.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from ganaug.cli import tasks
from ganaug.errors import UsageError
from ganaug.sampler import SAMPLER_PARAMS

TASKS = ("demo", "resample", "evaluate", "train", "sample", "resample_images")
# keys that a task or the sampler reads; every other key of a recipe is a backend option
RUNNER_KEYS = {
    "task", "dataset", "ratio", "data", "target", "samplers", "classifiers", "output", "out", "force",
    "folds", "datasets", "repeats", "metrics", "metric", "model", "resume", "counts", "per_class",
    "images", "batch_rows", "distributed", *SAMPLER_PARAMS,
}


def load_recipe(path: str | Path, overrides: list[str] = ()) -> dict[str, Any]:
    """Read a recipe and apply ``key=value`` overrides (values parsed as TOML, else strings)."""
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"recipe {str(path)!r} does not exist.")
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


def parse_value(raw: str) -> Any:
    """``"50"`` -> 50, ``"[1, 2]"`` -> [1, 2], ``"none"`` -> None, ``"ctgan"`` -> "ctgan"."""
    if raw.lower() in ("none", "null"):
        return None
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


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
    kwargs["options"] = {k: v for k, v in recipe.items() if k not in RUNNER_KEYS}
    return kwargs
