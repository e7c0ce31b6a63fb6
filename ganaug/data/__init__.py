"""Data in and out of ganaug: input checks, one codec per data kind, table files and image folders.

- :mod:`~ganaug.data.validation`: checks of ``X`` and ``y``; :func:`read_input` decides the kind once.
- :mod:`~ganaug.data.tabular`: :class:`TabularCodec` (tables <-> float matrices), with
  :mod:`~ganaug.data.mixture` for mode-specific normalisation.
- :mod:`~ganaug.data.image`: :class:`ImageCodec` (images <-> ``(n, C, S, S)`` tensors).
- :mod:`~ganaug.data.tables`, :mod:`~ganaug.data.folders`: CSV/Parquet files and image folders.
- :mod:`~ganaug.data.text`: short texts -> vectors; :mod:`~ganaug.data.datasets`: bundled datasets.
"""

from ganaug.data.image import ImageCodec
from ganaug.data.tabular import Span, TabularCodec, is_categorical
from ganaug.data.target import check_target
from ganaug.data.validation import InputData, codec_from_state, read_input

__all__ = ["ImageCodec", "InputData", "Span", "TabularCodec", "check_target", "codec_from_state",
           "is_categorical", "read_input"]
