"""The backend contract: what a GAN plugin implements and what the host gives it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import torch
from torch import nn

if TYPE_CHECKING:
    from ganaug.checkpoint import TrainingControl
    from ganaug.encoders import Span, TabularEncoder

DATA_KINDS = ("tabular", "image")


@dataclass
class TrainingData:
    """Encoded training data handed to :meth:`Backend.fit`.

    Attributes
    ----------
    X : torch.Tensor
        ``(n, d)`` float32 encoded rows, on the backend's device.
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


class Backend:
    """Base class of every GAN backend, built-in or third-party.

    A subclass sets the class attributes below, defines a validated
    ``Options`` dataclass (which must have ``epochs`` and ``batch_size``
    fields, with defaults that work), and implements :meth:`fit` and
    :meth:`sample`. The host does validation, encoding, seeding, device
    placement, sampling strategy and merging; a backend only learns and draws.

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
    pairs_with_source : bool
        True for backends that learn a relation between a source class and
        the class they grow (CycleGAN, CoGAN). Their ``Options`` have a
        ``source_class`` field; the host resolves it (default: the largest
        class) into ``TrainingData.source``, and a per-class model is
        trained on its class (index 0) and the source class (index 1).
    """

    name: ClassVar[str]
    data_kinds: ClassVar[tuple[str, ...]] = ("tabular",)
    conditional: ClassVar[bool] = True
    Options: ClassVar[type]
    reference: ClassVar[str] = ""
    # tensor attributes (not modules) that sampling needs; saved with the weights
    state_tensors: ClassVar[tuple[str, ...]] = ()
    pairs_with_source: ClassVar[bool] = False
    text_conditioned: ClassVar[bool] = False  # sample_described() draws from new descriptions

    def __init__(self, options: Any, device: torch.device, progress: bool = False) -> None:
        self.options = options
        self.device = device
        self.progress = progress
        self.history_: list[dict[str, float]] = []
        self.control: TrainingControl | None = None  # checkpoints, resume; set by the host

    def make_encoder(self, random_state: int) -> TabularEncoder:
        """Return the (unfitted) tabular encoder this backend trains on."""
        from ganaug.encoders import TabularEncoder

        return TabularEncoder(numeric="quantile", random_state=random_state)

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

    def build(self, data: TrainingData) -> None:
        """Create the torch modules for data shaped like ``data`` (untrained).

        ``fit`` calls it first; loading a saved model calls it with zero rows
        (same width, classes and layout) before loading the weights, so a
        backend that implements it can be saved and loaded.
        """
        raise NotImplementedError(f"backend {self.name!r} does not implement build(), "
                                  "so it cannot be saved and loaded")

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
        self.build(data)
        self.load_state_dict(state)
        return self

    def save(self, path: str | Path) -> Path:
        """Save this fitted backend alone (weights, options, data shape) to a safetensors file."""
        from ganaug.persist import save_backend

        return save_backend(self, path)

    @classmethod
    def load(cls, path: str | Path, device: str | torch.device = "auto") -> Backend:
        """Load a backend saved by :meth:`save` (``Backend.load`` looks the saved name up)."""
        from ganaug.persist import load_backend

        return load_backend(path, device, None if cls is Backend else cls)

    def to(self, device: str | torch.device) -> Backend:
        """Move the trained modules to ``device`` (sampling noise stays on the CPU generator)."""
        self.device = torch.device(device)
        for module in self.modules().values():
            module.to(self.device)
        return self


def check_backend_class(cls: Any) -> None:
    """Raise ``TypeError`` naming what a backend class lacks."""
    import dataclasses

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
