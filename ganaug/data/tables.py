"""Table files in and out: CSV and Parquet, read with errors that name the file, written atomically."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from ganaug.errors import UsageError
from ganaug.fileformat import atomic_file

SUFFIXES = (".csv", ".parquet", ".pq")


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV or Parquet file, with errors that name the file."""
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"input file {str(path)!r} does not exist.")
    if path.suffix.lower() not in SUFFIXES:
        raise UsageError(f"{str(path)!r}: ganaug reads {', '.join(SUFFIXES)} files.")
    try:
        if path.suffix.lower() == ".csv":
            return pd.read_csv(path)
        return pd.read_parquet(path)
    except ImportError as err:
        raise UsageError(f"reading Parquet needs pyarrow: pip install 'ganaug[parquet]' ({err})") from err
    except (OSError, ValueError, pd.errors.ParserError) as err:
        raise UsageError(f"cannot read {str(path)!r}: {err}") from err


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
                    import pyarrow as pa
                    import pyarrow.parquet as pq

                    batch = pa.Table.from_pandas(frame, preserve_index=False)
                    writer = writer or pq.ParquetWriter(temp, batch.schema)
                    writer.write_table(batch)
                rows += len(frame)
        finally:
            if writer is not None:
                writer.close()
    return rows


def write_table(frame: pd.DataFrame, output: Path, replace: bool = False) -> None:
    """Write one table atomically: a temporary file in the same folder, then a rename."""
    write_table_batches([frame], output, replace)
