"""Drawing from a fitted sampler: counts checked against the limits, each class drawn, decoded, refined."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ganaug.data.tables import SUFFIXES as TABLE_SUFFIXES
from ganaug.data.tables import write_table_batches
from ganaug.errors import (
    InputError,
    NotFittedError,
    shown,
)
from ganaug.fileformat import check_output
from ganaug.limits import check_limit, check_memory
from ganaug.sampler.params import checked_seed, is_whole


def draw_seed(sampler: Any, random_state: int | None) -> int:
    if not hasattr(sampler, "codec_"):
        raise NotFittedError("this GANOverSampler is not fitted yet: call fit_resample first.")
    return sampler._seed_ if random_state is None else checked_seed(random_state, "random_state")


def check_draw_size(rows: int, width: int, refinement: Any, what: str) -> None:
    """Refuse a draw held in memory at once that is over ``max_synthetic_rows`` or ``max_memory_gib``."""
    check_limit("max_synthetic_rows", rows, f"{what} (synthetic rows in memory at once)")
    candidates = refinement.candidates if refinement is not None else 1
    # float32 encoded candidates, then about twice that decoded (float64 columns, object levels)
    check_memory(rows * candidates * max(width, 1) * 12, f"{what} ({rows:,} rows of {width} values)")


def checked_counts(sampler: Any, class_counts: Any) -> dict[Any, int]:
    """``{class: n}`` with every count a whole number >= 0 and every class one the model draws."""
    if not isinstance(class_counts, Mapping):
        raise InputError(f"class_counts must be a {{class: number of rows}} dict, got "
                         f"{type(class_counts).__name__}.")
    counts = {}
    for label, n in class_counts.items():
        if not is_whole(n) or n < 0:
            raise InputError(f"class_counts[{shown(label)}] = {n!r}: counts are whole numbers of rows, "
                             "0 or more.")
        if n and label not in sampler.backends_:
            raise InputError(f"class {shown(label)} has no trained generator; it can draw: "
                             f"{', '.join(map(shown, sampler.backends_))}.")
        counts[label] = int(n)
    return counts


def draw(sampler: Any, class_counts: dict[Any, int], generator: torch.Generator,
         seed: int, descriptions: dict[Any, Any] | None = None) -> tuple[Any, np.ndarray]:
    """Draw each class' samples from its model, decode them, then refine."""
    blocks, drawn_labels, labels = [], [], []
    check_descriptions(sampler, descriptions or {})
    refinement = sampler.refinement_
    if refinement is not None and refinement.needs_reference and sampler._reference_ is None:
        refinement = None  # a model saved without real rows: samples as drawn
    draws = refinement.candidates if refinement is not None else 1  # a refinement may choose among some
    for label, n in class_counts.items():
        if n <= 0:
            continue
        index = int(np.searchsorted(sampler.classes_, label)) if sampler._conditional_ else 0
        model = sampler.backends_[label]
        if descriptions and label in descriptions:
            drawn = model.sample_described(int(n) * draws, index, descriptions[label], generator)
        else:
            drawn = model.sample(int(n) * draws, index, generator)
        blocks.append(drawn.numpy())
        drawn_labels.append(np.full(int(n) * draws, label, dtype=sampler.classes_.dtype))
        labels.append(np.full(int(n), label, dtype=sampler.classes_.dtype))
    width = sampler.codec_.n_features_
    encoded = np.concatenate(blocks) if blocks else np.zeros((0, width), np.float32)
    y_new = np.concatenate(labels) if labels else np.zeros(0, sampler.classes_.dtype)
    # one-hot groups are drawn from the generator's probabilities, seeded by this draw
    slots = np.random.default_rng(int(torch.randint(2**62, (1,), generator=generator)))
    synthetic = sampler.codec_.inverse_transform(encoded, random_state=slots)
    if refinement is not None:  # the refined samples come class by class, as drawn
        y_drawn = np.concatenate(drawn_labels) if drawn_labels else y_new
        synthetic = refinement.apply(synthetic, y_drawn, sampler._reference_, seed)
    return synthetic, y_new


def check_descriptions(sampler: Any, descriptions: dict[Any, Any]) -> None:
    if not descriptions:
        return
    model = next(iter(sampler.backends_.values()), None)
    if model is None or not model.text_conditioned:
        name = getattr(model, "name", sampler.backend)
        raise InputError(f"descriptions=... needs a text-conditioned backend; {name!r} is not. "
                         "Train with backend='text-gan' and texts=...")
    unknown = [label for label in descriptions if label not in sampler.backends_]
    if unknown:
        raise InputError(f"descriptions name classes without a trained generator: "
                         f"{', '.join(map(shown, unknown))}; trained classes: "
                         f"{', '.join(map(shown, sampler.backends_))}.")


def draw_now(sampler: Any, class_counts: dict[Any, int], random_state: int | None = None,
             descriptions: dict[Any, Any] | None = None) -> tuple[Any, np.ndarray]:
    """Draw synthetic rows (or images) from the fitted sampler."""
    seed = draw_seed(sampler, random_state)
    counts = checked_counts(sampler, class_counts)
    check_draw_size(sum(counts.values()), sampler.codec_.n_features_, sampler.refinement_,
                    "generate(class_counts)")
    return draw(sampler, counts, torch.Generator().manual_seed(seed), seed, descriptions or {})


def draw_batches(sampler: Any, class_counts: dict[Any, int], batch_size: int = 100_000,
                 random_state: int | None = None,
                 descriptions: dict[Any, Any] | None = None) -> Iterator[tuple[Any, np.ndarray]]:
    """Yield synthetic rows in batches, so that millions of them need little memory."""
    if batch_size < 1:
        raise InputError(f"batch_size={batch_size!r}: give a whole number of rows >= 1 per batch.")
    seed = draw_seed(sampler, random_state)
    class_counts = checked_counts(sampler, class_counts)
    check_limit("max_streamed_rows", sum(class_counts.values()), "class_counts (rows to stream)")
    check_draw_size(min(batch_size, sum(class_counts.values())), sampler.codec_.n_features_,
                    sampler.refinement_, "batch_size")
    generator = torch.Generator().manual_seed(seed)
    batch = 0
    for label, n in class_counts.items():
        for start in range(0, int(n), batch_size):
            yield draw(sampler, {label: min(batch_size, int(n) - start)}, generator, seed + batch,
                       descriptions)
            batch += 1
    if batch == 0:
        yield draw(sampler, {}, generator, seed)


def label_column_name(sampler: Any, label_column: str | None = None) -> str:
    """The name of the label column in written tables; refused when a feature column has it."""
    if label_column is not None and (not isinstance(label_column, str) or not label_column):
        raise InputError(f"label_column={label_column!r}: give a column name (a non-empty string).")
    target = label_column or str(getattr(sampler, "target_name_", None) or "label")
    columns = getattr(getattr(sampler, "codec_", None), "columns_", ())
    features = {str(col.name) for col in columns} | set(map(str, getattr(sampler, "feature_names_in_", ())))
    if target in features:
        raise InputError(f"the table has a feature column named {target!r}, the name the class labels "
                         "would be written under, so they would overwrite it; give the label column "
                         "another name: label_column='class' (ganaug sample --label-column class).")
    return target


def write_rows(sampler: Any, path: str | Path, class_counts: dict[Any, int], batch_size: int = 100_000,
               random_state: int | None = None, replace: bool = False,
               label_column: str | None = None) -> Path:
    """Stream synthetic rows, with their label column, to a new CSV or Parquet file."""
    if getattr(sampler, "data_kind_", "tabular") == "image":
        raise InputError("generate_to writes tables; for images use generate_batches, or "
                         "`ganaug resample-images` for a folder of image files.")
    total = sum(checked_counts(sampler, class_counts).values())
    if total < 1:
        raise InputError("class_counts asks for no rows; give at least one class a count > 0.")
    check_limit("max_streamed_rows", total, "class_counts (rows to stream)")  # before the file is opened
    sampler.label_column_name(label_column)
    output = check_output(path, [], replace, TABLE_SUFFIXES, force_hint="give replace=True")
    batches = sampler.labelled_batches(class_counts, batch_size, random_state, label_column=label_column)
    write_table_batches(batches, output, replace=replace)
    return output
