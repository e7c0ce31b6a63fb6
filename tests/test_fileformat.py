"""Atomic targets, no-clobber writes, stale temporaries and file modes (ganaug.fileformat)."""

import os
import signal
import subprocess
import sys
import textwrap

import pytest
import torch

from ganaug.errors import UsageError
from ganaug.fileformat import (
    atomic_file,
    atomic_folder,
    format_of,
    read_safetensors,
    remove_stale_temporaries,
    temporary_name,
    write_safetensors,
)


def test_a_target_created_meanwhile_is_kept_and_the_writer_refused(tmp_path):
    target = tmp_path / "rows.csv"
    with pytest.raises(UsageError, match="created by someone else"), atomic_file(target) as temp:
        temp.write_text("mine\n")
        target.write_text("theirs\n")  # another process got there first
    assert target.read_text() == "theirs\n"
    assert list(tmp_path.iterdir()) == [target]  # no temporary left


def test_replace_swaps_in_one_step_and_keeps_the_mode(tmp_path):
    target = tmp_path / "rows.csv"
    target.write_text("old\n")
    os.chmod(target, 0o600)
    with atomic_file(target, replace=True) as temp:
        temp.write_text("new\n")
    assert target.read_text() == "new\n" and target.stat().st_mode & 0o777 == 0o600


def test_new_files_and_folders_follow_the_umask(tmp_path):
    old = os.umask(0o027)
    try:
        with atomic_file(tmp_path / "f.csv") as temp:
            temp.write_text("x")
        with atomic_folder(tmp_path / "folder") as staging:
            (staging / "a").mkdir()
    finally:
        os.umask(old)
    assert (tmp_path / "f.csv").stat().st_mode & 0o777 == 0o640
    assert (tmp_path / "folder").stat().st_mode & 0o777 == 0o750


def test_an_error_mid_write_leaves_the_target_as_it_was(tmp_path):
    target = tmp_path / "rows.csv"
    target.write_text("kept\n")
    with pytest.raises(RuntimeError), atomic_file(target, replace=True) as temp:
        temp.write_text("half")
        raise RuntimeError("disk full")
    assert target.read_text() == "kept\n" and list(tmp_path.iterdir()) == [target]


def test_temporaries_of_dead_writers_are_removed_and_others_kept(tmp_path):
    target = tmp_path / "rows.csv"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    stale = tmp_path / f".rows.csv.ganaug-{dead}-abcd1234.tmp"
    stale.write_text("left by a killed process")
    mine = temporary_name(target)
    mine.write_text("being written by this process")
    other_file = tmp_path / ".rows.csv.keep"  # not a name ganaug makes
    other_file.write_text("the user's")
    assert remove_stale_temporaries(target) == [stale]
    assert mine.exists() and other_file.exists() and not stale.exists()


def test_sigterm_during_a_write_removes_the_temporary(tmp_path):
    target = tmp_path / "big.csv"
    script = textwrap.dedent(f"""
        import time
        from ganaug.fileformat import atomic_file
        with atomic_file({str(target)!r}) as temp:
            temp.write_text("partial")
            print("writing", flush=True)
            time.sleep(60)
    """)
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "writing"
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)
    assert process.returncode != 0
    assert list(tmp_path.iterdir()) == []  # neither the target nor the temporary


def test_safetensors_round_trip_and_format(tmp_path):
    path = write_safetensors(tmp_path / "m.safetensors", {"w": torch.ones(2, 3)}, {"format": "x", "a": [1]})
    config, tensors = read_safetensors(path, "x", 1)
    assert config["a"] == [1] and torch.equal(tensors["w"], torch.ones(2, 3))
    assert format_of(path) == "x" and format_of(tmp_path / "missing") is None
    with pytest.raises(UsageError, match="is a folder"):
        write_safetensors(tmp_path, {"w": torch.ones(1)}, {"format": "x"})
