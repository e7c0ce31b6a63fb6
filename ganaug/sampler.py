"""``GANOverSampler``: balance classes with a GAN backend, imbalanced-learn style."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import torch
from imblearn.utils import check_sampling_strategy
from joblib import Parallel, delayed, effective_n_jobs
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state

from ganaug.augmentation import augment_images
from ganaug.backend import Backend, TrainingData
from ganaug.checkpoint import TrainingControl, fingerprint
from ganaug.images import ImageEncoder
from ganaug.options import build_options
from ganaug.plugins import get_backend
from ganaug.refine import REFINEMENTS, interpolate_towards_real
from ganaug.training import resolve_device, seeded
from ganaug.validation import InputError, check_classes_to_grow, check_target, read_X, restore_target

logger = logging.getLogger("ganaug")

COLLAPSE_DRAWS = 256  # samples drawn per class to measure diversity after training
COLLAPSE_SPREAD = 0.1  # below this fraction of the real rows' spread: mode collapse


class ModeCollapseWarning(UserWarning):
    """A class's synthetic samples are nearly identical."""


_PARAMS = ("backend", "sampling_strategy", "conditioning", "epochs", "batch_size",
           "device", "random_state", "verbose", "refine", "checkpoint", "checkpoint_every", "n_jobs")


class GANOverSampler(BaseEstimator):
    """Oversample minority classes with samples drawn from a trained GAN.

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
    refine : {"interpolate", "augment", None}, default="interpolate"
        ``"interpolate"`` (tables) moves each synthetic row a uniform random
        fraction of the way from its nearest real row of the same class
        (GAN-guided interpolation; see ``ganaug.refine``), which measurably
        helps downstream classifiers on small minorities; images are left as
        drawn. ``"augment"`` (images) gives each synthetic image a random
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
        The result does not depend on it: each class has its own seed.
    **backend_options
        Fields of the backend's ``Options`` dataclass (e.g. ``lr=1e-4``).

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
    encoder_ : TabularEncoder
        The fitted encoder.

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
        refine: str | None = "interpolate",
        checkpoint: str | Path | None = None,
        checkpoint_every: int | None = None,
        n_jobs: int | None = None,
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
        self._backend_option_names = sorted(backend_options)
        for key, value in backend_options.items():
            setattr(self, key, value)

    # ---- scikit-learn parameter protocol (with backend options) ----------
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        params = {name: getattr(self, name) for name in _PARAMS}
        params.update({name: getattr(self, name) for name in self._backend_option_names})
        return params

    def set_params(self, **params: Any) -> GANOverSampler:
        for key, value in params.items():
            if key.startswith("_"):
                raise ValueError(f"invalid parameter {key!r} for GANOverSampler")
            if key not in _PARAMS and key not in self._backend_option_names:
                self._backend_option_names = sorted([*self._backend_option_names, key])
            setattr(self, key, value)
        return self

    # ---- public API ------------------------------------------------------
    def fit(self, X: Any, y: Any, resume: bool = False) -> GANOverSampler:
        """Train the generator(s) without resampling; then :meth:`generate` or :meth:`save`.

        Parameters are those of :meth:`fit_resample`.
        """
        kind, data, _ = read_X(X)
        return self._fit_checked(kind, data, X, y, check_target(y, len(data)), resume)

    def _fit_checked(self, kind: str, data: Any, X: Any, y: Any, y_arr: np.ndarray,
                     resume: bool) -> GANOverSampler:
        """``fit`` on input already read by ``read_X`` and ``check_target``."""
        if self.refine not in REFINEMENTS:
            raise ValueError(f"refine={self.refine!r}: use None, 'interpolate' (tables) "
                             "or 'augment' (images).")
        if self.refine == "augment" and kind != "image":
            raise InputError("refine='augment' transforms synthetic images; for tables use "
                             "refine='interpolate' or refine=None.")
        self.classes_, y_idx = np.unique(y_arr, return_inverse=True)
        self.sampling_strategy_ = self._targets(y_arr)
        to_grow = [c for c, n in self.sampling_strategy_.items() if n > 0]
        check_classes_to_grow(y_arr, to_grow)
        self.data_kind_ = kind
        self.target_name_ = getattr(y, "name", None)
        if kind == "tabular":
            self.n_features_in_ = data.shape[1]
        if isinstance(X, pd.DataFrame):
            self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self._fit(data, y_idx, to_grow, resume)
        grown = np.isin(y_arr, to_grow)
        # the real rows that refine="interpolate" anchors synthetic rows to (saved with the model)
        self._reference_ = (data[grown].reset_index(drop=True), y_arr[grown]) \
            if self.refine == "interpolate" and kind == "tabular" else None
        return self

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
        kind, data, restore_X = read_X(X)
        y_arr = check_target(y, len(data))
        self._fit_checked(kind, data, X, y, y_arr, resume)
        synthetic, y_new = self.generate(self.sampling_strategy_)
        self.sample_is_synthetic_ = np.r_[np.zeros(len(data), bool), np.ones(len(y_new), bool)]
        if kind == "image":
            return np.concatenate([data, synthetic]), restore_target(y, y_arr, y_new)
        merged = pd.concat([data.reset_index(drop=True), synthetic], ignore_index=True)
        return restore_X(merged), restore_target(y, y_arr, y_new)

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
        X_synthetic : DataFrame
            Decoded rows, columns and dtypes as in the training data.
        y_synthetic : ndarray
        """
        seed = self._draw_seed(random_state)
        return self._draw(class_counts, torch.Generator().manual_seed(seed), seed, descriptions or {})

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
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        seed = self._draw_seed(random_state)
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
                         random_state: int | None = None,
                         descriptions: dict[Any, Any] | None = None) -> Iterator[pd.DataFrame]:
        """:meth:`generate_batches` as tables with the label column appended (named as in ``fit``)."""
        target = str(self.target_name_ or "label")
        for X, y in self.generate_batches(class_counts, batch_size, random_state, descriptions):
            yield X.assign(**{target: y})

    def generate_to(self, path: str | Path, class_counts: dict[Any, int], batch_size: int = 100_000,
                    random_state: int | None = None) -> Path:
        """Stream synthetic rows, with their label column, to a new CSV or Parquet file.

        Peak memory is set by ``batch_size``, not by the number of rows. The
        file is written under a temporary name and renamed when complete; an
        existing file is never overwritten.

        Returns
        -------
        Path
            The file written.
        """
        from ganaug.io import check_output, write_table_batches

        if getattr(self, "data_kind_", "tabular") == "image":
            raise InputError("generate_to writes tables; for images use generate_batches, or "
                             "`ganaug resample-images` for a folder of image files.")
        if sum(int(n) for n in class_counts.values()) < 1:
            raise ValueError("class_counts asks for no rows; give at least one class a count > 0.")
        output = check_output(path, [], force=False)
        write_table_batches(self.labelled_batches(class_counts, batch_size, random_state), output)
        return output

    def _draw_seed(self, random_state: int | None) -> int:
        if not hasattr(self, "encoder_"):
            raise RuntimeError("this GANOverSampler is not fitted yet: call fit_resample first.")
        return self._seed_ if random_state is None else int(random_state)

    def _draw(self, class_counts: dict[Any, int], generator: torch.Generator,
              seed: int, descriptions: dict[Any, Any] | None = None) -> tuple[Any, np.ndarray]:
        blocks, labels = [], []
        self._check_descriptions(descriptions or {})
        for label, n in class_counts.items():
            if n <= 0:
                continue
            if label not in self.backends_:
                raise ValueError(f"class {label!r} has no trained generator; "
                                 f"trained classes: {list(self.backends_)}.")
            index = int(np.searchsorted(self.classes_, label)) if self._conditional_ else 0
            model = self.backends_[label]
            if descriptions and label in descriptions:
                drawn = model.sample_described(int(n), index, descriptions[label], generator)
            else:
                drawn = model.sample(int(n), index, generator)
            blocks.append(drawn.numpy())
            labels.append(np.full(int(n), label, dtype=self.classes_.dtype))
        width = self.encoder_.n_features_
        encoded = np.concatenate(blocks) if blocks else np.zeros((0, width), np.float32)
        y_new = np.concatenate(labels) if labels else np.zeros(0, self.classes_.dtype)
        synthetic = self.encoder_.inverse_transform(encoded)
        if self.refine == "interpolate" and getattr(self, "_reference_", None) is not None:
            synthetic = self._interpolate(synthetic, y_new, *self._reference_, seed)
        if self.refine == "augment" and self.data_kind_ == "image":
            synthetic = augment_images(synthetic, random_state=seed)
        return synthetic, y_new

    def _check_descriptions(self, descriptions: dict[Any, Any]) -> None:
        if not descriptions:
            return
        model = next(iter(self.backends_.values()), None)
        if model is None or not model.text_conditioned:
            name = getattr(model, "name", self.backend)
            raise ValueError(f"descriptions=... needs a text-conditioned backend; {name!r} is not. "
                             "Train with backend='text-gan' and texts=...")
        unknown = [label for label in descriptions if label not in self.backends_]
        if unknown:
            raise ValueError(f"descriptions name classes without a trained generator: {unknown}; "
                             f"trained classes: {list(self.backends_)}.")

    def save(self, path: str | Path) -> Path:
        """Save the fitted sampler to one ``.safetensors`` file (weights + JSON configuration).

        The write is atomic. With ``refine="interpolate"`` the file also holds
        the real rows of the classes it grows, which refinement anchors to.
        Loading never unpickles (see :meth:`load`).
        """
        from ganaug.persist import save_sampler

        return save_sampler(self, path)

    @classmethod
    def load(cls, path: str | Path, device: str | torch.device = "auto",
             backend: type[Backend] | None = None) -> GANOverSampler:
        """Load a sampler saved by :meth:`save`, onto ``device``; ready for :meth:`generate`.

        ``backend``: the Backend class, when the model was trained with a class
        that is not registered; by default the saved backend name is looked up.
        Raises ``ganaug.persist.ModelFileError`` for a missing, foreign,
        damaged or newer-format file.
        """
        from ganaug.persist import load_sampler

        return load_sampler(path, device, backend)

    # ---- steps -------------------------------------------------------------
    def _interpolate(self, synthetic: pd.DataFrame, y_new: np.ndarray, frame: pd.DataFrame,
                     y: np.ndarray, seed: int) -> pd.DataFrame:
        rng = np.random.default_rng(seed)
        parts = [
            interpolate_towards_real(synthetic[y_new == label], frame[y == label], rng)
            for label in dict.fromkeys(y_new)
        ]
        return pd.concat(parts, ignore_index=True) if parts else synthetic

    def _targets(self, y: np.ndarray) -> dict[Any, int]:
        try:
            strategy = check_sampling_strategy(self.sampling_strategy, y, "over-sampling")
        except ValueError as err:
            raise InputError(f"sampling_strategy={self.sampling_strategy!r}: {err}") from None
        return {label: int(n) for label, n in strategy.items()}

    def _fit(self, data: Any, y_idx: np.ndarray, grow: list[Any], resume: bool = False) -> None:
        backend_cls = self._backend_class(self.data_kind_)
        self._conditional_ = self._resolve_conditioning(backend_cls)
        options = self._options(backend_cls)
        self._seed_ = self._seed()
        device = resolve_device(self.device)
        # the host encodes images; each tabular backend picks its table encoding
        self.encoder_ = ImageEncoder() if self.data_kind_ == "image" else \
            backend_cls(options, device).make_encoder(self._seed_)
        encoded = torch.from_numpy(self.encoder_.fit(data).transform(data))
        labels = torch.from_numpy(y_idx.astype(np.int64))
        source = self._source_index(backend_cls, options, labels, grow)
        self.backends_ = {}
        if self._conditional_ and grow:
            fields = {"labels": tuple(self.classes_), "source": source, "rows": torch.arange(len(labels)),
                      "n_input_rows": len(labels)}
            with seeded(self._seed_, device):
                model = self._train(backend_cls, options, device, encoded, labels, len(self.classes_),
                                    self._control(None, resume), fields)
            self.backends_ = dict.fromkeys(grow, model)
        elif grow:
            self.backends_ = self._train_per_class(backend_cls, options, device, encoded, labels, grow,
                                                   source, resume)
        self._check_diversity(encoded, labels)

    def _source_index(self, backend_cls, options, labels: torch.Tensor, grow: list[Any]) -> int | None:
        """The class index a pairing backend translates from: ``source_class``, else the largest class."""
        if not backend_cls.pairs_with_source:
            return None
        label = options.source_class
        if label is None:
            index = int(torch.bincount(labels).argmax())
        elif label in list(self.classes_):
            index = list(self.classes_).index(label)
        else:
            raise InputError(f"source_class={label!r} is not a class of y; the classes are "
                             f"{list(self.classes_)}.")
        if self.classes_[index] in grow:
            raise InputError(
                f"backend {backend_cls.name!r} grows classes from the source class "
                f"{self.classes_[index]!r}, which the sampling strategy also asks to grow. Pick another "
                "source_class=..., or a sampling_strategy that leaves the source class as it is.")
        return index

    def _train_per_class(self, backend_cls, options, device, encoded: torch.Tensor, labels: torch.Tensor,
                         grow: list[Any], source: int | None, resume: bool) -> dict[Any, Backend]:
        """One generator per class to grow, each with its own seed; in worker processes if n_jobs.

        A pairing backend's model sees its class as index 0 and the source class as index 1.
        """
        jobs = []
        for label in grow:
            index = int(np.searchsorted(self.classes_, label))
            rows = (labels == index) | (labels == source) if source is not None else labels == index
            positions = torch.nonzero(rows).squeeze(1)
            y_pair = (labels[rows] == source).long() if source is not None else labels[rows] * 0
            fields = {"labels": (label,) if source is None else (label, self.classes_[source]),
                      "source": None if source is None else 1, "rows": positions,
                      "n_input_rows": len(labels)}
            jobs.append((backend_cls, options, device, encoded[rows], y_pair, 1 if source is None else 2,
                         self._control(index, resume), fields, self._seed_ + index))
        workers = 1 if device.type == "cuda" else effective_n_jobs(self.n_jobs or 1)
        if workers == 1 or len(jobs) == 1:
            return {label: self._train(*job) for label, job in zip(grow, jobs)}
        # processes, not threads: small nets leave torch's intra-op threads idle
        threads = max(1, torch.get_num_threads() // min(workers, len(jobs)))
        trained = Parallel(n_jobs=min(workers, len(jobs)))(
            delayed(self._train)(*job, threads=threads) for job in jobs)
        return dict(zip(grow, trained))

    def _check_diversity(self, encoded: torch.Tensor, labels: torch.Tensor) -> None:
        """Warn, naming the class, when a generator's samples are nearly identical (mode collapse)."""
        encoded = encoded.reshape(len(encoded), -1)  # images: one row of pixels each
        if encoded.shape[1] == 0:  # every column constant: nothing to vary
            return
        for label, model in self.backends_.items():
            index = int(np.searchsorted(self.classes_, label))
            real = encoded[labels == index]
            if len(real) < 2 or float(real.std(0).mean()) == 0:
                continue
            drawn = model.sample(COLLAPSE_DRAWS, index if self._conditional_ else 0,
                                 torch.Generator().manual_seed(self._seed_ + 1)).reshape(COLLAPSE_DRAWS, -1)
            spread = float(drawn.std(0).mean()) / float(real.std(0).mean())
            if spread < COLLAPSE_SPREAD:
                warnings.warn(
                    f"class {label!r}: the synthetic samples are nearly identical (their spread is "
                    f"{spread:.0%} of the real rows'): the generator collapsed to a few modes. Train "
                    "longer (epochs=...), try backend='wgan-gp' or 'ctgan', or keep "
                    "refine='interpolate'.", ModeCollapseWarning, stacklevel=4)

    def _control(self, class_index: int | None, resume: bool) -> TrainingControl:
        if resume and self.checkpoint is None:
            raise ValueError("resume=True needs the checkpoint file: GANOverSampler(checkpoint=PATH).")
        path = None if self.checkpoint is None else Path(self.checkpoint)
        if path is not None and class_index is not None:
            path = path.with_name(f"{path.stem}.class{class_index}{path.suffix}")
        return TrainingControl(path, self.checkpoint_every, resume)

    def _train(self, backend_cls, options, device, X, y, n_classes, control: TrainingControl,
               fields: dict[str, Any], seed: int | None = None, threads: int | None = None) -> Backend:
        if seed is not None:  # per-class models: seeded one by one, so workers give the same models
            with seeded(seed, device):
                return self._train(backend_cls, options, device, X, y, n_classes, control, fields,
                                   threads=threads)
        if threads is not None:  # in a worker process: share the cores with the other workers
            torch.set_num_threads(threads)
        if self.verbose:
            logger.info("training %s on %d rows x %d encoded columns (%s)",
                        backend_cls.name, len(X), X.shape[1], device)
        data = TrainingData(X.to(device), y.to(device), n_classes, self.encoder_.layout_, self.data_kind_,
                            **fields)
        control.fingerprint = fingerprint(backend_cls.name, asdict(options), self._seed_, X, y, n_classes)
        backend = backend_cls(options, device, progress=self.verbose)
        backend.control = control
        return backend.fit(data)

    def _backend_class(self, kind: str = "tabular") -> type[Backend]:
        if isinstance(self.backend, type) and issubclass(self.backend, Backend):
            cls = self.backend
        elif isinstance(self.backend, str):
            cls = get_backend(self.backend)
        else:
            raise TypeError(f"backend must be a name or a Backend subclass, got {self.backend!r}")
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
            raise ValueError(
                f"conditioning={self.conditioning!r}: use 'auto', 'conditional' or 'per-class'."
            )
        if self.conditioning == "conditional" and not cls.conditional:
            raise ValueError(
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

    def _seed(self) -> int:
        if isinstance(self.random_state, (int, np.integer)) and not isinstance(self.random_state, bool):
            return int(self.random_state)
        return int(check_random_state(self.random_state).randint(2**31 - 1))
