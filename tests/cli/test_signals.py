"""Stopped commands: SIGTERM (as `timeout`, Docker and Kubernetes stop them) and SIGKILL.

Whatever the moment, no partial file appears at the target; SIGTERM during
training saves a checkpoint that ``--resume`` continues from; the next run
leaves no temporary file of a killed one behind.
"""

import os
import signal
import subprocess
import sys
import time

import pytest

from ganaug import GANOverSampler
from ganaug.testing import tiny_table

TIMEOUT = 120


def ganaug(*args, cwd):
    return subprocess.Popen([sys.executable, "-m", "ganaug.cli", *map(str, args)], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})


def wait_for(condition, what):
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def temporaries(folder):
    return sorted(p.name for p in folder.iterdir() if ".ganaug-" in p.name)


def train_args(csv, folder, *extra):
    # long enough that the stop lands mid-run; a checkpoint every 10 epochs (each is a synced file write)
    return ("train", csv, "--target", "label", "-o", folder / "model.safetensors", "--epochs", "200",
            "--batch-size", "64", "--checkpoint-every", "10", *extra)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_train_stopped_keeps_its_checkpoint_and_resumes(csv, tmp_path, stop):
    checkpoint = tmp_path / "model.ckpt.safetensors"
    process = ganaug(*train_args(csv, tmp_path), cwd=tmp_path)
    wait_for(checkpoint.exists, "the first checkpoint")
    process.send_signal(stop)
    _, err = process.communicate(timeout=TIMEOUT)
    assert not (tmp_path / "model.safetensors").exists()
    assert checkpoint.exists()
    if stop == signal.SIGTERM:
        assert process.returncode == 130 and "saved the state after epoch" in err and "--resume" in err
    resumed = ganaug(*train_args(csv, tmp_path, "--resume"), cwd=tmp_path)
    out, err = resumed.communicate(timeout=TIMEOUT)
    assert resumed.returncode == 0, err
    assert (tmp_path / "model.safetensors").exists() and not checkpoint.exists()
    assert temporaries(tmp_path) == []


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_sample_stopped_mid_write_leaves_no_partial_file(tmp_path, stop):
    model = GANOverSampler(epochs=1, batch_size=16, random_state=0).fit(*tiny_table()).save(
        tmp_path / "model.safetensors")
    target = tmp_path / "rows.csv"
    process = ganaug("sample", model, "-o", target, "--counts", "minor=50000000", "--batch-rows", "20000",
                     cwd=tmp_path)
    wait_for(lambda: temporaries(tmp_path), "the temporary file")
    process.send_signal(stop)
    process.communicate(timeout=TIMEOUT)
    assert not target.exists()
    assert temporaries(tmp_path) == ([] if stop == signal.SIGTERM else temporaries(tmp_path))
    again = ganaug("sample", model, "-o", target, "--counts", "minor=10", cwd=tmp_path)
    assert again.communicate(timeout=TIMEOUT) and again.returncode == 0
    assert target.exists() and temporaries(tmp_path) == []  # a killed writer's temporary is cleaned too


def test_resample_stopped_while_training_writes_nothing(csv, tmp_path):
    target = tmp_path / "balanced.csv"
    process = ganaug("resample", csv, "--target", "label", "-o", target, "--epochs", "100000", "-v",
                     cwd=tmp_path)
    wait_for(lambda: process.stderr.readline() != "", "training to start")
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=TIMEOUT)
    assert process.returncode == 130 and not target.exists() and temporaries(tmp_path) == []
