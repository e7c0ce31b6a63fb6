"""Old import paths of names that moved, kept working with a ``DeprecationWarning`` until ganaug 0.3.

Two kinds of old path are served, both by name on first use rather than by
an import statement, so an old path never ties a lower layer to a higher
one (``tests/test_architecture.py`` checks that every one still resolves):

- a module that still exists but lost names sets ``__getattr__ = moved(__name__, {name: new module})``;
- a module that is gone entirely (``ganaug.adversarial`` and the like) is listed in
  :data:`OLD_MODULES`; :func:`install` (run by ``import ganaug``) lets ``import`` find it.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import types
import warnings
from collections.abc import Callable
from typing import Any

REMOVED_IN = "0.3"


def moved(old_module: str, targets: dict[str, str]) -> Callable[[str], Any]:
    """A module-level ``__getattr__`` serving ``targets`` (``{name: "module"}`` or ``"module:new.name"``)."""

    def __getattr__(name: str) -> Any:
        if name not in targets:
            raise AttributeError(f"module {old_module!r} has no attribute {name!r}")
        if targets[name] in RETIRED:
            value, instead = RETIRED[targets[name]]
            warnings.warn(f"{old_module}.{name} is no longer used: {instead}; it will be removed in "
                          f"ganaug {REMOVED_IN}.", DeprecationWarning, stacklevel=2)
            return value
        new_module, _, new_name = targets[name].partition(":")
        new_name = new_name or name
        warnings.warn(f"{old_module}.{name} moved to {new_module}.{new_name}; the old path will be "
                      f"removed in ganaug {REMOVED_IN}.", DeprecationWarning, stacklevel=2)
        return resolve(f"{new_module}:{new_name}")

    __getattr__.targets = dict(targets)  # read by the test of old paths
    return __getattr__


def resolve(target: str) -> Any:
    """``"module:name"`` (or ``"module:Class.attribute"``) imported by name, for a deprecated path."""
    module, _, path = target.partition(":")
    value = importlib.import_module(module)
    for part in path.split("."):
        value = getattr(value, part)
    return value


# names of ganaug 0.1 that nothing replaces one to one: {key: (the old value, what to use instead)};
# an old path whose target is one of these keys serves the value with that advice
RETIRED: dict[str, tuple[Any, str]] = {
    "retired:MAX_MARGINALS": (4, "reports draw every column; choose with report(marginal_columns=[...])"),
}


# modules of ganaug 0.1 that the redesign (0.2) replaced: {old module: {name: where it is now}}
OLD_MODULES: dict[str, dict[str, str]] = {
    "ganaug.hookspecs": {  # 0.2: the hook specifications moved into the registry package
        name: "ganaug.registry.hookspecs"
        for name in ("hookimpl", "hookspec", "register_backends", "register_losses", "register_metrics",
                     "register_commands")
    },
    "ganaug.adversarial": {
        "SAMPLE_CHUNK": "ganaug.training.loop",
        "AdversarialOptions": "ganaug.training.options",
        "AdversarialBackend": "ganaug.training.loop",
        "adam": "ganaug.training.loop",
        "MLPGANBackend": "ganaug.training.mlp",
    },
    "ganaug.imagegan": {
        "ImageGANOptions": "ganaug.training.image",
        "ImageGANBackend": "ganaug.training.image",
    },
    "ganaug.augment": {
        "POLICIES": "ganaug.training.diffaugment",
        "diff_augment": "ganaug.training.diffaugment",
        "check_policy": "ganaug.training.diffaugment",
        "color": "ganaug.training.diffaugment",
        "translation": "ganaug.training.diffaugment",
        "cutout": "ganaug.training.diffaugment",
    },
    "ganaug.augmentation": {
        "AlbumentationsOverSampler": "ganaug.baselines.albumentations",
        "check_image_task": "ganaug.baselines.albumentations",
        "default_transform": "ganaug.refinements",
        "augment_images": "ganaug.refinements",
    },
    "ganaug.hybrid": {
        "default_gan": "ganaug.baselines.mixed",
        "MixedOverSampler": "ganaug.baselines.mixed",
    },
    "ganaug.recipes": {
        "TASKS": "ganaug.cli.recipes",
        "RUNNER_KEYS": "ganaug.cli.recipes",
        "load_recipe": "ganaug.cli.recipes",
        "parse_value": "ganaug.cli.recipes",
        "run": "ganaug.cli.recipes",
        "recipe_kwargs": "ganaug.cli.recipes",
        "DEMO_METRICS": "ganaug.cli.tasks",
        "SUMMARY_METRICS": "ganaug.cli.tasks",
        "MODEL_SUFFIXES": "ganaug.cli.tasks",
        "load_data": "ganaug.cli.tasks",
        "make_oversampler": "ganaug.cli.tasks",
        "demo": "ganaug.cli.tasks",
        "resample": "ganaug.cli.tasks",
        "evaluate_task": "ganaug.cli.tasks",
        "train": "ganaug.cli.tasks",
        "sample": "ganaug.cli.tasks",
        "resample_images": "ganaug.cli.tasks",
    },
    "ganaug.io": {
        "SUFFIXES": "ganaug.data.tables",
        "read_table": "ganaug.data.tables",
        "split_target": "ganaug.data.tables",
        "write_table_batches": "ganaug.data.tables",
        "write_table": "ganaug.data.tables",
        "UsageError": "ganaug.errors",
        "check_output": "ganaug.fileformat",
    },
    "ganaug.images": {
        "MIN_SIDE": "ganaug.data.validation",
        "MAX_SIDE": "ganaug.data.validation",
        "is_image_array": "ganaug.data.validation",
        "check_images": "ganaug.data.validation",
        "ImageEncoder": "ganaug.data.image:ImageCodec",
        "IMAGE_SUFFIXES": "ganaug.data.folders",
        "read_image_folder": "ganaug.data.folders",
        "write_image_folder": "ganaug.data.folders",
        "ImageDataset": "ganaug.data.folders",
    },
    "ganaug.validation": {
        "InputError": "ganaug.errors",
        "check_target": "ganaug.data.target",
        "as_table": "ganaug.data.validation",
        "restore_target": "ganaug.data.target",
        "FREE_TEXT_LEVELS": "ganaug.data.validation",
        "check_classes_to_grow": "ganaug.data.target",
    },
    "ganaug.encoders": {
        "TabularEncoder": "ganaug.data.tabular:TabularCodec",
        "json_scalar": "ganaug.fileformat",
        "Span": "ganaug.data.tabular",
        "is_categorical": "ganaug.data.tabular",
        "dtype_state": "ganaug.data.columns",
        "dtype_from_state": "ganaug.data.columns",
        "NumericEncoding": "ganaug.data.tabular",
    },
    "ganaug.mixture": {
        "fit_mixtures": "ganaug.data.mixture",
    },
    "ganaug.text": {
        "TextEncoder": "ganaug.data.text",
    },
    "ganaug.datasets": {
        "load_imbalanced": "ganaug.data.datasets",
        "load_dataset": "ganaug.data.datasets",
        "load_keel": "ganaug.data.datasets",
        "load_long_tailed_digits": "ganaug.data.datasets",
        "describe_digits": "ganaug.data.datasets",
        "DIGIT_NAMES": "ganaug.data.datasets",
        "EMBEDDED": "ganaug.data.datasets",
    },
    "ganaug.persist": {
        "FORMAT_VERSION": "ganaug.modelfile",
        "ModelFileError": "ganaug.errors",
        "load_backend": "ganaug.registry",
        "load_sampler": "ganaug.sampler:GANOverSampler.load",
        "save_sampler": "ganaug.sampler:GANOverSampler.save",
        "save_backend": "ganaug.backend:Backend.save",
    },
    "ganaug.checkpoint": {
        "TrainingInterrupted": "ganaug.errors",
        "CheckpointError": "ganaug.errors",
        "MAX_ROLLBACKS": "ganaug.training.checkpoints",
        "CHECKPOINT_FORMAT": "ganaug.training.checkpoints",
        "Snapshot": "ganaug.training.checkpoints",
        "TrainingControl": "ganaug.backend",
        "fingerprint": "ganaug.training.checkpoints",
        "take_snapshot": "ganaug.training.checkpoints",
        "restore_snapshot": "ganaug.training.checkpoints",
        "scale_learning_rates": "ganaug.training.checkpoints",
        "write_checkpoint": "ganaug.training.checkpoints",
        "read_checkpoint": "ganaug.training.checkpoints",
        "warn_rollback": "ganaug.training.checkpoints",
    },
    "ganaug.distributed": {
        "launched_by_torchrun": "ganaug.devices",
        "is_distributed": "ganaug.devices",
        "rank": "ganaug.devices",
        "is_main_process": "ganaug.devices",
        "local_device": "ganaug.devices",
        "init_distributed": "ganaug.training.distributed",
        "any_rank": "ganaug.training.distributed",
        "WithLogits": "ganaug.training.distributed",
        "data_parallel": "ganaug.training.distributed",
    },
    "ganaug.plugins": {
        "CommandLine": "ganaug.registry.commands",
        "KINDS": "ganaug.registry.host",
        "ENTRY_POINT_GROUP": "ganaug.registry",
        "RAISE_ENV_VAR": "ganaug.registry",
        "PluginInfo": "ganaug.registry",
        "PluginHost": "ganaug.registry",
        "get_host": "ganaug.registry",
        "list_backends": "ganaug.registry",
        "get_backend": "ganaug.registry",
    },
    "ganaug.refine": {
        "REFINEMENTS": "ganaug.refinements",
        "nearest_rows": "ganaug.refinements",
        "interpolate_towards_real": "ganaug.refinements",
        "BRUTE_FORCE_ROWS": "ganaug.refinements",
    },
    "ganaug.stats": {
        "ALPHA": "ganaug.evaluation.stats",
        "per_fold": "ganaug.evaluation.stats",
        "per_dataset": "ganaug.evaluation.stats",
        "n_datasets": "ganaug.evaluation.stats",
        "confidence_intervals": "ganaug.evaluation.stats",
        "corrected_interval": "ganaug.evaluation.stats",
        "compare": "ganaug.evaluation.stats",
        "wilcoxon_p": "ganaug.evaluation.stats",
        "corrected_t_p": "ganaug.evaluation.stats",
        "holm": "ganaug.evaluation.stats",
        "mean_ranks": "ganaug.evaluation.stats",
        "friedman": "ganaug.evaluation.stats",
        "verdict": "ganaug.evaluation.stats",
    },
    "ganaug.reporting": {
        "HEADLINE_METRICS": "ganaug.evaluation.stats",
        "MAX_MARGINALS": "retired:MAX_MARGINALS",
        "report": "ganaug.evaluation.reports",
        "check_report_folder": "ganaug.evaluation.reports",
        "summary_markdown": "ganaug.evaluation.reports",
        "markdown_table": "ganaug.evaluation.reports",
        "plot_metrics": "ganaug.evaluation.plots",
        "plot_class_recall": "ganaug.evaluation.plots",
        "fit_for_diagnostics": "ganaug.evaluation.reports",
        "plot_losses": "ganaug.evaluation.plots",
        "plot_marginals": "ganaug.evaluation.plots",
    },
    "ganaug.quality": {
        "SmallCNN": "ganaug.evaluation.quality",
        "classification_accuracy_score": "ganaug.evaluation.quality",
        "frechet_distance": "ganaug.evaluation.quality",
        "sample_grid": "ganaug.evaluation.quality",
    },
}


class _OldModuleFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Lets ``import ganaug.adversarial`` (or another in :data:`OLD_MODULES`) give a forwarding module."""

    def find_spec(self, fullname: str, path: Any,
                  target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname not in OLD_MODULES:
            return None
        return importlib.machinery.ModuleSpec(fullname, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = types.ModuleType(spec.name, f"Deprecated: the names of {spec.name} moved in ganaug 0.2.")
        module.__getattr__ = moved(spec.name, OLD_MODULES[spec.name])
        module.__all__ = sorted(OLD_MODULES[spec.name])
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        pass


def install() -> None:
    """Let the old module paths be imported (once per process)."""
    if not any(isinstance(finder, _OldModuleFinder) for finder in sys.meta_path):
        sys.meta_path.append(_OldModuleFinder())
