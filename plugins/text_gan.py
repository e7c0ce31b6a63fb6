"""``text-gan``: generation conditioned on a text (Reed et al. 2016, GAN-CLS and GAN-INT).

Each training sample has a text: one per row of X (``texts=[...]``, e.g. a
text column) or a description per class (``texts={label: "..."}``, one text
or a list); without texts the class names are used. The texts are embedded
with ganaug.text.TextEncoder (TF-IDF + truncated SVD, fitted on them), or
the user passes embeddings (``text_embeddings=``). G and D see the text
embedding next to the class one-hot, so a sample always belongs to the
class it is labelled with and the text steers it within the class
("a thin seven" vs "a bold seven"); ``generate(..., descriptions=...)``
draws from new descriptions.

- GAN-CLS, the matching-aware discriminator: besides real/matching-text
  and fake/matching-text, D sees real samples with a wrong (random) text
  and must call them fake, so it learns whether a text fits a sample.
- GAN-INT: G also gets the midpoint of two texts of the same class, which
  D never saw, which fills the gaps between training descriptions.

Images use DCGAN-style nets (the condition enters G through a learned
embedding and D through a projection); tables use MLPs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from ganaug.plugin import (
    AdversarialBackend,
    ClassBatches,
    ConditionalCritic,
    ConditionalGenerator,
    DataEfficientTraining,
    DataShape,
    ImageGANOptions,
    ImageGenerator,
    MLPOptions,
    ProjectionCritic,
    TabularHead,
    TextEncoder,
    TrainingData,
    hookimpl,
    mlp,
    shown,
)
from ganaug.plugin import (
    one_hot as class_one_hot,
)


@dataclass
class TextGANOptions(ImageGANOptions, MLPOptions):
    """Options of the ``text-gan`` backend: the image backends' and, for tables, the MLP widths."""

    texts: object = None  # one text per row of X, or {class: text or list of texts}; None: class names
    text_embeddings: object = None  # instead of texts: one vector per row, or {class: vector or vectors}
    embedding_dim: int = 32  # size of the TF-IDF + SVD text embedding (smaller for tiny vocabularies)
    interpolation_weight: float = 1.0  # GAN-INT: weight of G's loss on mid-points of two texts; 0: off

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.texts is not None and self.text_embeddings is not None:
            raise ValueError("give texts or text_embeddings, not both")
        self.texts = _normalise(self.texts, "texts", _text)
        self.text_embeddings = _normalise(self.text_embeddings, "text_embeddings", _vector)
        if self.embedding_dim < 1 or self.interpolation_weight < 0:
            raise ValueError("embedding_dim must be >= 1 and interpolation_weight >= 0")


def _text(value: Any) -> str:
    return str(value)


def _vector(value: Any) -> tuple[float, ...]:
    return tuple(float(v) for v in np.ravel(np.asarray(value, dtype=np.float64)))


def _normalise(value: Any, name: str, entry) -> Any:
    """Per-row values -> a tuple; a per-class mapping -> ``{label: tuple of entries}`` (JSON-able)."""
    if value is None:
        return None
    if isinstance(value, str):
        raise ValueError(f"{name} is a single string; give one per row of X, or a {{class: text}} dict")
    if isinstance(value, Mapping):
        def entries(v: Any) -> tuple:
            single = isinstance(v, str) if entry is _text else np.ndim(v) == 1
            return (entry(v),) if single else tuple(entry(item) for item in v)
        return {(k.item() if isinstance(k, np.generic) else k): entries(v) for k, v in value.items()}
    return tuple(entry(v) for v in value)


class TextGANBackend(DataEfficientTraining, AdversarialBackend):
    """Text-and-class-conditional GAN with the matching-aware discriminator and text interpolation."""

    name = "text-gan"
    data_kinds = ("image", "tabular")
    conditional = True
    flatten_images = False
    Options = TextGANOptions
    reference = "Reed et al., Generative Adversarial Text to Image Synthesis, ICML 2016"
    text_conditioned = True
    supports_distributed = False
    state_tensors = ("bank", "bank_classes")

    # ---- texts -> the bank of embeddings ------------------------------------------
    def setup(self, data: TrainingData) -> None:
        """Texts for every class, the nets, then the bank of the training texts' embeddings."""
        if self.options.text_embeddings is None and not self._per_row():
            # classes without a description are described by their name; kept in the options, so that
            # loading a saved model refits the same text encoder
            given = self.options.texts or {}
            texts = dict(zip(data.labels, _groups_by_class(given, data.labels)))
            self.options = dataclasses.replace(self.options, texts=texts)
        super().setup(data)
        self.bank, self.bank_classes = self._bank(data)

    def build(self, shape: DataShape) -> None:
        self.text_encoder_ = self._fit_text_encoder()
        self.text_dim_ = self._text_dim()
        cond = self.text_dim_ + shape.n_classes  # text embedding, then the class one-hot
        opts = self.options
        if shape.kind == "image":
            channels, side = shape.width, shape.side
            self.install(ImageGenerator(opts.noise_dim, cond, channels, side, opts.width),
                         ProjectionCritic(cond, channels, side, opts.width))
        else:
            d = shape.width
            self.install(ConditionalGenerator(mlp(opts.noise_dim + cond, opts.generator_dims, d),
                                              TabularHead(shape.layout)),
                         ConditionalCritic(mlp(d + cond, opts.critic_dims, 1, spectral=True)))
        # filled by setup at fit, or by a saved model's tensors
        self.bank = torch.zeros(0, self.text_dim_, device=self.device)
        self.bank_classes = torch.zeros(0, dtype=torch.long, device=self.device)
        self.per_row_ = self._per_row()

    def _per_row(self) -> bool:
        given = self.options.texts if self.options.text_embeddings is None else self.options.text_embeddings
        return given is not None and not isinstance(given, Mapping)

    def _fit_text_encoder(self) -> TextEncoder | None:
        texts = self.options.texts
        if texts is None:  # the user's own embeddings
            return None
        corpus = [t for group in texts.values() for t in group] if isinstance(texts, Mapping) else list(texts)
        return TextEncoder(self.options.embedding_dim).fit(corpus)

    def _text_dim(self) -> int:
        if self.text_encoder_ is not None:
            return self.text_encoder_.dim_
        given = self.options.text_embeddings
        first = next(iter(given.values()))[0] if isinstance(given, Mapping) else given[0]
        return len(first)

    def embed(self, entries: list) -> torch.Tensor:
        """``(m, e)`` embeddings of texts (or of the user's own vectors, checked for length)."""
        if self.text_encoder_ is not None and all(isinstance(t, str) for t in entries):
            return torch.from_numpy(self.text_encoder_.transform(entries))
        vectors = np.asarray(entries, dtype=np.float32).reshape(len(entries), -1) \
            if all(not isinstance(t, str) for t in entries) else None
        if vectors is None or vectors.shape[1] != self.text_dim_:
            kind = "texts" if self.text_encoder_ is not None else f"vectors of length {self.text_dim_}"
            raise ValueError(f"this model was trained on {kind}; describe samples the same way.")
        return torch.from_numpy(vectors)

    def _bank(self, data: TrainingData) -> tuple[torch.Tensor, torch.Tensor]:
        """The training texts' embeddings and classes (per row: one per training row, in order)."""
        given = self.options.texts if self.options.text_embeddings is None else self.options.text_embeddings
        if isinstance(given, Mapping):
            groups = _groups_by_class(given, data.labels)
            entries = [e for group in groups for e in group]
            classes = [c for c, group in enumerate(groups) for _ in group]
        else:
            if len(given) != data.n_input_rows:
                raise ValueError(
                    f"texts has {len(given)} entries but X has {data.n_input_rows} rows: per-row texts must "
                    "match X row for row. Inside cross-validation (evaluate, a Pipeline) X is a subset of "
                    "rows, so give per-class descriptions instead: texts={class: description}.")
            entries = [given[int(i)] for i in data.rows.tolist()]
            classes = data.y.tolist()
        bank = self.embed(entries).to(self.device)
        return bank, torch.tensor(classes, dtype=torch.long, device=self.device)

    def _bank_rows(self, classes: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """A random bank entry of each class in ``classes``."""
        if getattr(self, "_bank_batches", None) is None or len(self._bank_batches.order) != len(self.bank):
            self._bank_batches = ClassBatches(self.bank_classes, self.n_classes_, 1.0)
        return self._bank_batches.sample(len(classes), classes.cpu(), generator)[0]

    def _conditions(self, text: torch.Tensor, classes: torch.Tensor) -> torch.Tensor:
        # (n, e) text embeddings, (n,) classes -> (n, e + k)
        return torch.cat([text, class_one_hot(classes.to(text.device), self.n_classes_)], dim=1)

    # ---- training: GAN-CLS and GAN-INT ----------------------------------------------
    def condition(self, rows: torch.Tensor, classes: torch.Tensor) -> torch.Tensor:
        picks = rows if self.per_row_ else self._bank_rows(classes)
        return self._conditions(self.bank[picks.to(self.device)], classes)

    def fake_scores(self, critic: nn.Module, real: torch.Tensor, fake: torch.Tensor,
                    cond: torch.Tensor) -> torch.Tensor:
        # GAN-CLS: a real sample with a wrong (random) text but its own class counts as fake, as much
        # as a generated one
        wrong_text = self.bank[torch.randint(len(self.bank), (len(cond),), device=self.device)]
        wrong = torch.cat([wrong_text, cond[:, self.text_dim_:]], dim=1)
        return torch.cat([critic(fake, cond), critic(real, wrong)])

    def generator_extra_loss(self, logits: torch.Tensor, cond: torch.Tensor) -> torch.Tensor | None:
        # GAN-INT: the mid-point of this text and another text of the same class
        if not self.options.interpolation_weight:
            return None
        e, classes = self.text_dim_, cond[:, self.text_dim_:].argmax(dim=1)
        partner = self.bank[self._bank_rows(classes).to(self.device)]
        mixed = torch.cat([0.5 * (cond[:, :e] + partner), cond[:, e:]], dim=1)
        fake = self.generator(self.noise(len(mixed)), mixed)
        score = self.critic(self.augment(fake), mixed)
        return self.options.interpolation_weight * self.fit_state.loss.generator(score)

    # ---- sampling -------------------------------------------------------------
    def sample_condition(self, n: int, class_index: int, generator: torch.Generator) -> torch.Tensor:
        classes = torch.full((n,), class_index, dtype=torch.long)
        text = self.bank[self._bank_rows(classes, generator).to(self.bank.device)].cpu()
        return self._conditions(text, classes)

    def sample_described(self, n: int, class_index: int, description: Any,
                         generator: torch.Generator) -> torch.Tensor:
        vector = np.ndim(description) == 1 and not isinstance(description[0], str)
        one = isinstance(description, str) or vector
        entries = [description] if one else list(description)
        text = self.embed(entries)[torch.arange(n) % len(entries)]  # several descriptions: used in turn
        cond = self._conditions(text, torch.full((n,), class_index, dtype=torch.long))
        return self.sample_conditioned(n, lambda start, size: cond[start : start + size], generator)


def _groups_by_class(given: Mapping, labels: tuple) -> list[tuple]:
    """Per class index, the texts (or vectors) given for its label (str keys match too, as in TOML)."""
    keys = {str(k): k for k in given}
    unknown = [k for k in given if k not in labels and str(k) not in {str(label) for label in labels}]
    if unknown and len(labels) > 1:  # a per-class model sees one label; the others belong to other models
        raise ValueError(f"texts names classes that are not in y: {', '.join(map(shown, unknown))}; "
                         f"the classes are {', '.join(map(shown, labels))}.")
    groups = []
    for label in labels:
        key = label if label in given else keys.get(str(label))
        if key is None and given and not isinstance(next(iter(given.values()))[0], str):
            raise ValueError(f"text_embeddings has no vector for class {shown(label)}; give one for every "
                             "class.")
        groups.append(given[key] if key is not None else (str(label),))
    return groups


@hookimpl
def register_backends(register):
    register(TextGANBackend)
