"""The backend contract: what a GAN plugin implements, what the host gives it, and a backend's file.

A backend learns from encoded data (:class:`TrainingData`) and draws encoded
samples; the host does everything else (validation, encoding, seeding,
devices, sampling strategy, merging). :func:`check_backend_class` states the
contract as code; ``ganaug.testing`` checks the behaviour.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import torch
from torch import nn

from ganaug._deprecated import resolve
from ganaug._version import __version__
from ganaug.data.tabular import Span, TabularCodec
from ganaug.devices import resolve_device
from ganaug.errors import ModelFileError, NotFittedError, OptionsError
from ganaug.fileformat import jsonable, read_safetensors, write_safetensors
from ganaug.limits import check_memory
from ganaug.options import build_options

DATA_KINDS = ("tabular", "image")
BACKEND_FORMAT = "ganaug.backend"  # the file Backend.save writes
BACKEND_FORMAT_VERSION = 2  # 2: Options without the fields a backend ignores (format 1 saved them too)
# format 1 saved every field an Options class had, also the MLP widths that conv backends inherited
# but ignored; their Options no longer have them
FORMAT_1_IGNORED_OPTIONS = ("generator_dims", "critic_dims")


@dataclass
class TrainingData:
    """Encoded training data handed to :meth:`Backend.fit`.

    Attributes
    ----------
    X : torch.Tensor
        ``(n, d)`` float32 encoded rows, or ``(n, C, S, S)`` images, on the backend's device.
    y : torch.Tensor
        ``(n,)`` int64 class indices in ``[0, n_classes)``.
    n_classes : int
        Number of classes the generator is conditioned on (1 when per-class).
    layout : tuple of Span
        How the ``d`` encoded columns group into original columns (tabular).
    kind : str
        ``"tabular"`` or ``"image"``.
    labels : tuple
        The user's class label of each class index (empty when loading a saved model).
    source : int or None
        Class index that translation backends start from (see ``Backend.pairs_with_source``).
    rows : torch.Tensor or None
        ``(n,)`` positions of these rows in the user's ``X``, for options given per input row.
    n_input_rows : int
        Number of rows in the user's ``X``.
    """

    X: torch.Tensor
    y: torch.Tensor
    n_classes: int
    layout: tuple[Span, ...]
    kind: str = "tabular"
    labels: tuple = ()
    source: int | None = None
    rows: torch.Tensor | None = None
    n_input_rows: int = 0


@dataclass
class TrainingControl:
    """What the host asks of a training loop besides training.

    Attributes
    ----------
    path : Path or None
        Checkpoint file; None keeps snapshots in memory only.
    every : int or None
        Epochs between snapshots; None: about 20 per run.
    resume : bool
        Continue from ``path`` when it exists.
    fingerprint : str
        Identifies the run (backend, options, seed, data); a checkpoint with
        another fingerprint is refused.
    """

    path: Path | None = None
    every: int | None = None
    resume: bool = False
    fingerprint: str = ""
    rollbacks: int = field(default=0, init=False)

    def interval(self, epochs: int) -> int:
        return self.every or max(1, epochs // 20)


class Backend:
    """Base class of every GAN backend, built-in or third-party.

    A subclass sets the class attributes below, defines a validated
    ``Options`` dataclass (which must have ``epochs`` and ``batch_size``
    fields, with defaults that work), and implements :meth:`fit` and
    :meth:`sample` (and :meth:`build`, to be saved and loaded). Most backends
    subclass ``ganaug.training.AdversarialBackend``, which implements ``fit``
    as the shared training loop with documented hooks.

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
        Tensor attributes (not modules) that sampling needs; saved with the weights.
    pairs_with_source : bool
        True for backends that learn a relation between a source class and
        the class they grow (CycleGAN, CoGAN). Their ``Options`` have a
        ``source_class`` field; the host resolves it (default: the largest
        class) into ``TrainingData.source``, and a per-class model is
        trained on its class (index 0) and the source class (index 1).
    text_conditioned : bool
        True if :meth:`sample_described` draws from new descriptions.
    """

    name: ClassVar[str]
    data_kinds: ClassVar[tuple[str, ...]] = ("tabular",)
    conditional: ClassVar[bool] = True
    Options: ClassVar[type]
    reference: ClassVar[str] = ""
    state_tensors: ClassVar[tuple[str, ...]] = ()
    pairs_with_source: ClassVar[bool] = False
    text_conditioned: ClassVar[bool] = False

    def __init__(self, options: Any, device: torch.device, progress: bool = False) -> None:
        self.options = options
        self.device = device
        self.progress = progress
        self.history_: list[dict[str, float]] = []
        self.control: TrainingControl | None = None  # checkpoints, resume; set by the host

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

    def fit(self, data: TrainingData) -> Backend:
        """Train on encoded data; record one dict of losses per epoch in ``history_``."""
        raise NotImplementedError

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

    def prepare(self, data: TrainingData) -> TrainingData:
        """The data as this backend's nets see it (default: as given); ``fit`` and loading call it first."""
        return data

    def build(self, data: TrainingData) -> None:
        """Create the torch modules for data shaped like ``data`` (untrained).

        ``fit`` calls it first; loading a saved model calls it with zero rows
        (same width, classes and layout) before loading the weights, so a
        backend that implements it can be saved and loaded.
        """
        raise NotImplementedError(f"backend {self.name!r} does not implement build(), "
                                  "so it cannot be saved and loaded")

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
        """A fitted backend again: :meth:`build` for ``data``'s shape, then the saved weights."""
        self.build(self.prepare(data))
        self.load_state_dict(state)
        return self

    def describe(self) -> dict[str, Any]:
        """The JSON-able facts a saved backend needs besides its tensors (see :meth:`from_state`)."""
        if not hasattr(self, "layout_"):
            raise NotFittedError(f"backend {self.name!r} is not fitted (or records no layout_): "
                               "fit it before saving.")
        return {"options": jsonable(dataclasses.asdict(self.options)), "n_classes": self.n_classes_,
                "layout": [jsonable(dataclasses.asdict(span)) for span in self.layout_],
                "sample_shape": list(getattr(self, "sample_shape_", ()))}

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
            shape = [int(side) for side in description["sample_shape"] or [sum(s.width for s in layout)]]
        except (TypeError, ValueError) as err:
            raise ModelFileError(f"the saved data shape of backend {cls.name!r} is invalid: {err}") from None
        kind = "image" if len(shape) == 3 else "tabular"  # (C, S, S) images, (d,) rows

        def empty(on: torch.device) -> TrainingData:  # the data's shape, without rows
            rows, labels = torch.zeros(0, *shape, device=on), torch.zeros(0, dtype=torch.long, device=on)
            return TrainingData(rows, labels, description["n_classes"], layout, kind)

        try:
            # build on the meta device first: nothing is allocated, so a tampered width costs no memory,
            # and the file's tensors must have the shapes the options imply before anything real is built
            with torch.device("meta"):
                skeleton = cls(options, torch.device("meta"))
                skeleton.build(skeleton.prepare(empty(torch.device("meta"))))
                expected = skeleton.state_dict()
            _check_tensors(cls, expected, tensors)
            check_memory(sum(t.numel() * t.element_size() for t in expected.values()),
                         f"the weights of backend {cls.name!r}")
            return cls(options, device).restore(empty(device), tensors)
        except ModelFileError:
            raise
        except (RuntimeError, KeyError, ValueError, TypeError, IndexError, NotImplementedError) as err:
            raise ModelFileError(f"the saved weights do not fit backend {cls.name!r}: {err}") from None

    @classmethod
    def parameter_bytes(cls, options: Any, data: TrainingData) -> int | None:
        """Bytes of the weights ``cls`` would build for ``data``'s shapes, counted on the meta device.

        Nothing is allocated, so a width of 10**6 typed by mistake is caught
        before it takes the machine's memory. None when the backend cannot
        be built without rows (its fit then allocates as it goes).
        """
        try:
            with torch.device("meta"):
                meta = torch.device("meta")
                rows = torch.zeros(0, *data.X.shape[1:], device=meta)
                empty = TrainingData(rows, torch.zeros(0, dtype=torch.long, device=meta), data.n_classes,
                                     data.layout, data.kind)
                skeleton = cls(options, meta)
                skeleton.build(skeleton.prepare(empty))
                return sum(t.numel() * t.element_size() for t in skeleton.state_dict().values())
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


def _check_tensors(cls: type[Backend], expected: dict[str, torch.Tensor],
                   found: dict[str, torch.Tensor]) -> None:
    """The file's tensors are the ones the backend builds: same names, dtypes and shapes.

    State tensors (``state_tensors``) hold data, so only their trailing dimensions must agree.
    """
    missing, extra = sorted(set(expected) - set(found)), sorted(set(found) - set(expected))
    if missing or extra:
        raise ModelFileError(f"the saved weights do not fit backend {cls.name!r}: missing {missing[:5]}, "
                             f"unexpected {extra[:5]}.")
    for key, want in expected.items():
        got = found[key]
        data = key in cls.state_tensors
        if got.dtype != want.dtype or (got.shape[1:] if data else got.shape) != (want.shape[1:] if data
                                                                                  else want.shape):
            raise ModelFileError(f"the saved weights do not fit backend {cls.name!r}: {key!r} is "
                                 f"{tuple(got.shape)} {got.dtype}, its options make it {tuple(want.shape)} "
                                 f"{want.dtype}.")


def restore_options(cls: type[Backend], saved: dict[str, Any], format_version: int) -> Any:
    """``cls.Options`` from the JSON a model file holds; a ``ModelFileError`` if it does not fit."""
    if not isinstance(saved, dict):
        raise ModelFileError(f"the saved options of backend {cls.name!r} are not a mapping.")
    fields = {f.name for f in dataclasses.fields(cls.Options)}
    if format_version < 2:
        saved = {k: v for k, v in saved.items() if k in fields or k not in FORMAT_1_IGNORED_OPTIONS}
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in saved.items()}  # JSON has no tuples
    try:
        return build_options(cls.Options, values, cls.name)
    except OptionsError as err:
        raise ModelFileError(f"the saved options do not fit backend {cls.name!r}: {err}") from None


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
    for method in ("fit", "sample"):
        if getattr(cls, method) is getattr(Backend, method):
            raise TypeError(f"{cls.__name__} must implement `{method}`")
