"""Table files in and out: CSV and Parquet, read with errors that name the file, written atomically."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from ganaug.errors import UsageError
from ganaug.fileformat import atomic_file
from ganaug.paths import TABLE_SUFFIXES, check_input_file

SUFFIXES = TABLE_SUFFIXES
# an ISO 8601 date or timestamp, as pandas and most tools write them: 2024-05-01, 2024-05-01 13:45:00,
# 2024-05-01T13:45:00.123+02:00, ...Z
# a duration as pandas writes one: 0 days 00:12:34, -1 days +23:59:59.500000
DURATION = re.compile(r"-?\d+ days? [+-]?\d{2}:\d{2}:\d{2}(\.\d{1,9})?")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?(Z|[+-]\d{2}:?\d{2})?")


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV or Parquet file, with errors that name the file."""
    path = check_input_file(path, "input file", SUFFIXES)
    try:
        if path.suffix.lower() == ".csv":
            return parse_iso_dates(pd.read_csv(path))
        return pd.read_parquet(path)
    except ImportError as err:
        raise UsageError(f"reading Parquet needs pyarrow: pip install 'ganaug[parquet]' ({err})") from err
    except (OSError, ValueError, pd.errors.ParserError) as err:
        raise UsageError(f"cannot read {str(path)!r}: {err}") from err


def parse_iso_dates(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns whose every value is an ISO 8601 date or timestamp become datetime columns, and
    those whose every value is a duration as pandas writes it (``0 days 00:12:34``) timedelta columns.

    A CSV file has no types, so dates arrive as text; these are the only
    conversions ganaug makes (numbers pandas already parses). Values with a
    UTC offset become a UTC timezone-aware column; a column that mixes
    offsets and naive values stays text.
    """
    converted = {}
    for name in frame.columns:
        column = frame[name]
        if not (column.dtype == object or pd.api.types.is_string_dtype(column.dtype)):
            continue
        present = column.dropna()
        if present.empty or not all(isinstance(v, str) for v in present):
            continue
        if all(DURATION.fullmatch(v) for v in present):
            converted[name] = pd.to_timedelta(column)
            continue
        if not all(ISO_DATE.fullmatch(v) for v in present):
            continue
        aware = present.str.contains(r"(?:Z|[+-]\d{2}:?\d{2})$", regex=True)
        if aware.any() and not aware.all():
            continue
        try:
            converted[name] = pd.to_datetime(column, format="ISO8601", utc=bool(aware.all()))
        except (ValueError, OverflowError):  # an impossible date such as 2024-02-31: leave the text
            continue
    return frame.assign(**converted) if converted else frame


def split_target(frame: pd.DataFrame, target: str) -> tuple[pd.DataFrame, pd.Series]:
    """Split the label column off a table."""
    if target not in frame.columns:
        raise UsageError(
            f"target column {target!r} is not in the file; columns are: {', '.join(map(str, frame.columns))}."
        )
    return frame.drop(columns=[target]), frame[target]


def write_table_batches(frames: Iterable[pd.DataFrame], output: Path, replace: bool = False) -> int:
    """Write a stream of same-columned tables as one CSV/Parquet file, atomically; returns the rows.

    Only one batch is in memory at a time: CSV batches are appended,
    Parquet batches become row groups. ``replace=False`` never replaces a
    file that exists when the write completes (see :func:`ganaug.fileformat.atomic_file`).
    """
    output.parent.mkdir(parents=True, exist_ok=True)
    rows, writer = 0, None
    with atomic_file(output, replace=replace) as temp:
        try:
            for frame in frames:
                if output.suffix.lower() == ".csv":
                    frame.to_csv(temp, index=False, mode="a" if rows else "w", header=not rows)
                else:
                    pa, pq = _pyarrow()
                    batch = pa.Table.from_pandas(frame, preserve_index=False)
                    writer = writer or pq.ParquetWriter(temp, batch.schema)
                    writer.write_table(batch)
                rows += len(frame)
        finally:
            if writer is not None:
                writer.close()
    return rows


def _pyarrow():
    """pyarrow and pyarrow.parquet, or an error saying how to get them."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as err:
        raise UsageError(f"writing Parquet needs pyarrow: pip install 'ganaug[parquet]', or write a .csv "
                         f"file instead ({err})") from None
    return pa, pq


def write_table(frame: pd.DataFrame, output: Path, replace: bool = False) -> None:
    """Write one table atomically: a temporary file in the same folder, then a rename."""
    write_table_batches([frame], output, replace)
