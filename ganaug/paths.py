"""Checks of paths before anything is read or written: inputs that say exactly what is wrong (missing,
a folder, a pipe, unreadable) and outputs that would overwrite something of the user's.

Standard library only: the command line runs these before it imports torch,
so a mistyped path is reported at once.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

from ganaug.errors import UsageError

TABLE_SUFFIXES = (".csv", ".parquet", ".pq")  # the table files ganaug reads and writes


def check_input_file(path: str | Path, what: str = "input file", suffixes: tuple[str, ...] = ()) -> Path:
    """``path`` when it is a readable regular file (of one of ``suffixes``); else a UsageError saying why."""
    path = Path(path)
    kind = _kind(path)
    if kind == "missing":
        raise UsageError(f"{what} {str(path)!r} does not exist.")
    if kind == "folder":
        raise UsageError(f"{what} {str(path)!r} is a folder; give a file"
                         f"{' (' + ', '.join(suffixes) + ')' if suffixes else ''}.")
    if kind != "file":
        raise UsageError(f"{what} {str(path)!r} is a {kind}, not a regular file; save the data to a file "
                         "first (ganaug reads its input more than once).")
    if suffixes and path.suffix.lower() not in suffixes:
        raise UsageError(f"{what} {str(path)!r}: ganaug reads {', '.join(suffixes)} files.")
    if not os.access(path, os.R_OK):
        raise UsageError(f"{what} {str(path)!r} cannot be read (permission denied).")
    return path


def check_input_folder(path: str | Path, what: str = "image folder") -> Path:
    """``path`` when it is a readable folder; else a UsageError that says why."""
    path = Path(path)
    kind = _kind(path)
    if kind == "missing":
        raise UsageError(f"{what} {str(path)!r} does not exist.")
    if kind != "folder":
        raise UsageError(f"{what} {str(path)!r} is a {kind}, not a folder; give the folder that holds one "
                         "subfolder of images per class.")
    if not os.access(path, os.R_OK | os.X_OK):
        raise UsageError(f"{what} {str(path)!r} cannot be read (permission denied).")
    return path


def _kind(path: Path) -> str:
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return "missing"
    except OSError as err:  # a broken link, a name too long, ...
        return f"path that cannot be opened ({err.strerror})"
    if stat.S_ISDIR(mode):
        return "folder"
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISFIFO(mode):
        return "pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "device"


# ---- outputs ----------------------------------------------------------------------
MANIFEST_NAME = ".ganaug-output.json"  # in every folder ganaug writes: which files are ganaug's


def check_output(output: str | Path, inputs: list[str | Path], force: bool,
                 suffixes: tuple[str, ...], force_hint: str = "pass --force") -> Path:
    """The output path, after refusing a wrong suffix, an input file, or an existing file unless ``force``."""
    output = Path(output)
    if output.suffix.lower() not in suffixes:
        raise UsageError(f"output {str(output)!r} must end in {', '.join(suffixes)}.")
    if output.exists() and output.is_dir():
        raise UsageError(f"output {str(output)!r} is a folder; give a file name.")
    for source in inputs:
        if Path(source).exists() and output.exists() and output.samefile(source) \
                or output.resolve() == Path(source).resolve():
            raise UsageError(f"output {str(output)!r} is the input file; write to a new path.")
    if output.exists() and not force:
        raise UsageError(f"output {str(output)!r} already exists; {force_hint} to overwrite it.")
    if not output.parent.is_dir():
        raise UsageError(f"the folder {str(output.parent)!r} of the output does not exist; create it first "
                         f"(mkdir -p {output.parent}).")
    return output


def ganaug_files(folder: Path) -> set[str] | None:
    """The files a folder's manifest says ganaug wrote (relative paths), or None without a valid manifest."""
    try:
        manifest = json.loads((folder / MANIFEST_NAME).read_text())
    except (OSError, ValueError, RecursionError):
        return None
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        return None
    return set(files)


def check_output_folder(folder: str | Path, inputs: list[str | Path], force: bool,
                        what: str = "output folder", legacy: Any = None,
                        create_parents: bool = False) -> Path:
    """The absolute output folder, after refusing what would lose or overwrite something of the user's.

    Refused with or without ``force``: a file; a folder that holds, or lies
    inside, one of ``inputs``; the working folder or one above it. Refused
    without ``force``: a folder that is not empty. With ``force`` a used
    folder is replaced only when every file in it is one ganaug wrote there
    (its manifest lists it, or ``legacy(folder)`` says it is a folder of an
    older ganaug); a folder with anything else in it is never replaced.
    ``create_parents``: missing parent folders will be made (else refused).
    """
    shown_name = str(folder)
    folder = Path(folder).absolute()
    resolved = folder.resolve()
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{what} {shown_name!r} is a file; give a folder name.")
    for source in inputs:
        source = Path(source).resolve()
        if resolved == source or resolved in source.parents or source in resolved.parents:
            raise UsageError(f"{what} {shown_name!r} overlaps the input {str(source)!r}; write to a separate "
                             "new folder (the input is never written into, --force or not).")
    cwd = Path.cwd().resolve()
    if resolved == cwd or resolved in cwd.parents:
        raise UsageError(f"{what} {shown_name!r} is the working folder (or holds it); give the name of a new "
                         "folder for ganaug to create, e.g. -o report/.")
    if not create_parents and not folder.parent.is_dir():
        raise UsageError(f"the folder {str(folder.parent)!r} of the {what} does not exist; create it first "
                         f"(mkdir -p {folder.parent}).")
    if folder.is_dir() and any(folder.iterdir()):
        if not force:
            raise UsageError(f"{what} {shown_name!r} already exists and is not empty; choose a new folder, "
                             "or pass --force (force=True) to replace a folder ganaug wrote earlier.")
        foreign = _foreign_files(folder, legacy)
        if foreign:
            raise UsageError(f"{what} {shown_name!r} holds files ganaug did not write there "
                             f"({', '.join(map(repr, foreign[:3]))}{', ...' if len(foreign) > 3 else ''}); "
                             "--force only replaces a folder ganaug wrote, never the user's files. Choose a "
                             "new folder.")
    return folder


def _foreign_files(folder: Path, legacy: Any) -> list[str]:
    """Files (and links, pipes, ...) in ``folder`` that no ganaug manifest lists; [] for a legacy folder."""
    present = sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                     if (not p.is_dir() or p.is_symlink()) and p.name != MANIFEST_NAME)
    listed = ganaug_files(folder)
    if listed is None:
        if legacy is not None and legacy(folder):
            return []
        return present or sorted(p.name for p in folder.iterdir())
    return [name for name in present if name not in listed]
