"""The estimator: ``GANOverSampler``'s parameters and its public methods, each a short template.

What the methods do lives beside it: parameter checks in
:mod:`ganaug.sampler.params`, training in :mod:`ganaug.sampler.jobs`, drawing
in :mod:`ganaug.sampler.drawing`, the model file in :mod:`ganaug.sampler.state`.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import torch
from imblearn.over_sampling.base import BaseOverSampler

from ganaug.backend import Backend
from ganaug.data import InputData
from ganaug.data.folders import read_labelled
from ganaug.data.target import restore_target
from ganaug.errors import OptionsError
from ganaug.fileformat import read_safetensors, write_safetensors
from ganaug.modelfile import FORMAT, FORMAT_VERSION
from ganaug.refinements import get_refinement
from ganaug.sampler.drawing import draw_batches, draw_now, label_column_name, write_rows
from ganaug.sampler.jobs import fit_input
from ganaug.sampler.params import (
    backend_class,
    backend_options,
    check_parameters,
    resolve_conditioning,
    sampler_params,
)
from ganaug.sampler.state import from_state, sampler_state


class GANOverSampler(BaseOverSampler):
    """Oversample minority classes with samples drawn from a trained GAN.

    An imbalanced-learn over-sampler (``fit_resample``; usable in
    ``imblearn.pipeline.Pipeline``) and a scikit-learn estimator (``clone``,
    ``get_params``/``set_params``, ``get_feature_names_out``).

    Parameters
    ----------
    backend : str or Backend subclass, default="auto"
        Registered backend name (see ``ganaug.list_backends()``) or a class;
        ``"auto"``: ``"wgan-gp"`` on tables, ``"albumentations"`` (classical
        transforms of the real images, not a GAN) on images.
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
        What is done to the generator's samples; :mod:`ganaug.refinements`
        describes each. Tables: ``"proximity-safe"`` (the default: four
        samples per row wanted, interpolated towards their nearest real row,
        those amid other classes dropped, the rest spread over ProWSyn's
        proximity levels), ``"interpolate"``, ``"interpolate-mixed"``,
        ``"proximity"``, ``"interpolate-safe"``. Images: ``"augment"``
        (random label-preserving transforms; needs albumentations), else
        left as drawn. ``None``: the generator's samples untouched.
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
    refinement_ : Refinement or None
        What ``refine`` named, resolved at fit for the data's kind (None: samples as drawn).
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
        backend: str | type[Backend] = "auto",
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

    def fit_resample(self, X: Any, y: Any = None, resume: bool = False) -> tuple[Any, Any]:
        """Train the GAN on ``(X, y)`` and return the data with synthetic samples appended.

        Parameters
        ----------
        X : DataFrame, 2-D array, image array, or image folder
            A table (numeric and categorical columns: object, string,
            category, bool), images ``(n, H, W)`` / ``(n, H, W, C)``, uint8
            or float, or a folder path with one subfolder of images per class.
        y : array-like of shape (n_samples,)
            Class labels of any type; None for a folder (its subfolders' names).
        resume : bool, default=False
            Continue training from ``checkpoint`` when that file exists.

        Returns
        -------
        X_resampled : same type as X
            Originals first, then synthetic samples; same columns and dtypes
            (tables) or the same shape, dtype and value range (images).
        y_resampled : same type as y
        """
        check_parameters(self)
        data, y, y_arr = read_labelled(X, y)  # 1. validate (the kind is decided here, once)
        fit_input(self, data, y, y_arr, resume)  # 2-3. targets, then encode and fit
        synthetic, y_new = self.generate(self.sampling_strategy_)  # 4-5. draw, refine
        return self._merge(data, y, y_arr, synthetic, y_new)  # 6. originals first

    def fit(self, X: Any, y: Any = None, resume: bool = False) -> GANOverSampler:
        """Train the generator(s) without resampling; then :meth:`generate` or :meth:`save`.

        Parameters are those of :meth:`fit_resample`.
        """
        check_parameters(self)
        return fit_input(self, *read_labelled(X, y), resume)

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
        return draw_now(self, class_counts, random_state, descriptions)

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
        yield from draw_batches(self, class_counts, batch_size, random_state, descriptions)

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
        return label_column_name(self, label_column)

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
        return write_rows(self, path, class_counts, batch_size, random_state, replace, label_column)

    def get_state(self) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
        """The fitted sampler as ``(JSON-able configuration, tensors)``; :meth:`from_state` inverts it."""
        return sampler_state(self)

    @classmethod
    def from_state(cls, config: dict[str, Any], tensors: dict[str, torch.Tensor],
                   device: str | torch.device = "auto",
                   backend: type[Backend] | None = None) -> GANOverSampler:
        """A fitted sampler from :meth:`get_state`'s output (or a model file's), its models on ``device``.

        Raises :class:`~ganaug.errors.ModelFileError` when the configuration
        or the tensors do not fit together.
        """
        return from_state(cls, config, tensors, device, backend)

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

    def check_params(self, data_kind: str = "tabular") -> GANOverSampler:
        """Check the parameters and backend options as ``fit`` would, without data; returns ``self``.

        Raises :class:`~ganaug.errors.OptionsError` (or ``RegistryError``,
        ``InputError``) naming the parameter: a command line or a recipe calls
        it before reading data, so a typo costs no training time.
        """
        check_parameters(self)
        backend_cls = backend_class(self, data_kind)
        resolve_conditioning(self, backend_cls)
        backend_options(self, backend_cls)
        get_refinement(self.refine, data_kind)
        return self

    def _merge(self, data: InputData, y: Any, y_arr: np.ndarray, synthetic: Any,
               y_new: np.ndarray) -> tuple[Any, Any]:
        """Originals first, then the synthetic samples, in the caller's types."""
        self.sample_is_synthetic_ = np.r_[np.zeros(len(data), bool), np.ones(len(y_new), bool)]
        return data.append(synthetic), restore_target(y, y_arr, y_new)


SAMPLER_PARAMS = sampler_params(GANOverSampler)  # the sampler's own; every other keyword is a backend option
