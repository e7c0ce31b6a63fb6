"""Reading and writing tables for the CLI: atomic writes, nothing overwritten by accident."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

SUFFIXES = (".csv", ".parquet", ".pq")


class UsageError(ValueError):
    """A command-line argument cannot be used; the message says how to fix it."""


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


def check_output(output: str | Path, inputs: list[str | Path], force: bool,
                 suffixes: tuple[str, ...] = SUFFIXES) -> Path:
    """Refuse to overwrite an input, or an existing file unless ``force``."""
    output = Path(output)
    if output.suffix.lower() not in suffixes:
        raise UsageError(f"output {str(output)!r} must end in {', '.join(suffixes)}.")
    for source in inputs:
        if Path(source).exists() and output.exists() and output.samefile(source) \
                or output.resolve() == Path(source).resolve():
            raise UsageError(f"output {str(output)!r} is the input file; write to a new path.")
    if output.exists() and not force:
        raise UsageError(f"output {str(output)!r} already exists; pass --force to overwrite it.")
    return output


def write_table_batches(frames: Iterable[pd.DataFrame], output: Path) -> int:
    """Write a stream of same-columned tables as one CSV/Parquet file, atomically; returns the rows.

    Only one batch is in memory at a time: CSV batches are appended,
    Parquet batches become row groups.
    """
    output.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.", suffix=".tmp")
    os.close(handle)
    rows, writer = 0, None
    try:
        for frame in frames:
            if output.suffix.lower() == ".csv":
                frame.to_csv(tmp, index=False, mode="a" if rows else "w", header=not rows)
            else:
                import pyarrow as pa
                import pyarrow.parquet as pq

                batch = pa.Table.from_pandas(frame, preserve_index=False)
                writer = writer or pq.ParquetWriter(tmp, batch.schema)
                writer.write_table(batch)
            rows += len(frame)
        if writer is not None:
            writer.close()
        os.replace(tmp, output)
    except BaseException:
        if writer is not None:
            writer.close()
        Path(tmp).unlink(missing_ok=True)
        raise
    return rows


def write_table(frame: pd.DataFrame, output: Path) -> None:
    """Write atomically: a temporary file in the same folder, then a rename."""
    write_table_batches([frame], output)
