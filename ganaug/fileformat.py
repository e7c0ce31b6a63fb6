"""Writing files safely: atomic targets, safetensors + JSON, and checks of output paths.

Every file and folder ganaug writes goes through :func:`atomic_file` or
:func:`atomic_folder`: it is written under a hidden temporary name next to
its target and renamed into place only when complete, so a reader (or a
crash) never sees half of it. Model files and checkpoints are safetensors
files whose JSON metadata holds everything that is not a tensor; reading one
parses only tensors and JSON, so a file from someone else cannot run code.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file

from ganaug.errors import InputError, ModelFileError, UsageError, sigterm_as_interrupt
from ganaug.paths import MANIFEST_NAME, check_output, check_output_folder, ganaug_files

METADATA_KEY = "ganaug"  # the safetensors metadata entry that holds ganaug's JSON


# ---- JSON values ------------------------------------------------------------------
def json_scalar(value: Any) -> Any:
    """A label, level or column name as a JSON value (numpy scalars become Python ones)."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise InputError(f"{value!r} ({type(value).__name__}) cannot be saved: column names, labels and "
                    "category levels must be strings, numbers or booleans.")


def jsonable(value: Any) -> Any:
    """``value`` with tuples as lists and numpy scalars as Python ones, ready for ``json.dumps``."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return json_scalar(value)


# ---- atomic targets ------------------------------------------------------------------
def temporary_name(target: Path) -> Path:
    """A hidden sibling of ``target`` that names this process: ``.NAME.ganaug-PID-TOKEN.tmp``."""
    return target.with_name(f".{target.name}.ganaug-{os.getpid()}-{secrets.token_hex(4)}.tmp")


_TEMPORARY = re.compile(r"^\.(?P<target>.+)\.ganaug-(?P<pid>\d+)-[0-9a-f]{8}\.tmp$")


def remove_stale_temporaries(target: Path) -> list[Path]:
    """Delete temporaries in ``target``'s folder left by processes that no longer run (killed mid-write).

    Only names that :func:`temporary_name` makes are touched (for any
    target in that folder, so a killed run's leftover goes the next time
    anything is written beside it), and only when the process that made
    them is gone.
    """
    removed = []
    try:
        candidates = list(target.parent.glob(".*.ganaug-*-*.tmp"))
    except OSError:  # an unreadable folder: the write itself will say so
        return removed
    for candidate in candidates:
        match = _TEMPORARY.match(candidate.name)
        if match is None:
            continue
        pid = int(match["pid"])
        if pid != os.getpid() and not _process_alive(pid):
            _remove(candidate)
            removed.append(candidate)
    return removed


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        return True
    return True


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _default_mode(folder: bool) -> int:
    # what open() or mkdir() would give under the user's umask (mkstemp/mkdtemp use 0600/0700)
    umask = os.umask(0)
    os.umask(umask)
    return (0o777 if folder else 0o666) & ~umask


@contextlib.contextmanager
def atomic_file(target: str | Path, replace: bool = False) -> Iterator[Path]:
    """Yield a temporary path to write; on success it becomes ``target`` in one step.

    ``replace=False`` never replaces an existing file: if ``target`` appeared
    meanwhile (another process), :class:`~ganaug.errors.UsageError` is
    raised and the other file is kept. ``replace=True`` swaps it atomically;
    an existing file keeps its permissions, a new one gets the umask's. On any
    error, Ctrl-C or SIGTERM, the temporary file is removed and ``target`` is as it was.
    """
    target = Path(target)
    remove_stale_temporaries(target)
    temp = temporary_name(target)
    try:
        with sigterm_as_interrupt():
            yield temp
        if not temp.exists():
            raise FileNotFoundError(f"nothing was written to {str(temp)!r}")
        mode = target.stat().st_mode & 0o777 if replace and target.exists() else _default_mode(False)
        os.chmod(temp, mode)
        if replace:
            os.replace(temp, target)  # readers see the old file or the new one, never half
        else:
            _publish_new(temp, target)
    finally:
        temp.unlink(missing_ok=True)


def _publish_new(temp: Path, target: Path) -> None:
    """Give ``temp`` the name ``target`` unless that exists (a hard link fails if it does: no race)."""
    try:
        os.link(temp, target)
    except FileExistsError:
        raise UsageError(f"{str(target)!r} was created by someone else while ganaug was writing it; "
                         "it was left as it is. Write to another path, or pass --force "
                         "(force=True) to replace it.") from None
    except OSError:  # a file system without hard links: check, then rename (a small window remains)
        if target.exists():
            raise UsageError(f"{str(target)!r} already exists; it was left as it is.") from None
        os.rename(temp, target)


@contextlib.contextmanager
def atomic_folder(target: str | Path, replace: bool = False, kind: str = "output") -> Iterator[Path]:
    """Yield a temporary folder to fill; on success it is renamed to ``target``.

    ``target`` must not exist, unless ``replace``: then the old folder is
    moved aside, the new one takes its name, and only then is the old one
    deleted, so an interrupted write leaves the old folder whole. The new
    folder gets a manifest (:data:`MANIFEST_NAME`) naming every file in it
    and ``kind``, so that a later ``--force`` can tell ganaug's folders from
    the user's (:func:`check_output_folder`).
    """
    target = Path(target)
    remove_stale_temporaries(target)
    staging = temporary_name(target)
    staging.mkdir()
    old = None
    try:
        with sigterm_as_interrupt():
            yield staging
            _write_manifest(staging, kind)
        os.chmod(staging, _default_mode(True))
        if target.exists() and not replace:
            raise UsageError(f"{str(target)!r} appeared while ganaug was writing; it was left as it is.")
        if target.exists():
            old = temporary_name(target)
            target.rename(old)
        staging.rename(target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
        if old is not None:
            if target.exists():
                shutil.rmtree(old, ignore_errors=True)
            else:  # the new folder did not take its place: put the old one back
                old.rename(target)


def _write_manifest(folder: Path, kind: str) -> None:
    files = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    (folder / MANIFEST_NAME).write_text(json.dumps({"ganaug": kind, "files": files}))


# ---- safetensors + JSON -----------------------------------------------------------------
def write_safetensors(path: str | Path, tensors: dict[str, torch.Tensor], config: dict[str, Any],
                      replace: bool = True) -> Path:
    """Write ``tensors`` with ``config`` as JSON metadata to ``path``, atomically."""
    path = Path(path)
    if path.is_dir():
        example = str(path / "model.safetensors")
        raise UsageError(f"{str(path)!r} is a folder; give a file name, e.g. {example!r}.")
    path.parent.mkdir(parents=True, exist_ok=True)
    # copies: safetensors refuses tensors that share memory (an EMA copy, tied weights)
    tensors = {k: v.detach().to("cpu", copy=True).contiguous() for k, v in tensors.items()}
    with atomic_file(path, replace=replace) as temp:
        save_file(tensors, str(temp), metadata={METADATA_KEY: json.dumps(config)})
    return path


def format_of(path: str | Path) -> str | None:
    """The ``format`` a ganaug safetensors file declares (its header only is read); None for other files."""
    try:
        with safe_open(str(path), framework="pt", device="cpu") as handle:
            config = json.loads((handle.metadata() or {})[METADATA_KEY])
    except (SafetensorError, OSError, ValueError, KeyError, RuntimeError, RecursionError):
        return None
    return config.get("format") if isinstance(config, dict) else None


def read_safetensors(path: str | Path, file_format: str, newest_version: int, what: str = "model",
                     error: type[Exception] = ModelFileError, hint: str = "",
                     ) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
    """``(config, tensors)`` of a file written by :func:`write_safetensors` whose config says ``file_format``.

    Raises ``error`` (a :class:`~ganaug.errors.ModelFileError` by default),
    its message naming the file as a ganaug ``what`` file and ending in
    ``hint``, for a missing path, anything but a regular file, a file that
    is not safetensors, one without ganaug's metadata, one of another
    format, or one whose ``format_version`` is newer than ``newest_version``.
    """
    path = Path(path)
    name = str(path)
    if not path.exists():
        raise error(f"{what} file {name!r} does not exist.{hint}")
    if not path.is_file():
        raise error(f"{name!r} is not a regular file (a folder, device or pipe); give a .safetensors "
                    f"{what} file.{hint}")
    try:
        with safe_open(name, framework="pt", device="cpu") as handle:
            metadata = handle.metadata() or {}
            tensors = {key: handle.get_tensor(key) for key in handle.keys()}  # noqa: SIM118
    except (SafetensorError, OSError, ValueError, RuntimeError) as err:
        raise error(f"{name!r} is not a ganaug {what} file, or it is damaged: {err}.{hint}") from None
    try:
        config = json.loads(metadata[METADATA_KEY])
    except (KeyError, json.JSONDecodeError, RecursionError):
        raise error(f"{name!r} is a safetensors file but not a ganaug {what} file (no ganaug "
                    f"configuration in its metadata).{hint}") from None
    if not isinstance(config, dict) or config.get("format") != file_format:
        found = config.get("format") if isinstance(config, dict) else type(config).__name__
        raise error(f"{name!r} holds {found!r}, not {file_format!r}.{hint}")
    version = config.get("format_version", 0)
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise error(f"{name!r} has an invalid format_version {version!r}.{hint}")
    if version > newest_version:
        raise error(f"{name!r} was saved by ganaug {config.get('ganaug_version')} in {what} format "
                    f"{version}; this ganaug reads format {newest_version} and older. Upgrade ganaug to "
                    "load it.")
    return config, tensors


__all__ = ["MANIFEST_NAME", "atomic_file", "atomic_folder", "check_output", "check_output_folder",
           "format_of", "ganaug_files", "json_scalar", "jsonable", "read_safetensors",
           "remove_stale_temporaries", "temporary_name", "write_safetensors"]
