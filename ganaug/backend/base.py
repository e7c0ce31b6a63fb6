"""The backend contract: the base class every GAN backend subclasses, and a backend's own file.

A backend learns from encoded data and draws encoded samples; the host does
everything else (validation, encoding, seeding, devices, sampling strategy,
merging). :meth:`Backend.fit` is a template: it records the data's shapes
(what saving needs), then calls the hooks a subclass fills in
(:meth:`~Backend.setup`, :meth:`~Backend.train`, :meth:`~Backend.on_fit_end`).
:func:`~ganaug.backend.checks.check_backend_class` states the contract as
code; ``ganaug.testing`` checks the behaviour.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import torch
from torch import nn

from ganaug._deprecated import resolve
from ganaug._version import __version__
from ganaug.backend.checks import check_tensors, restore_options
from ganaug.backend.data import DataShape, TrainingControl, TrainingData, empty_data
from ganaug.data.span import Span
from ganaug.data.tabular import TabularCodec
from ganaug.devices import resolve_device
from ganaug.errors import ModelFileError, NotFittedError
from ganaug.fileformat import jsonable, read_safetensors, write_safetensors
from ganaug.limits import check_memory

BACKEND_FORMAT = "ganaug.backend"  # the file Backend.save writes
BACKEND_FORMAT_VERSION = 2  # 2: Options without the fields a backend ignores (format 1 saved them too)
DATA_KINDS = ("tabular", "image")


class Backend:
    """Base class of every GAN backend, built-in or third-party.

    A subclass sets the class attributes below, defines a validated
    ``Options`` dataclass (which must have ``epochs`` and ``batch_size``
    fields, with defaults that work), and implements :meth:`build`,
    :meth:`train` and :meth:`sample`. Most backends subclass
    ``ganaug.plugin.AdversarialBackend``, whose ``train`` is the shared
    training loop with documented hooks.

    :meth:`fit` is the same for every backend and is not overridden; it calls,
    in order:

    =============================  ====================================================
    hook                           what it does
    =============================  ====================================================
    ``on_fit_start(data)``         checks that refuse a run before anything is built
    ``prepare(data)``              the data as the nets see it (default: as given)
    (the base records the shapes)  ``sample_shape_``, ``n_classes_``, ``layout_``
    ``setup(data)``                ``build(shape)``, then what training alone needs
    ``train(data, control)``       the training itself
    ``on_fit_end()``               after training; then ``fit_state`` is dropped
    =============================  ====================================================

    Loading a saved model calls ``prepare`` and :meth:`build` with the saved
    shape, then loads the tensors: ``build`` never sees rows, ``setup`` always does.

    Attributes
    ----------
    name : str
        Registry name, lower-case with dashes (``"wgan-gp"``).
    data_kinds : tuple of str
        Subset of ``("tabular", "image")``.
    conditional : bool
        True if one model is conditioned on the class label. Unconditional
        backends are trained once per class to grow (``conditioning="per-class"``).
    Options : type
        Dataclass of the backend's hyper-parameters.
    reference : str
        The paper the backend implements, for the backend table.
    state_tensors : tuple of str
        Tensor attributes (not modules) that sampling needs; saved with the
        weights. :meth:`build` creates them (empty rows are fine), :meth:`setup`
        fills them at fit, loading replaces them.
    pairs_with_source : bool
        True for backends that learn a relation between a source class and
        the class they grow (CycleGAN, CoGAN). Their ``Options`` have a
        ``source_class`` field; the host resolves it (default: the largest
        class) into ``TrainingData.source``, and a per-class model is
        trained on its class (index 0) and the source class (index 1).
    text_conditioned : bool
        True if :meth:`sample_described` draws from new descriptions.
    learns : bool
        False for a backend that trains nothing by epochs (classical
        augmentation draws from the real images): its ``history_`` stays empty
        and the sampler's ``epochs`` and ``batch_size`` change nothing.
    batchable : bool
        True if several models of this backend with the same options and
        shapes can train as one stack (:mod:`ganaug.training.stacked`): the
        per-class models of one fit, the folds of ``evaluate``, the members
        of :func:`ganaug.fit_many`. Its nets must be linear layers and
        row-wise parts, its loss a mean of per-row terms. Default False:
        such models train one after another.
    fit_state : object or None
        What a training loop keeps while it trains (``AdversarialBackend``:
        a :class:`~ganaug.training.fit_state.FitState`); None outside ``fit``.
    """

    name: ClassVar[str]
    data_kinds: ClassVar[tuple[str, ...]] = ("tabular",)
    conditional: ClassVar[bool] = True
    Options: ClassVar[type]
    reference: ClassVar[str] = ""
    state_tensors: ClassVar[tuple[str, ...]] = ()
    pairs_with_source: ClassVar[bool] = False
    text_conditioned: ClassVar[bool] = False
    learns: ClassVar[bool] = True
    batchable: ClassVar[bool] = False
    fit_state: Any = None

    def __init__(self, options: Any, device: torch.device, progress: bool = False) -> None:
        self.options = options
        self.device = device
        self.progress = progress
        self.history_: list[dict[str, float]] = []

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "fit" in vars(cls):  # a backend of ganaug 0.1 that implements fit itself
            warnings.warn(f"{cls.__name__} overrides fit(): deprecated since ganaug 0.2, an error in 0.3. "
                          "Implement train(data, control) (and setup(data), on_fit_end() where needed); "
                          "Backend.fit records the data's shapes and calls them.", DeprecationWarning,
                          stacklevel=2)
            cls.fit = _legacy_fit(vars(cls)["fit"])

    @classmethod
    def make_codec(cls, options: Any, random_state: int) -> TabularCodec:
        """The (unfitted) codec of tables this backend trains on; default: quantiles to (-1, 1).

        A class method, so the host picks the encoding before any backend is built.
        """
        if cls.make_encoder is not Backend.make_encoder:  # a plugin written before make_codec existed
            warnings.warn(f"{cls.__name__}.make_encoder(random_state) is deprecated: define the class "
                          "method make_codec(options, random_state) instead.", DeprecationWarning,
                          stacklevel=2)
            return cls(options, torch.device("cpu")).make_encoder(random_state)
        return TabularCodec(numeric="quantile", random_state=random_state)

    def make_encoder(self, random_state: int) -> TabularCodec:
        """Deprecated: use the class method :meth:`make_codec`."""
        return type(self).make_codec(self.options, random_state)

    # ---- fitting: the template and its hooks ---------------------------------------------
    def fit(self, data: TrainingData, control: TrainingControl | None = None) -> Backend:
        """Train on encoded data; record one dict of losses per epoch in ``history_``.

        Parameters
        ----------
        data : TrainingData
            The encoded rows and their classes, on the backend's device.
        control : TrainingControl, optional
            Checkpoint file, resume, snapshot interval (default: none of them).

        Returns
        -------
        Backend
            ``self``, fitted: it can sample and be saved.
        """
        if control is None:  # a fit of ganaug 0.1 calling super().fit(data) was given its control this way
            control = self.__dict__.get("control") or TrainingControl()
        prepared = self.begin_fit(data)
        try:
            self.train(prepared, control)
            self.on_fit_end()
        finally:
            self.fit_state = None  # the loop's state of this run: optimisers, batches, rows
        return self

    def begin_fit(self, data: TrainingData) -> TrainingData:
        """The fit up to training: :meth:`on_fit_start`, :meth:`prepare`, the shapes, :meth:`setup`.

        Returns the prepared data. :meth:`fit` calls it, and so does a stacked
        fit of several models (:mod:`ganaug.training.stacked`), which then
        trains them together; not a hook to override.
        """
        self.on_fit_start(data)
        prepared = self.prepare(data)
        self._record_shapes(data, prepared)
        self.setup(prepared)
        return prepared

    def on_fit_start(self, data: TrainingData) -> None:
        """Called first, with the data as given: checks that refuse a run before anything is built."""

    def prepare(self, data: TrainingData) -> TrainingData:
        """The data as this backend's nets see it (default: as given); ``fit`` and loading call it first."""
        return data

    def build(self, shape: DataShape) -> None:
        """Create the torch modules (and empty ``state_tensors``) for data of ``shape``, untrained.

        Called by :meth:`setup` at fit, and when a saved model is loaded
        (before its tensors are): the same shapes either way, no rows.
        """
        raise NotImplementedError(f"backend {self.name!r} does not implement build(shape), "
                                  "so it cannot be saved and loaded")

    def setup(self, data: TrainingData) -> None:
        """At fit only: :meth:`build` the nets for ``data``'s shape, then set up what training alone needs.

        A backend that learns something from the rows besides weights (class
        frequencies, a pool of source rows) overrides this, calls
        ``super().setup(data)`` and fills its ``state_tensors`` from ``data``.
        """
        self.build(DataShape.of(data))

    def train(self, data: TrainingData, control: TrainingControl) -> None:
        """Train the modules :meth:`setup` built, appending one dict of losses per epoch to ``history_``."""
        raise NotImplementedError(f"backend {self.name!r} does not implement train(data, control)")

    def on_fit_end(self) -> None:
        """Called after training, before ``fit`` returns and ``fit_state`` is dropped."""

    def _record_shapes(self, data: TrainingData, prepared: TrainingData) -> None:
        """What saving and sampling need to know of the data: the shapes, never the rows."""
        self.sample_shape_ = tuple(data.X.shape[1:])  # (d,) rows or (C, S, S) images, as the user's codec
        self.n_classes_, self.layout_ = prepared.n_classes, tuple(prepared.layout)
        self.n_features_ = prepared.X.shape[1]

    def sample(self, n: int, class_index: int, generator: torch.Generator) -> torch.Tensor:
        """Draw ``n`` encoded rows of class ``class_index`` as a ``(n, d)`` CPU tensor.

        All noise must come from ``generator`` (a CPU generator) so that the
        same seed gives the same samples on any device.
        """
        raise NotImplementedError

    def sample_described(self, n: int, class_index: int, description: Any,
                         generator: torch.Generator) -> torch.Tensor:
        """Like :meth:`sample`, conditioned on a new ``description`` (text-conditioned backends)."""
        raise NotImplementedError(f"backend {self.name!r} is not text-conditioned")

    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        """The optimisers, by name (saved in training checkpoints)."""
        return {k: v for k, v in vars(self).items() if isinstance(v, torch.optim.Optimizer)}

    def modules(self) -> dict[str, nn.Module]:
        """The trained torch modules, by name (used for state and device moves)."""
        return {k: v for k, v in vars(self).items() if isinstance(v, nn.Module)}

    # ---- state --------------------------------------------------------------------------
    def state_dict(self) -> dict[str, torch.Tensor]:
        """Flat ``{"module.param": tensor}`` of all trained weights, plus ``state_tensors``."""
        state = {
            f"{name}.{key}": value
            for name, module in self.modules().items()
            for key, value in module.state_dict().items()
        }
        state.update({name: getattr(self, name) for name in self.state_tensors})
        return state

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        """Load what :meth:`state_dict` returned into modules made by :meth:`build`."""
        for name, module in self.modules().items():
            prefix = f"{name}."
            module.load_state_dict({k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)})
        for name in self.state_tensors:
            setattr(self, name, state[name].to(getattr(self, name).device))

    def restore(self, data: TrainingData, state: dict[str, torch.Tensor]) -> Backend:
        """A fitted backend again: :meth:`build` for ``data``'s shape (no rows read), then ``state``."""
        self._build_for(data)
        self.load_state_dict(state)
        return self

    def _build_for(self, data: TrainingData) -> None:
        """The loading path: shapes recorded and modules built for ``data``, whose rows are not read."""
        prepared = self.prepare(data)
        self._record_shapes(data, prepared)
        self.build(DataShape.of(prepared))

    def describe(self) -> dict[str, Any]:
        """The JSON-able facts a saved backend needs besides its tensors (see :meth:`from_state`)."""
        if not hasattr(self, "layout_"):
            raise NotFittedError(f"backend {self.name!r} is not fitted: fit it before saving.")
        return {"options": jsonable(dataclasses.asdict(self.options)), "n_classes": self.n_classes_,
                "layout": [jsonable(dataclasses.asdict(span)) for span in self.layout_],
                "sample_shape": list(self.sample_shape_)}

    @classmethod
    def from_state(cls, description: dict[str, Any], tensors: dict[str, torch.Tensor],
                   device: torch.device, format_version: int = BACKEND_FORMAT_VERSION) -> Backend:
        """A fitted backend from :meth:`describe`'s output and :meth:`state_dict`'s tensors.

        Raises :class:`~ganaug.errors.ModelFileError` when the options or
        the tensors do not fit this backend.
        """
        options = restore_options(cls, description["options"], format_version)
        try:
            layout = tuple(Span(**span) for span in description["layout"])
            shape = tuple(int(side) for side in description["sample_shape"] or [sum(s.width for s in layout)])
        except (TypeError, ValueError) as err:
            raise ModelFileError(f"the saved data shape of backend {cls.name!r} is invalid: {err}") from None
        kind = "image" if len(shape) == 3 else "tabular"  # (C, S, S) images, (d,) rows

        def empty(on: torch.device) -> TrainingData:
            return empty_data(shape, description["n_classes"], layout, kind, on)

        try:
            # the file's tensors must have the shapes the options imply before anything real is built
            expected = cls._meta_state(options, empty(torch.device("meta")))
            check_tensors(cls, expected, tensors)
            check_memory(sum(t.numel() * t.element_size() for t in expected.values()),
                         f"the weights of backend {cls.name!r}")
            return cls(options, device).restore(empty(device), tensors)
        except ModelFileError:
            raise
        except (RuntimeError, KeyError, ValueError, TypeError, IndexError, NotImplementedError) as err:
            raise ModelFileError(f"the saved weights do not fit backend {cls.name!r}: {err}") from None

    @classmethod
    def _meta_state(cls, options: Any, data: TrainingData) -> dict[str, torch.Tensor]:
        """The :meth:`state_dict` ``cls`` would have for ``data``'s shapes, built on the meta device.

        Nothing is allocated, so a tampered or mistyped width costs no memory.
        """
        shape = tuple(data.X.shape[1:])
        # building on the meta device runs every op through Python meta kernels (seconds for a net with
        # spectral norm): the same backend, options and shapes give the same skeleton, so build it once
        key = (cls, repr(options), shape, data.n_classes, repr(data.layout), data.kind)
        if key not in _META_STATES:
            meta = torch.device("meta")
            with meta:
                skeleton = cls(options, meta)
                skeleton._build_for(empty_data(shape, data.n_classes, data.layout, data.kind, meta))
                if len(_META_STATES) >= 64:
                    _META_STATES.pop(next(iter(_META_STATES)))
                _META_STATES[key] = skeleton.state_dict()
        return dict(_META_STATES[key])

    @classmethod
    def parameter_bytes(cls, options: Any, data: TrainingData) -> int | None:
        """Bytes of the weights ``cls`` would build for ``data``'s shapes, counted on the meta device.

        Nothing is allocated, so a width of 10**6 typed by mistake is caught
        before it takes the machine's memory. None when the backend cannot
        be built on the meta device (its fit then allocates as it goes).
        """
        try:
            return sum(t.numel() * t.element_size() for t in cls._meta_state(options, data).values())
        except Exception:  # noqa: BLE001 - an estimate only: the fit itself reports real errors
            return None

    def save(self, path: str | Path) -> Path:
        """Save this fitted backend alone (weights, options, data shape) to a safetensors file."""
        config = {"format": BACKEND_FORMAT, "format_version": BACKEND_FORMAT_VERSION,
                  "ganaug_version": __version__, "backend": self.name, **self.describe()}
        return write_safetensors(path, self.state_dict(), config)

    @classmethod
    def load(cls, path: str | Path, device: str | torch.device = "auto") -> Backend:
        """Load a backend saved by :meth:`save` into this class, ready to ``sample`` on ``device``.

        ``Backend.load(path)`` on the base class is deprecated: use
        ``ganaug.load_backend(path)``, which looks the saved name up among
        the registered backends.
        """
        if cls is Backend:
            warnings.warn("Backend.load(path) on the base class is deprecated; use "
                          "ganaug.load_backend(path).", DeprecationWarning, stacklevel=2)
            return resolve("ganaug.registry:load_backend")(path, device)
        config, tensors = read_safetensors(path, BACKEND_FORMAT, BACKEND_FORMAT_VERSION, "backend")
        return cls.from_state(config, tensors, resolve_device(device), config.get("format_version", 1))

    def to(self, device: str | torch.device) -> Backend:
        """Move the trained modules to ``device`` (sampling noise stays on the CPU generator)."""
        self.device = torch.device(device)
        for module in self.modules().values():
            module.to(self.device)
        return self


_META_STATES: dict[tuple, dict[str, torch.Tensor]] = {}  # Backend._meta_state's skeletons, oldest first


def _legacy_fit(fit: Callable[..., Any]) -> Callable[..., Any]:
    """A ``fit`` of ganaug 0.1 wrapped into the contract: it gets its ``control`` and records the shapes."""
    takes_control = "control" in inspect.signature(fit).parameters

    @functools.wraps(fit)
    def wrapped(self: Backend, data: TrainingData, control: TrainingControl | None = None) -> Backend:
        if takes_control:
            fit(self, data, control)
        else:
            if control is not None:
                self.control = control  # 0.1's fit read the host's checkpoint settings from this attribute
            fit(self, data)
        if not hasattr(self, "layout_"):
            self._record_shapes(data, self.prepare(data))
        return self

    return wrapped


def check_backend_class(cls: Any) -> None:
    """Raise ``TypeError`` naming what a backend class lacks."""
    if not (isinstance(cls, type) and issubclass(cls, Backend)):
        raise TypeError(f"{cls!r} is not a subclass of ganaug.Backend")
    name = getattr(cls, "name", None)
    if not isinstance(name, str) or not name:
        raise TypeError(f"{cls.__name__} must set a non-empty string `name`")
    bad_kinds = set(cls.data_kinds) - set(DATA_KINDS)
    if not cls.data_kinds or bad_kinds:
        raise TypeError(f"{cls.__name__}.data_kinds must be a subset of {DATA_KINDS}")
    options = getattr(cls, "Options", None)
    if not dataclasses.is_dataclass(options):
        raise TypeError(f"{cls.__name__}.Options must be a dataclass")
    fields = {f.name for f in dataclasses.fields(options)}
    if not {"epochs", "batch_size"} <= fields:
        raise TypeError(f"{cls.__name__}.Options needs `epochs` and `batch_size` fields")
    if cls.train is Backend.train and "fit" not in {n for c in cls.__mro__[:-2] for n in vars(c)}:
        raise TypeError(f"{cls.__name__} must implement `train(data, control)`")
    for method, why in (("sample", "(draws samples)"), ("build", "(builds the nets, also for loading)")):
        if getattr(cls, method) is getattr(Backend, method):
            raise TypeError(f"{cls.__name__} must implement `{method}` {why}")
