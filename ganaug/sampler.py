"""``GANOverSampler``: balance classes with a GAN backend, imbalanced-learn style.

``fit_resample`` is a template method, as imbalanced-learn's samplers are:
validate ``X`` and ``y`` (:func:`ganaug.data.read_input` decides the data
kind once) -> the sampling strategy as ``{class: rows to add}`` -> encode and
fit one conditional model, or one model per class (:class:`TrainingJob`)
-> draw -> refine (:mod:`ganaug.refinements`) -> merge, originals first.
The fitted state is saved and loaded through :meth:`GANOverSampler.get_state`
and :meth:`GANOverSampler.from_state` (:mod:`ganaug.modelfile`).
"""

from __future__ import annotations

import dataclasses
import inspect
import logging
import math
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import torch
from imblearn.over_sampling.base import BaseOverSampler
from joblib import Parallel, delayed, effective_n_jobs
from sklearn.utils import check_random_state

from ganaug._version import __version__
from ganaug.backend import Backend, TrainingControl, TrainingData
from ganaug.data import InputData, TabularCodec, check_target, codec_from_state, read_input
from ganaug.data.tables import SUFFIXES as TABLE_SUFFIXES
from ganaug.data.tables import write_table_batches
from ganaug.data.validation import check_classes_to_grow, resolve_categorical, restore_target, target_counts
from ganaug.devices import resolve_device, seeded
from ganaug.errors import (
    InputError,
    ModeCollapseWarning,
    ModelFileError,
    NotFittedError,
    OptionsError,
    RegistryError,
    shown,
    warn,
)
from ganaug.fileformat import (
    check_output,
    format_of,
    json_scalar,
    jsonable,
    read_safetensors,
    write_safetensors,
)
from ganaug.limits import check_limit, check_memory
from ganaug.modelfile import (
    FORMAT,
    FORMAT_VERSION,
    check_config,
    check_tensors,
    read_reference,
    reference_tensors,
)
from ganaug.options import build_options
from ganaug.refinements import Reference, get_refinement
from ganaug.registry import get_backend
from ganaug.training.checkpoints import CHECKPOINT_FORMAT, fingerprint

logger = logging.getLogger("ganaug")

COLLAPSE_DRAWS = 256  # samples drawn per class to measure diversity after training
COLLAPSE_SPREAD = 0.1  # below this fraction of the real rows' spread: mode collapse


class GANOverSampler(BaseOverSampler):
    """Oversample minority classes with samples drawn from a trained GAN.

    An imbalanced-learn over-sampler (``fit_resample``; usable in
    ``imblearn.pipeline.Pipeline``) and a scikit-learn estimator (``clone``,
    ``get_params``/``set_params``, ``get_feature_names_out``).

    Parameters
    ----------
    backend : str or Backend subclass, default="wgan-gp"
        Registered backend name (see ``ganaug.list_backends()``) or a class.
    sampling_strategy : float, str, dict or callable, default="auto"
        How many rows each class should have after resampling, in any of
        imbalanced-learn's forms: a float (binary: minority/majority ratio),
        ``"minority"``, ``"not minority"``, ``"not majority"``, ``"all"``,
        ``"auto"``, a ``{class: target_count}`` dict or a callable ``y -> dict``.
    conditioning : {"auto", "conditional", "per-class"}, default="auto"
        ``"conditional"``: one generator conditioned on the class and trained
        on all classes, so tiny classes borrow structure from large ones.
        ``"per-class"``: one generator per class to grow, trained on that
        class alone. ``"auto"`` is conditional when the backend is, else per-class.
    epochs, batch_size : int, optional
        Override the backend's defaults.
    device : str or torch.device, default="auto"
        ``"auto"`` uses CUDA when available, else the CPU.
    random_state : int, RandomState or None
        Same seed, same output on CPU.
    verbose : bool, default=False
        Show progress bars and log what is trained.
    refine : str or None, default="proximity-safe"
        What is done to the generator's samples (``ganaug.refinements`` lists
        them all). ``"interpolate"`` (tables) moves each synthetic row a
        uniform random fraction of the way from its nearest real row of the
        same class (GAN-guided interpolation). ``"proximity-safe"`` (the
        default; tables) draws four samples per row wanted, interpolates
        them, drops those whose five nearest real rows all belong to other
        classes and keeps the rest spread over ProWSyn's proximity levels
        (more beside the other classes); images are left as drawn.
        Tables can also take ``"interpolate-mixed"`` (the nearest row by a
        distance that counts categorical columns too), ``"proximity"``
        (proximity levels without the drop) and ``"interpolate-safe"``
        (the drop without the levels). ``"augment"`` (images) gives each synthetic image a random
        label-preserving transform (shifts, rotations, scales, elastic warps,
        brightness; needs albumentations). ``None`` returns the generator's
        samples untouched (to study a GAN itself).
    checkpoint : str or Path, optional
        Training checkpoint file, written atomically every ``checkpoint_every``
        epochs and when training is interrupted (Ctrl-C); ``fit_resample(X, y,
        resume=True)`` continues from it with the same result as an
        uninterrupted run. Per-class models get one file each
        (``name.class<i>.suffix``). None: no files are written.
    checkpoint_every : int, optional
        Epochs between checkpoints; default about 20 per run.
    n_jobs : int, optional
        With per-class generators on the CPU: how many to train at once, in
        worker processes (joblib), each with ``threads // n_jobs`` torch
        threads; -1 uses every core. None or 1 trains them one after another.
        Each class has its own seed, so the models do not depend on it beyond
        float rounding of torch's thread count (see the README).
    categorical_features : "auto", list of names or positions, or boolean mask, default="auto"
        Which columns of a table are categories, in SMOTE-NC's forms.
        Object, string, category and bool columns always are (they cannot be
        numbers); name a numeric column here (an integer-coded zip code, say)
        to model it as categories too, so that only its seen values come
        back, in its own dtype. ``"auto"`` declares none.
    **backend_options
        Fields of the backend's ``Options`` dataclass (e.g. ``lr_generator=1e-4``).

    Attributes
    ----------
    sampling_strategy_ : dict
        ``{class: number of synthetic rows}`` actually generated.
    sample_is_synthetic_ : ndarray of bool
        For the last ``fit_resample`` output: True for generated rows.
    classes_ : ndarray
        Class labels, in the order of the generator's class indices.
    backends_ : dict
        ``{class: fitted Backend}``; the same object for every class when conditional.
    codec_ : TabularCodec or ImageCodec
        The fitted codec of the training data (``encoder_`` is its old name).
    checkpoint_files_ : list of Path
        The checkpoint files this fit wrote (empty without ``checkpoint``):
        the one file, or one per class for per-class models.

    Examples
    --------
    >>> from ganaug import GANOverSampler
    >>> X_res, y_res = GANOverSampler(random_state=0).fit_resample(X, y)  # doctest: +SKIP
    """

    def __init__(
        self,
        backend: str | type[Backend] = "wgan-gp",
        sampling_strategy: Any = "auto",
        conditioning: Literal["auto", "conditional", "per-class"] = "auto",
        epochs: int | None = None,
        batch_size: int | None = None,
        device: str | torch.device = "auto",
        random_state: Any = None,
        verbose: bool = False,
        refine: str | None = "proximity-safe",
        checkpoint: str | Path | None = None,
        checkpoint_every: int | None = None,
        n_jobs: int | None = None,
        categorical_features: Any = "auto",
        **backend_options: Any,
    ) -> None:
        self.backend = backend
        self.sampling_strategy = sampling_strategy
        self.conditioning = conditioning
        self.epochs = epochs
        self.batch_size = batch_size
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.refine = refine
        self.checkpoint = checkpoint
        self.checkpoint_every = checkpoint_every
        self.n_jobs = n_jobs
        self.categorical_features = categorical_features
        # held apart from the instance's attributes, so that scikit-learn's checks see only parameters
        # set in __init__; `sampler.lr_generator` still reads one (__getattr__)
        self._backend_options = dict(backend_options)

    def __getattr__(self, name: str) -> Any:
        options = self.__dict__.get("_backend_options")  # not self._...: no recursion while unpickling
        if options is not None and name in options:
            return options[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def _backend_option_names(self) -> list[str]:
        return sorted(self._backend_options)

    # ---- scikit-learn parameter protocol (with backend options) ----------
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        params = {name: getattr(self, name) for name in SAMPLER_PARAMS}
        params.update(self._backend_options)
        return params

    def set_params(self, **params: Any) -> GANOverSampler:
        for key, value in params.items():
            if not isinstance(key, str) or key.startswith("_"):
                raise OptionsError(f"invalid parameter {key!r} for GANOverSampler: names starting with _ "
                                   "are private.")
            if key in SAMPLER_PARAMS:
                setattr(self, key, value)
            elif hasattr(type(self), key):  # `generate`, `fit`, `classes_`: never replaced by a value
                raise OptionsError(f"invalid parameter {key!r} for GANOverSampler: it names a method or "
                                   "attribute of the sampler, not a backend option.")
            else:
                self._backend_options[key] = value
        return self

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True  # string and category columns are categorical
        tags.input_tags.categorical = True
        tags.input_tags.sparse = True  # densified when small enough (ganaug.data.validation)
        tags.input_tags.allow_nan = True  # missing values are modelled (ganaug.data.tabular); inf is refused
        return tags

    def _fit_resample(self, X: Any, y: Any) -> tuple[Any, Any]:
        """imbalanced-learn's hook; :meth:`fit_resample` is the whole template here."""
        return self.fit_resample(X, y)

    @property
    def encoder_(self) -> Any:
        """Deprecated name of :attr:`codec_`."""
        warnings.warn("GANOverSampler.encoder_ is now codec_; the old name will be removed in ganaug 0.3.",
                      DeprecationWarning, stacklevel=2)
        return self.codec_

    # ---- the template method ----------------------------------------------------------
    def fit_resample(self, X: Any, y: Any, resume: bool = False) -> tuple[Any, Any]:
        """Train the GAN on ``(X, y)`` and return the data with synthetic samples appended.

        Parameters
        ----------
        X : DataFrame, 2-D array, or image array
            A table (numeric and categorical columns: object, string,
            category, bool), or images ``(n, H, W)`` / ``(n, H, W, C)``, uint8
            or float, for an image backend such as ``"dcgan"``.
        y : array-like of shape (n_samples,)
            Class labels of any type.
        resume : bool, default=False
            Continue training from ``checkpoint`` when that file exists.

        Returns
        -------
        X_resampled : same type as X
            Originals first, then synthetic samples; same columns and dtypes
            (tables) or the same shape, dtype and value range (images).
        y_resampled : same type as y
        """
        self._check_parameters()
        data = read_input(X)  # 1. validate (the kind is decided here, once)
        y_arr = check_target(y, len(data))
        self._fit_input(data, y, y_arr, resume)  # 2-3. targets, then encode and fit
        synthetic, y_new = self.generate(self.sampling_strategy_)  # 4-5. draw, refine
        return self._merge(data, y, y_arr, synthetic, y_new)  # 6. originals first

    def fit(self, X: Any, y: Any, resume: bool = False) -> GANOverSampler:
        """Train the generator(s) without resampling; then :meth:`generate` or :meth:`save`.

        Parameters are those of :meth:`fit_resample`.
        """
        self._check_parameters()
        data = read_input(X)
        return self._fit_input(data, y, check_target(y, len(data)), resume)

    def _fit_input(self, data: InputData, y: Any, y_arr: np.ndarray, resume: bool) -> GANOverSampler:
        refinement = get_refinement(self.refine, data.kind)
        self.classes_, y_idx = np.unique(y_arr, return_inverse=True)
        self.sampling_strategy_ = target_counts(self.sampling_strategy, y_arr)
        grow = [c for c, n in self.sampling_strategy_.items() if n > 0]
        check_classes_to_grow(y_arr, grow)
        # before minutes of training: the draw the strategy asks for must fit the limits (ganaug.limits)
        self._check_draw_size(sum(self.sampling_strategy_.values()), int(np.prod(data.data.shape[1:])),
                              refinement, "sampling_strategy")
        self.data_kind_ = data.kind
        self.target_name_ = getattr(y, "name", None)
        if data.kind == "tabular":
            self.n_features_in_ = data.data.shape[1]
        if data.feature_names is not None:
            self.feature_names_in_ = data.feature_names
        self._train(data, y_idx, grow, resume)
        # the real rows a refinement anchors synthetic rows to (saved with the model); a conditional model
        # draws every class, so a sample of the other classes' rows comes along too
        self._reference_ = Reference.fit(data.data, y_arr, grow, refinement, self._seed_,
                                         self.codec_.categorical_, others=self._conditional_) \
            if refinement is not None and refinement.needs_reference else None
        return self

    def _train(self, data: InputData, y_idx: np.ndarray, grow: list[Any], resume: bool) -> None:
        """Encode the data and train one model per job (one conditional job, or one per class)."""
        backend_cls = self._backend_class(data.kind)
        self._conditional_ = self._resolve_conditioning(backend_cls)
        options = self._options(backend_cls)
        self._seed_ = self._seed()
        device = resolve_device(self.device)
        categorical = resolve_categorical(data, self.categorical_features)
        self.codec_ = data.fit_codec(lambda: backend_cls.make_codec(options, self._seed_), categorical)
        encoded = torch.from_numpy(self.codec_.transform(data.data))
        labels = torch.from_numpy(y_idx.astype(np.int64))
        jobs = self._jobs(backend_cls, options, encoded, labels, grow, resume)
        if jobs:  # weights, gradients and two Adam moments per model, before any is built
            weights = backend_cls.parameter_bytes(options, jobs[0].data)
            check_memory((weights or 0) * 4 * len(jobs), f"{len(jobs)} {backend_cls.name!r} model(s) "
                         "with their gradients and optimiser state")
        workers = 1 if device.type == "cuda" else effective_n_jobs(self.n_jobs or 1)
        if workers == 1 or len(jobs) <= 1:
            models = [train_job(job, device, self.verbose) for job in jobs]
        else:  # processes, not threads: small nets leave torch's intra-op threads idle
            threads = max(1, torch.get_num_threads() // min(workers, len(jobs)))
            models = Parallel(n_jobs=min(workers, len(jobs)))(
                delayed(train_job)(job, device, self.verbose, threads) for job in jobs)
        if self._conditional_:  # one model of every class: it draws any of them
            self.backends_ = dict.fromkeys(self.classes_, models[0]) if models else {}
        else:
            self.backends_ = dict(zip(grow, models))
        self._check_diversity(encoded, labels, grow)

    def _jobs(self, backend_cls: type[Backend], options: Any, encoded: torch.Tensor, labels: torch.Tensor,
              grow: list[Any], resume: bool) -> list[TrainingJob]:
        """One job for the conditional model, or one per class to grow (each with its own seed).

        A pairing backend's per-class model sees its class as index 0 and the source class as index 1.
        """
        self.checkpoint_files_ = []
        if not grow:
            return []
        source = self._source_index(backend_cls, options, labels, grow)
        common = {"backend": backend_cls, "options": options, "run_seed": self._seed_}
        if self._conditional_:
            data = TrainingData(encoded, labels, len(self.classes_), self.codec_.layout_, self.data_kind_,
                                labels=tuple(self.classes_), source=source, rows=torch.arange(len(labels)),
                                n_input_rows=len(labels))
            return [TrainingJob(data=data, control=self._control(None, resume), seed=self._seed_, **common)]
        jobs = []
        for label in grow:
            index = int(np.searchsorted(self.classes_, label))
            rows = (labels == index) | (labels == source) if source is not None else labels == index
            y_pair = (labels[rows] == source).long() if source is not None else labels[rows] * 0
            data = TrainingData(encoded[rows], y_pair, 1 if source is None else 2, self.codec_.layout_,
                                self.data_kind_, labels=(label,) if source is None else
                                (label, self.classes_[source]), source=None if source is None else 1,
                                rows=torch.nonzero(rows).squeeze(1), n_input_rows=len(labels))
            jobs.append(TrainingJob(data=data, control=self._control(index, resume), seed=self._seed_ + index,
                                    **common))
        return jobs

    def _source_index(self, backend_cls: type[Backend], options: Any, labels: torch.Tensor,
                      grow: list[Any]) -> int | None:
        """The class index a pairing backend translates from: ``source_class``, else the largest class."""
        if not backend_cls.pairs_with_source:
            return None
        label = options.source_class
        if label is None:
            index = int(torch.bincount(labels).argmax())
        elif label in list(self.classes_):
            index = list(self.classes_).index(label)
        else:
            raise InputError(f"source_class={shown(label)} is not a class of y; the classes are "
                             f"{', '.join(map(shown, self.classes_))}.")
        if self.classes_[index] in grow:
            raise InputError(
                f"backend {backend_cls.name!r} grows classes from the source class "
                f"{self.classes_[index]!r}, which the sampling strategy also asks to grow. Pick another "
                "source_class=..., or a sampling_strategy that leaves the source class as it is.")
        return index

    def _check_diversity(self, encoded: torch.Tensor, labels: torch.Tensor, grow: list[Any]) -> None:
        """Warn, naming the class, when a generator's samples are nearly identical (mode collapse)."""
        encoded = encoded.reshape(len(encoded), -1)  # images: one row of pixels each
        if encoded.shape[1] == 0:  # every column constant: nothing to vary
            return
        for label in grow:
            model = self.backends_[label]
            index = int(np.searchsorted(self.classes_, label))
            real = encoded[labels == index]
            if len(real) < 2 or float(real.std(0).mean()) == 0:
                continue
            drawn = model.sample(COLLAPSE_DRAWS, index if self._conditional_ else 0,
                                 torch.Generator().manual_seed(self._seed_ + 1)).reshape(COLLAPSE_DRAWS, -1)
            spread = float(drawn.std(0).mean()) / float(real.std(0).mean())
            if spread < COLLAPSE_SPREAD:
                others = [b for b in ("wgan-gp", "ctgan") if b != model.name]
                keep = "keep a refinement (refine='proximity-safe', the default)" \
                    if self.data_kind_ == "tabular" else "add refine='augment'"
                warn(f"class {shown(label)}: the synthetic samples are nearly identical (their spread is "
                     f"{spread:.0%} of the real rows'): the generator collapsed to a few modes. Train "
                     f"longer (epochs=...), try backend={' or '.join(map(repr, others))}, or {keep}.",
                     ModeCollapseWarning)

    def _merge(self, data: InputData, y: Any, y_arr: np.ndarray, synthetic: Any,
               y_new: np.ndarray) -> tuple[Any, Any]:
        """Originals first, then the synthetic samples, in the caller's types."""
        self.sample_is_synthetic_ = np.r_[np.zeros(len(data), bool), np.ones(len(y_new), bool)]
        return data.append(synthetic), restore_target(y, y_arr, y_new)

    # ---- drawing -------------------------------------------------------------------------
    def generate(self, class_counts: dict[Any, int], random_state: int | None = None,
                 descriptions: dict[Any, Any] | None = None) -> tuple[Any, np.ndarray]:
        """Draw synthetic rows (or images) from the fitted sampler.

        Parameters
        ----------
        class_counts : dict
            ``{class label: number of rows}``.
        random_state : int, optional
            Seed of this draw; default: the fit's seed (so ``fit_resample``'s
            synthetic rows are ``generate(sampling_strategy_)``).
        descriptions : dict, optional
            Text-conditioned backends (``"text-gan"``) only: ``{class label:
            description}``, a new text (or a list of texts, used in turn, or
            an embedding vector) to draw that class' samples from, e.g.
            ``{7: "a thin seven"}``. Classes not named draw from their
            training texts.

        Returns
        -------
        X_synthetic : DataFrame or ndarray
            Decoded rows, columns and dtypes as in the training data (or images).
        y_synthetic : ndarray
        """
        seed = self._draw_seed(random_state)
        counts = self._checked_counts(class_counts)
        self._check_draw_size(sum(counts.values()), self.codec_.n_features_,
                              get_refinement(self.refine, self.data_kind_), "generate(class_counts)")
        return self._draw(counts, torch.Generator().manual_seed(seed), seed, descriptions or {})

    def generate_batches(self, class_counts: dict[Any, int], batch_size: int = 100_000,
                         random_state: int | None = None,
                         descriptions: dict[Any, Any] | None = None) -> Iterator[tuple[Any, np.ndarray]]:
        """Yield synthetic rows in batches, so that millions of them need little memory.

        Parameters
        ----------
        class_counts : dict
            ``{class label: number of rows}``.
        batch_size : int, default=100_000
            Most rows per batch; a batch holds one class.
        random_state : int, optional
            Seed; default: the fit's seed. The same seed and ``batch_size``
            give the same batches.
        descriptions : dict, optional
            As in :meth:`generate` (text-conditioned backends); a list of
            texts is used in turn within each batch.

        Yields
        ------
        (X_batch, y_batch)
            Like :meth:`generate`'s result, ``len(y_batch) <= batch_size``.
            When no rows are asked for, one empty batch (it still has the columns).
        """
        if batch_size < 1:
            raise InputError(f"batch_size={batch_size!r}: give a whole number of rows >= 1 per batch.")
        seed = self._draw_seed(random_state)
        class_counts = self._checked_counts(class_counts)
        check_limit("max_streamed_rows", sum(class_counts.values()), "class_counts (rows to stream)")
        self._check_draw_size(min(batch_size, sum(class_counts.values())), self.codec_.n_features_,
                              get_refinement(self.refine, self.data_kind_), "batch_size")
        generator = torch.Generator().manual_seed(seed)
        batch = 0
        for label, n in class_counts.items():
            for start in range(0, int(n), batch_size):
                yield self._draw({label: min(batch_size, int(n) - start)}, generator, seed + batch,
                                 descriptions)
                batch += 1
        if batch == 0:
            yield self._draw({}, generator, seed)

    def labelled_batches(self, class_counts: dict[Any, int], batch_size: int = 100_000,
                         random_state: int | None = None, descriptions: dict[Any, Any] | None = None,
                         label_column: str | None = None) -> Iterator[pd.DataFrame]:
        """:meth:`generate_batches` as tables with the label column appended.

        ``label_column`` names it; default: the label's name in ``fit``, else
        ``"label"``. A feature column of that name is never overwritten: an
        :class:`~ganaug.errors.InputError` asks for another name.
        """
        target = self.label_column_name(label_column)
        for X, y in self.generate_batches(class_counts, batch_size, random_state, descriptions):
            yield X.assign(**{target: y})

    def label_column_name(self, label_column: str | None = None) -> str:
        """The name of the label column in written tables; refused when a feature column has it."""
        if label_column is not None and (not isinstance(label_column, str) or not label_column):
            raise InputError(f"label_column={label_column!r}: give a column name (a non-empty string).")
        target = label_column or str(getattr(self, "target_name_", None) or "label")
        columns = getattr(getattr(self, "codec_", None), "columns_", ())
        features = {str(col.name) for col in columns} | set(map(str, getattr(self, "feature_names_in_", ())))
        if target in features:
            raise InputError(f"the table has a feature column named {target!r}, the name the class labels "
                             "would be written under, so they would overwrite it; give the label column "
                             "another name: label_column='class' (ganaug sample --label-column class).")
        return target

    def generate_to(self, path: str | Path, class_counts: dict[Any, int], batch_size: int = 100_000,
                    random_state: int | None = None, replace: bool = False,
                    label_column: str | None = None) -> Path:
        """Stream synthetic rows, with their label column, to a new CSV or Parquet file.

        Peak memory is set by ``batch_size``, not by the number of rows. The
        file is written under a temporary name and renamed when complete; an
        existing file is refused, or with ``replace=True`` replaced once the
        new one is complete. ``label_column`` names the label column
        (default: as in ``fit``, else ``"label"``).

        Returns
        -------
        Path
            The file written.
        """
        if getattr(self, "data_kind_", "tabular") == "image":
            raise InputError("generate_to writes tables; for images use generate_batches, or "
                             "`ganaug resample-images` for a folder of image files.")
        total = sum(self._checked_counts(class_counts).values())
        if total < 1:
            raise InputError("class_counts asks for no rows; give at least one class a count > 0.")
        check_limit("max_streamed_rows", total, "class_counts (rows to stream)")  # before the file is opened
        self.label_column_name(label_column)
        output = check_output(path, [], replace, TABLE_SUFFIXES, force_hint="give replace=True")
        write_table_batches(self.labelled_batches(class_counts, batch_size, random_state,
                                                  label_column=label_column), output, replace=replace)
        return output

    def _draw_seed(self, random_state: int | None) -> int:
        if not hasattr(self, "codec_"):
            raise NotFittedError("this GANOverSampler is not fitted yet: call fit_resample first.")
        return self._seed_ if random_state is None else _checked_seed(random_state, "random_state")

    @staticmethod
    def _check_draw_size(rows: int, width: int, refinement: Any, what: str) -> None:
        """Refuse a draw held in memory at once that is over ``max_synthetic_rows`` or ``max_memory_gib``."""
        check_limit("max_synthetic_rows", rows, f"{what} (synthetic rows in memory at once)")
        candidates = refinement.candidates if refinement is not None else 1
        # float32 encoded candidates, then about twice that decoded (float64 columns, object levels)
        check_memory(rows * candidates * max(width, 1) * 12, f"{what} ({rows:,} rows of {width} values)")

    def _checked_counts(self, class_counts: Any) -> dict[Any, int]:
        """``{class: n}`` with every count a whole number >= 0 and every class one the model draws."""
        if not isinstance(class_counts, Mapping):
            raise InputError(f"class_counts must be a {{class: number of rows}} dict, got "
                             f"{type(class_counts).__name__}.")
        counts = {}
        for label, n in class_counts.items():
            if not _is_whole(n) or n < 0:
                raise InputError(f"class_counts[{shown(label)}] = {n!r}: counts are whole numbers of rows, "
                                 "0 or more.")
            if n and label not in self.backends_:
                raise InputError(f"class {shown(label)} has no trained generator; it can draw: "
                                 f"{', '.join(map(shown, self.backends_))}.")
            counts[label] = int(n)
        return counts

    def _draw(self, class_counts: dict[Any, int], generator: torch.Generator,
              seed: int, descriptions: dict[Any, Any] | None = None) -> tuple[Any, np.ndarray]:
        """Draw each class' samples from its model, decode them, then refine."""
        blocks, drawn_labels, labels = [], [], []
        self._check_descriptions(descriptions or {})
        refinement = get_refinement(self.refine, self.data_kind_)
        if refinement is not None and refinement.needs_reference and self._reference_ is None:
            refinement = None  # a model saved without real rows: samples as drawn
        draws = refinement.candidates if refinement is not None else 1  # a refinement may choose among some
        for label, n in class_counts.items():
            if n <= 0:
                continue
            index = int(np.searchsorted(self.classes_, label)) if self._conditional_ else 0
            model = self.backends_[label]
            if descriptions and label in descriptions:
                drawn = model.sample_described(int(n) * draws, index, descriptions[label], generator)
            else:
                drawn = model.sample(int(n) * draws, index, generator)
            blocks.append(drawn.numpy())
            drawn_labels.append(np.full(int(n) * draws, label, dtype=self.classes_.dtype))
            labels.append(np.full(int(n), label, dtype=self.classes_.dtype))
        width = self.codec_.n_features_
        encoded = np.concatenate(blocks) if blocks else np.zeros((0, width), np.float32)
        y_new = np.concatenate(labels) if labels else np.zeros(0, self.classes_.dtype)
        # one-hot groups are drawn from the generator's probabilities, seeded by this draw
        slots = np.random.default_rng(int(torch.randint(2**62, (1,), generator=generator)))
        synthetic = self.codec_.inverse_transform(encoded, random_state=slots)
        if refinement is not None:  # the refined samples come class by class, as drawn
            y_drawn = np.concatenate(drawn_labels) if drawn_labels else y_new
            synthetic = refinement.apply(synthetic, y_drawn, self._reference_, seed)
        return synthetic, y_new

    def _check_descriptions(self, descriptions: dict[Any, Any]) -> None:
        if not descriptions:
            return
        model = next(iter(self.backends_.values()), None)
        if model is None or not model.text_conditioned:
            name = getattr(model, "name", self.backend)
            raise InputError(f"descriptions=... needs a text-conditioned backend; {name!r} is not. "
                             "Train with backend='text-gan' and texts=...")
        unknown = [label for label in descriptions if label not in self.backends_]
        if unknown:
            raise InputError(f"descriptions name classes without a trained generator: "
                             f"{', '.join(map(shown, unknown))}; trained classes: "
                             f"{', '.join(map(shown, self.backends_))}.")

    # ---- state: save and load ------------------------------------------------------------
    def get_state(self) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
        """The fitted sampler as ``(JSON-able configuration, tensors)``; :meth:`from_state` inverts it."""
        if not hasattr(self, "backends_"):
            raise NotFittedError("this GANOverSampler is not fitted yet: call fit_resample before save.")
        models = list({id(m): m for m in self.backends_.values()}.values())
        tensors: dict[str, torch.Tensor] = {}
        for index, model in enumerate(models):
            tensors.update({f"backend{index}.{key}": value for key, value in model.state_dict().items()})
        if self._reference_ is not None:
            tensors.update(reference_tensors(self._reference_, self.classes_, self.codec_.columns_))
        config = {
            "format": FORMAT, "format_version": FORMAT_VERSION, "ganaug_version": __version__,
            "backend": models[0].name if models else self._backend_name(),
            "params": self._saved_params(),
            "classes": [json_scalar(c) for c in self.classes_],
            "classes_dtype": self.classes_.dtype.str,
            "sampling_strategy": [[json_scalar(k), int(v)] for k, v in self.sampling_strategy_.items()],
            "conditional": bool(self._conditional_), "seed": int(self._seed_),
            "encoder": self.codec_.get_state(),
            "models": [{"options": jsonable(dataclasses.asdict(m.options)),
                        "n_classes": len(self.classes_) if self._conditional_ else 1,
                        "sample_shape": list(getattr(m, "sample_shape_", (self.codec_.n_features_,)))}
                       for m in models],
            "model_of_class": [[json_scalar(label), models.index(m)] for label, m in self.backends_.items()],
            "target_name": json_scalar(getattr(self, "target_name_", None)),
            "feature_names_in": None if not hasattr(self, "feature_names_in_")
            else [json_scalar(c) for c in self.feature_names_in_],
        }
        return config, tensors

    @classmethod
    def from_state(cls, config: dict[str, Any], tensors: dict[str, torch.Tensor],
                   device: str | torch.device = "auto",
                   backend: type[Backend] | None = None) -> GANOverSampler:
        """A fitted sampler from :meth:`get_state`'s output (or a model file's), its models on ``device``.

        Raises :class:`~ganaug.errors.ModelFileError` when the configuration
        or the tensors do not fit together.
        """
        config = check_config(config)
        check_tensors(tensors)
        resolve_device(device)  # a device this machine lacks is the caller's error, not a damaged file
        try:
            return cls._from_checked_state(config, tensors, device, backend)
        except ModelFileError:
            raise
        except (KeyError, TypeError, ValueError, IndexError, AttributeError, RecursionError, OverflowError,
                RuntimeError, NotImplementedError) as err:  # what the schema let through but does not fit
            raise ModelFileError(f"the model file is damaged or was changed by hand: {type(err).__name__}: "
                                 f"{err}") from None

    @classmethod
    def _from_checked_state(cls, config: dict[str, Any], tensors: dict[str, torch.Tensor],
                            device: str | torch.device, backend: type[Backend] | None) -> GANOverSampler:
        backend_cls = backend or _registered(config["backend"])
        params = config["params"]
        if backend is None and params.get("backend", config["backend"]) != config["backend"]:
            raise ModelFileError(f"the model names backend {config['backend']!r} but its parameters "
                                 f"{params.get('backend')!r}.")
        options = {f.name for f in dataclasses.fields(backend_cls.Options)}
        unknown = sorted(k for k in params if k not in SAMPLER_PARAMS and k not in options)
        if unknown:  # setting them would shadow the sampler's methods or attributes (`generate`, `fit`)
            raise ModelFileError(f"the model's parameters name {unknown[:5]}, which are neither "
                                 f"GANOverSampler parameters nor options of backend {backend_cls.name!r}.")
        # a path or a device from the file says nothing about this machine: a loaded sampler writes no
        # checkpoint until its user asks for one (clone(loaded).fit() must not write where the file chose)
        params = {**params, "checkpoint": None, "device": "auto"}
        known = {k: v for k, v in params.items() if k in SAMPLER_PARAMS}
        sampler = cls(**known, **{k: v for k, v in params.items() if k not in SAMPLER_PARAMS})
        try:
            sampler._check_parameters()
            build_options(backend_cls.Options, {k: params[k] for k in sampler._backend_option_names},
                          backend_cls.name)
        except OptionsError as err:
            raise ModelFileError(f"the model's parameters are invalid: {err}") from None
        sampler.device = device
        sampler.classes_ = np.asarray(config["classes"], dtype=np.dtype(config["classes_dtype"]))
        sampler.sampling_strategy_ = {sampler._label(k): v for k, v in config["sampling_strategy"]}
        sampler._conditional_, sampler._seed_ = config["conditional"], config["seed"]
        sampler.codec_ = codec_from_state(config["encoder"])
        sampler.data_kind_ = sampler.codec_.kind
        if isinstance(sampler.codec_, TabularCodec):
            sampler.n_features_in_ = len(sampler.codec_.columns_)
        try:
            get_refinement(sampler.refine, sampler.data_kind_)
        except (InputError, OptionsError) as err:
            raise ModelFileError(f"the model's refine parameter does not fit its data: {err}") from None
        sampler.target_name_ = config.get("target_name")
        if config.get("feature_names_in") is not None:
            sampler.feature_names_in_ = np.asarray(config["feature_names_in"], dtype=object)
        if backend is not None:
            sampler.backend = backend
        layout = [dataclasses.asdict(span) for span in sampler.codec_.layout_]
        version = config.get("format_version", 1)
        models = []
        for index, spec in enumerate(config["models"]):
            if spec["sample_shape"] and math.prod(spec["sample_shape"]) != sampler.codec_.n_features_:
                raise ModelFileError(f"models[{index}] draws samples of shape {spec['sample_shape']}, but "
                                     f"its codec decodes {sampler.codec_.n_features_} values a sample.")
            prefix = f"backend{index}."
            state = {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}
            description = {**spec, "layout": layout,
                           "sample_shape": spec["sample_shape"] or [sampler.codec_.n_features_]}
            models.append(backend_cls.from_state(description, state, resolve_device(device), version))
        sampler.backends_ = {sampler._label(label): models[i] for label, i in config["model_of_class"]}
        if sampler._conditional_ and len(models) == 1:  # files before 0.2 listed the grown classes only
            sampler.backends_ = dict.fromkeys(sampler.classes_, models[0])
        columns = getattr(sampler.codec_, "columns_", [])
        sampler._reference_ = read_reference(tensors, sampler.classes_, columns)
        if sampler._reference_ is not None:  # the codec knows which columns are categorical
            sampler._reference_.categorical = tuple(getattr(sampler.codec_, "categorical_", ()))
        return sampler

    def save(self, path: str | Path, replace: bool = True) -> Path:
        """Save the fitted sampler to one ``.safetensors`` file (weights + JSON configuration).

        The write is atomic. With a table refinement (the default) the file
        also holds the real rows of the classes it grows, which refinement
        anchors to, and a sample of the other classes' rows.
        Loading never unpickles (see :meth:`load`). ``replace=False`` refuses
        to replace a file that exists when the write completes.
        """
        config, tensors = self.get_state()
        return write_safetensors(path, tensors, config, replace=replace)

    @classmethod
    def load(cls, path: str | Path, device: str | torch.device = "auto",
             backend: type[Backend] | None = None) -> GANOverSampler:
        """Load a sampler saved by :meth:`save`, onto ``device``; ready for :meth:`generate`.

        ``backend``: the Backend class, when the model was trained with a class
        that is not registered; by default the saved backend name is looked up.
        Raises ``ganaug.errors.ModelFileError`` for a missing, foreign,
        damaged or newer-format file.
        """
        config, tensors = read_safetensors(path, FORMAT, FORMAT_VERSION)
        return cls.from_state(config, tensors, device, backend)

    def _saved_params(self) -> dict[str, Any]:
        """The parameters to save: JSON-able, machine-specific ones reset, fitted counts kept elsewhere."""
        params = self.get_params()
        params["backend"] = self._backend_name()
        params["device"] = "auto"  # where it was trained says nothing about where it will be used
        params["checkpoint"] = None  # a path on the training machine
        if not isinstance(params["random_state"], int | type(None)):
            params["random_state"] = int(self._seed_)
        strategy = params["sampling_strategy"]
        if callable(strategy) or isinstance(strategy, dict):  # the fitted counts are saved instead
            params["sampling_strategy"] = "auto"
        return jsonable(params)

    def _label(self, value: Any) -> Any:
        return np.asarray([value], dtype=self.classes_.dtype)[0]

    # ---- parameters -----------------------------------------------------------------------
    def check_params(self, data_kind: str = "tabular") -> GANOverSampler:
        """Check the parameters and backend options as ``fit`` would, without data; returns ``self``.

        Raises :class:`~ganaug.errors.OptionsError` (or ``RegistryError``,
        ``InputError``) naming the parameter: a command line or a recipe calls
        it before reading data, so a typo costs no training time.
        """
        self._check_parameters()
        backend_cls = self._backend_class(data_kind)
        self._resolve_conditioning(backend_cls)
        self._options(backend_cls)
        get_refinement(self.refine, data_kind)
        return self

    def _backend_name(self) -> str:
        return self.backend if isinstance(self.backend, str) else self.backend.name

    def _backend_class(self, kind: str = "tabular") -> type[Backend]:
        if isinstance(self.backend, type) and issubclass(self.backend, Backend):
            cls = self.backend
        elif isinstance(self.backend, str):
            cls = get_backend(self.backend)
        else:
            raise OptionsError(f"backend must be a name or a Backend subclass, got {self.backend!r}")
        if kind not in cls.data_kinds:
            hint = "a tabular backend such as 'wgan-gp' or 'ctgan'" if kind == "tabular" else \
                "an image backend such as 'dcgan'"
            raise InputError(
                f"backend {cls.name!r} works on {', '.join(cls.data_kinds)} data, not {kind} data; "
                f"pick {hint} (`ganaug backends` lists them and their data kinds)."
            )
        return cls

    def _resolve_conditioning(self, cls: type[Backend]) -> bool:
        if self.conditioning not in ("auto", "conditional", "per-class"):
            raise OptionsError(
                f"conditioning={self.conditioning!r}: use 'auto', 'conditional' or 'per-class'."
            )
        if self.conditioning == "conditional" and not cls.conditional:
            raise OptionsError(
                f"backend {cls.name!r} is unconditional, so it trains one generator per class: "
                "use conditioning='per-class' (or 'auto'), or a conditional backend such as "
                "'cgan', 'wgan-gp' or 'ctgan'."
            )
        return cls.conditional and self.conditioning != "per-class"

    def _options(self, cls: type[Backend]) -> Any:
        values = {k: getattr(self, k) for k in self._backend_option_names}
        for key in ("epochs", "batch_size"):
            value = getattr(self, key)
            if value is not None:
                values[key] = value
        return build_options(cls.Options, values, cls.name)

    def _check_parameters(self) -> None:
        """The sampler's own parameters (a backend's are checked by its Options); errors name them."""
        for name in ("epochs", "batch_size", "checkpoint_every"):
            value = getattr(self, name)
            if value is not None and (not _is_whole(value) or value < 1):
                raise OptionsError(f"{name}={value!r}: give a whole number >= 1, or None for the default.")
        if self.n_jobs is not None and (not _is_whole(self.n_jobs) or self.n_jobs == 0):
            raise OptionsError(f"n_jobs={self.n_jobs!r}: give None or 1 (one process), a number of "
                               "processes, or -1 for every core.")
        if isinstance(self.random_state, int | np.integer) and not isinstance(self.random_state, bool):
            _checked_seed(self.random_state, "random_state")
        elif self.random_state is not None and not isinstance(self.random_state, np.random.RandomState):
            raise OptionsError(f"random_state={self.random_state!r}: give an int in [0, 2**32 - 1], a "
                               "numpy RandomState, or None.")
        if self.checkpoint is not None and Path(self.checkpoint).is_dir():
            example = str(Path(self.checkpoint) / "run.ckpt.safetensors")
            raise OptionsError(f"checkpoint={str(self.checkpoint)!r} is a folder; give a file name in it, "
                               f"e.g. {example!r}.")
        if not isinstance(self.verbose, bool | int | np.integer | np.bool_):
            raise OptionsError(f"verbose={self.verbose!r}: give True or False.")
        if self.conditioning not in ("auto", "conditional", "per-class"):
            raise OptionsError(f"conditioning={self.conditioning!r}: use 'auto', 'conditional' or "
                               "'per-class'.")
        if not isinstance(self.backend, str) and not (isinstance(self.backend, type)
                                                      and issubclass(self.backend, Backend)):
            raise OptionsError(f"backend={self.backend!r}: give a registered name (ganaug.list_backends()) "
                               "or a Backend subclass.")

    def _control(self, class_index: int | None, resume: bool) -> TrainingControl:
        if resume and self.checkpoint is None:
            raise OptionsError("resume=True needs the checkpoint file: GANOverSampler(checkpoint=PATH).")
        path = None if self.checkpoint is None else Path(self.checkpoint)
        if path is not None and class_index is not None:
            path = path.with_name(f"{path.stem}.class{class_index}{path.suffix}")
        if path is not None:
            # never overwrite a file of the user's (resuming reads it, and says if it is no checkpoint)
            if not resume and path.exists() and format_of(path) != CHECKPOINT_FORMAT:
                raise OptionsError(f"checkpoint file {str(path)!r} exists and is not a ganaug checkpoint, so "
                                   "training would overwrite it; give checkpoint=... a new path.")
            self.checkpoint_files_.append(path)
        return TrainingControl(path, self.checkpoint_every, resume)

    def _seed(self) -> int:
        if isinstance(self.random_state, (int, np.integer)) and not isinstance(self.random_state, bool):
            return int(self.random_state)
        return int(check_random_state(self.random_state).randint(2**31 - 1))


def _is_whole(value: Any) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _checked_seed(value: Any, name: str) -> int:
    """An int seed in numpy's range [0, 2**32 - 1], or an OptionsError naming ``name``."""
    if not _is_whole(value) or not 0 <= value < 2**32:
        raise OptionsError(f"{name}={value!r}: give an int in [0, 2**32 - 1] (or None for a random seed).")
    return int(value)


# the sampler's own parameters, read off its signature (everything else is a backend option)
SAMPLER_PARAMS = tuple(name for name, p in inspect.signature(GANOverSampler.__init__).parameters.items()
                       if name != "self" and p.kind is not p.VAR_KEYWORD)


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
        job.control.fingerprint = fingerprint(job.backend.name, dataclasses.asdict(job.options), job.run_seed,
                                              data.X, data.y, data.n_classes)
        on_device = dataclasses.replace(data, X=data.X.to(device), y=data.y.to(device))
        backend = job.backend(job.options, device, progress=verbose)
        backend.control = job.control
        return backend.fit(on_device)


def _registered(name: str) -> type[Backend]:
    try:
        return get_backend(name)
    except RegistryError as err:
        raise ModelFileError(f"the model needs backend {name!r}, not installed here: {err}") from None
