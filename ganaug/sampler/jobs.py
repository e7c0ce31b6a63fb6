"""Training: the fit template's middle (strategy, encoding, jobs), worker processes, the collapse check."""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from joblib import Parallel, delayed, effective_n_jobs

from ganaug.backend import Backend, TrainingControl, TrainingData
from ganaug.data import InputData
from ganaug.data.target import check_classes_to_grow, target_counts
from ganaug.data.validation import resolve_categorical
from ganaug.devices import resolve_device, seeded
from ganaug.errors import (
    InputError,
    ModeCollapseWarning,
    OptionsError,
    shown,
    warn,
)
from ganaug.fileformat import format_of
from ganaug.limits import check_memory
from ganaug.refinements import Reference, get_refinement
from ganaug.sampler.drawing import check_draw_size
from ganaug.sampler.params import backend_class, backend_options, resolve_conditioning, run_seed
from ganaug.training.checkpoints import CHECKPOINT_FORMAT, fingerprint
from ganaug.training.stacked import fit_stacked, stack_groups, why_not_stacked

logger = logging.getLogger("ganaug")

COLLAPSE_DRAWS = 256  # samples drawn per class to measure diversity after training
COLLAPSE_DRAWS_IMAGES = 64  # per class for images: a conv generator's pass costs far more per sample
COLLAPSE_SPREAD = 0.1  # below this fraction of the real rows' spread: mode collapse


@dataclass
class PlannedFit:
    """A sampler's fit up to training: its data, encoded rows and the models to train (jobs)."""

    sampler: Any
    data: InputData
    y_arr: np.ndarray
    grow: list[Any]
    encoded: torch.Tensor
    labels: torch.Tensor
    jobs: list[TrainingJob]
    device: torch.device


def fit_input(sampler: Any, data: InputData, y: Any, y_arr: np.ndarray, resume: bool) -> Any:
    """The fit template's middle: plan the models, train them, and adopt them (:func:`finish_fit`)."""
    plan = plan_fit(sampler, data, y, y_arr, resume)
    return finish_fit(plan, train_jobs(plan.jobs, plan.device, sampler.verbose, sampler.n_jobs))


def plan_fit(sampler: Any, data: InputData, y: Any, y_arr: np.ndarray, resume: bool) -> PlannedFit:
    """Targets, encoding and the training jobs (one conditional model, or one per class to grow)."""
    # resolved once: drawing and saving use what the sampler was fitted with
    sampler.refinement_ = get_refinement(sampler.refine, data.kind)
    sampler.classes_, y_idx = np.unique(y_arr, return_inverse=True)
    sampler.sampling_strategy_ = target_counts(sampler.sampling_strategy, y_arr)
    grow = [c for c, n in sampler.sampling_strategy_.items() if n > 0]
    check_classes_to_grow(y_arr, grow)
    # before minutes of training: the draw the strategy asks for must fit the limits (ganaug.limits)
    check_draw_size(sum(sampler.sampling_strategy_.values()), int(np.prod(data.data.shape[1:])),
                    sampler.refinement_, "sampling_strategy")
    sampler.data_kind_ = data.kind
    sampler.target_name_ = getattr(y, "name", None)
    if data.kind == "tabular":
        sampler.n_features_in_ = data.data.shape[1]
    if data.feature_names is not None:
        sampler.feature_names_in_ = data.feature_names
    backend_cls = backend_class(sampler, data.kind)
    sampler._conditional_ = resolve_conditioning(sampler, backend_cls)
    options = backend_options(sampler, backend_cls)
    sampler._seed_ = run_seed(sampler)
    categorical = resolve_categorical(data, sampler.categorical_features)
    sampler.codec_ = data.fit_codec(lambda: backend_cls.make_codec(options, sampler._seed_), categorical)
    encoded = torch.from_numpy(sampler.codec_.transform(data.data))
    labels = torch.from_numpy(y_idx.astype(np.int64))
    jobs = make_jobs(sampler, backend_cls, options, encoded, labels, grow, resume)
    if jobs:  # weights, gradients and two Adam moments per model, before any is built
        weights = backend_cls.parameter_bytes(options, jobs[0].data)
        check_memory((weights or 0) * 4 * len(jobs), f"{len(jobs)} {backend_cls.name!r} model(s) "
                     "with their gradients and optimiser state")
    return PlannedFit(sampler, data, y_arr, grow, encoded, labels, jobs, resolve_device(sampler.device))


def finish_fit(plan: PlannedFit, models: list[Backend]) -> Any:
    """Adopt the trained models, check their diversity, and keep the refinement's real rows."""
    sampler, grow = plan.sampler, plan.grow
    if sampler._conditional_:  # one model of every class: it draws any of them
        sampler.backends_ = dict.fromkeys(sampler.classes_, models[0]) if models else {}
    else:
        sampler.backends_ = dict(zip(grow, models))
    check_diversity(sampler, plan.encoded, plan.labels, grow)
    # the real rows a refinement anchors synthetic rows to (saved with the model); a conditional model
    # draws every class, so a sample of the other classes' rows comes along too
    refinement = sampler.refinement_
    sampler._reference_ = Reference.fit(plan.data.data, plan.y_arr, grow, refinement, sampler._seed_,
                                        sampler.codec_.categorical_, others=sampler._conditional_) \
        if refinement is not None and refinement.needs_reference else None
    return sampler


def train_jobs(jobs: list[TrainingJob], device: torch.device, verbose: bool = False,
               n_jobs: int | None = None) -> list[Backend]:
    """Train the jobs' models: as one stack where they allow it, else in worker processes or in turn."""
    if len(jobs) > 1 and all(getattr(job.options, "stack_models", False) for job in jobs):
        models = train_stacked(jobs, device, verbose)
        if models is not None:
            return models
    workers = 1 if device.type == "cuda" else effective_n_jobs(n_jobs or 1)
    if workers == 1 or len(jobs) <= 1:
        return [train_job(job, device, verbose) for job in jobs]
    # processes, not threads: small nets leave torch's intra-op threads idle
    threads = max(1, torch.get_num_threads() // min(workers, len(jobs)))
    return Parallel(n_jobs=min(workers, len(jobs)))(
        delayed(train_job)(job, device, verbose, threads) for job in jobs)


def train_stacked(jobs: list[TrainingJob], device: torch.device, verbose: bool) -> list[Backend] | None:
    """The jobs' models, those of one shape trained as one stack (:mod:`ganaug.training.stacked`).

    Each model is built under its own job's seed (so it starts as a fit of
    its own would); a stack's training draws from its first job's seed.
    Jobs whose encoded columns differ (a fold without some category) are
    padded to a common layout where their nets allow it, else train alone.
    None when no two jobs can share a stack.
    """
    if not getattr(jobs[0].backend, "batchable", False):
        return None
    backends, prepared = [], []
    for index, job in enumerate(jobs):
        with seeded(job.seed, device):
            backend = job.backend(job.options, device, progress=verbose and index == 0)
            data = dataclasses.replace(job.data, X=job.data.X.to(device), y=job.data.y.to(device))
            prepared.append(backend.begin_fit(data))
            backends.append(backend)
    groups = stack_groups(backends, prepared)
    stacks = [members for members in groups if len(members) > 1]
    reason = why_not_stacked([backends[i] for i in stacks[0]], [prepared[i] for i in stacks[0]],
                             [jobs[i].control for i in stacks[0]]) if stacks else "no two share a shape"
    if reason is not None:  # the caller trains them as fits of their own, rebuilt under their seeds
        logger.info("training %d %s models one after another: %s", len(jobs), jobs[0].backend.name, reason)
        return None
    models: list[Backend] = []
    for members in groups:
        if len(members) == 1:  # trained as by a fit of its own (built again under its seed)
            models += [train_job(jobs[members[0]], device, verbose)]
            continue
        if verbose:
            logger.info("training %d %s models as one stack", len(members), jobs[0].backend.name)
        fit_stacked([backends[i] for i in members], [prepared[i] for i in members], jobs[members[0]].seed)
        models += [backends[i] for i in members]
    order = [i for members in groups for i in members]
    return [model for _, model in sorted(zip(order, models), key=lambda pair: pair[0])]


def make_jobs(sampler: Any, backend_cls: type[Backend], options: Any, encoded: torch.Tensor,
              labels: torch.Tensor, grow: list[Any], resume: bool) -> list[TrainingJob]:
    """One job for the conditional model, or one per class to grow (each with its own seed).

    A pairing backend's per-class model sees its class as index 0 and the source class as index 1.
    """
    sampler.checkpoint_files_ = []
    if not grow:
        return []
    source = source_index(sampler, backend_cls, options, labels, grow)
    common = {"backend": backend_cls, "options": options, "run_seed": sampler._seed_}
    if sampler._conditional_:
        data = TrainingData(encoded, labels, len(sampler.classes_), sampler.codec_.layout_,
                            sampler.data_kind_, labels=tuple(sampler.classes_), source=source,
                            rows=torch.arange(len(labels)), n_input_rows=len(labels))
        return [TrainingJob(data=data, control=training_control(sampler, None, resume), seed=sampler._seed_,
                            **common)]
    jobs = []
    for label in grow:
        index = int(np.searchsorted(sampler.classes_, label))
        rows = (labels == index) | (labels == source) if source is not None else labels == index
        y_pair = (labels[rows] == source).long() if source is not None else labels[rows] * 0
        data = TrainingData(encoded[rows], y_pair, 1 if source is None else 2, sampler.codec_.layout_,
                            sampler.data_kind_, labels=(label,) if source is None else
                            (label, sampler.classes_[source]), source=None if source is None else 1,
                            rows=torch.nonzero(rows).squeeze(1), n_input_rows=len(labels))
        jobs.append(TrainingJob(data=data, control=training_control(sampler, index, resume),
                                seed=sampler._seed_ + index, **common))
    return jobs


def source_index(sampler: Any, backend_cls: type[Backend], options: Any, labels: torch.Tensor,
                 grow: list[Any]) -> int | None:
    """The class index a pairing backend translates from: ``source_class``, else the largest class."""
    if not backend_cls.pairs_with_source:
        return None
    label = options.source_class
    if label is None:
        index = int(torch.bincount(labels).argmax())
    elif label in list(sampler.classes_):
        index = list(sampler.classes_).index(label)
    else:
        raise InputError(f"source_class={shown(label)} is not a class of y; the classes are "
                         f"{', '.join(map(shown, sampler.classes_))}.")
    if sampler.classes_[index] in grow:
        raise InputError(
            f"backend {backend_cls.name!r} grows classes from the source class "
            f"{sampler.classes_[index]!r}, which the sampling strategy also asks to grow. Pick another "
            "source_class=..., or a sampling_strategy that leaves the source class as it is.")
    return index


def training_control(sampler: Any, class_index: int | None, resume: bool) -> TrainingControl:
    if resume and sampler.checkpoint is None:
        raise OptionsError("resume=True needs the checkpoint file: GANOverSampler(checkpoint=PATH).")
    path = None if sampler.checkpoint is None else Path(sampler.checkpoint)
    if path is not None and class_index is not None:
        path = path.with_name(f"{path.stem}.class{class_index}{path.suffix}")
    if path is not None:
        # never overwrite a file of the user's (resuming reads it, and says if it is no checkpoint)
        if not resume and path.exists() and format_of(path) != CHECKPOINT_FORMAT:
            raise OptionsError(f"checkpoint file {str(path)!r} exists and is not a ganaug checkpoint, so "
                               "training would overwrite it; give checkpoint=... a new path.")
        sampler.checkpoint_files_.append(path)
    return TrainingControl(path, sampler.checkpoint_every, resume)


def check_diversity(sampler: Any, encoded: torch.Tensor, labels: torch.Tensor, grow: list[Any]) -> None:
    """Warn, naming the class, when a generator's samples are nearly identical (mode collapse)."""
    encoded = encoded.reshape(len(encoded), -1)  # images: one row of pixels each
    if encoded.shape[1] == 0:  # every column constant: nothing to vary
        return
    for label in grow:
        model = sampler.backends_[label]
        index = int(np.searchsorted(sampler.classes_, label))
        real = encoded[labels == index]
        if len(real) < 2 or float(real.std(0).mean()) == 0:
            continue
        # the spread's relative error is about 1/sqrt(2n): 9% at 64 draws, far from a collapse's 90%
        n = COLLAPSE_DRAWS if sampler.data_kind_ == "tabular" else COLLAPSE_DRAWS_IMAGES
        drawn = model.sample(n, index if sampler._conditional_ else 0,
                             torch.Generator().manual_seed(sampler._seed_ + 1)).reshape(n, -1)
        spread = float(drawn.std(0).mean()) / float(real.std(0).mean())
        if spread < COLLAPSE_SPREAD:
            others = [b for b in ("wgan-gp", "ctgan") if b != model.name]
            keep = "keep a refinement (refine='proximity-safe', the default)" \
                if sampler.data_kind_ == "tabular" else "add refine='augment'"
            warn(f"class {shown(label)}: the synthetic samples are nearly identical (their spread is "
                 f"{spread:.0%} of the real rows'): the generator collapsed to a few modes. Train "
                 f"longer (epochs=...), try backend={' or '.join(map(repr, others))}, or {keep}.",
                 ModeCollapseWarning)


@dataclass
class TrainingJob:
    """One model to train: its backend and options, its data, checkpoints and seed.

    Attributes
    ----------
    backend : type of Backend
    options : the backend's Options
    data : TrainingData
        On the CPU; moved to the device when the job runs.
    control : TrainingControl
        Checkpoint file and resume flag of this model.
    seed : int
        Seeds torch's global RNG for the job (initialisation, batches, noise).
    run_seed : int
        The sampler's seed, part of the checkpoint fingerprint.
    """

    backend: type[Backend]
    options: Any
    data: TrainingData
    control: TrainingControl
    seed: int
    run_seed: int


def train_job(job: TrainingJob, device: torch.device, verbose: bool = False,
              threads: int | None = None) -> Backend:
    """Train the model of ``job`` on ``device``; ``threads`` sets torch's threads (worker processes)."""
    with seeded(job.seed, device):
        if threads is not None:  # in a worker process: share the cores with the other workers
            torch.set_num_threads(threads)
        data = job.data
        if verbose:
            logger.info("training %s on %d rows x %d encoded columns (%s)",
                        job.backend.name, len(data.X), data.X.shape[1], device)
        options = dataclasses.asdict(job.options)
        # how models of one call train together, and the layout of activations: not what the model learns
        options.pop("stack_models", None)
        options.pop("memory_format", None)
        job.control.fingerprint = fingerprint(job.backend.name, options, job.run_seed,
                                              data.X, data.y, data.n_classes)
        on_device = dataclasses.replace(data, X=data.X.to(device), y=data.y.to(device))
        backend = job.backend(job.options, device, progress=verbose)
        return backend.fit(on_device, job.control)
