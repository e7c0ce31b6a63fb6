"""Snapshots, checkpoints, resume and roll-back (ganaug.training.checkpoints)."""

import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
import torch

import ganaug.training.engine as engine
import ganaug.training.loop as adversarial
from ganaug import GANOverSampler
from ganaug.errors import CheckpointError, TrainingInterrupted

SETTINGS = {"backend": "wgan-gp", "epochs": 8, "batch_size": 16, "random_state": 0, "device": "cpu",
            "checkpoint_every": 2}


def interrupt_at_step(monkeypatch, step):
    """Make the generator step number ``step`` raise KeyboardInterrupt, as Ctrl-C would."""
    real = adversarial.AdversarialBackend.generator_step
    calls = {"n": 0}

    def step_or_interrupt(self):
        calls["n"] += 1
        if calls["n"] == step:
            raise KeyboardInterrupt
        return real(self)

    monkeypatch.setattr(adversarial.AdversarialBackend, "generator_step", step_or_interrupt)
    return lambda: monkeypatch.setattr(adversarial.AdversarialBackend, "generator_step", real)


def nan_at_steps(monkeypatch, steps):
    real = adversarial.AdversarialBackend.critic_step
    calls = {"n": 0}

    def step(self):
        calls["n"] += 1
        loss = real(self)
        return loss * float("nan") if calls["n"] in steps else loss

    monkeypatch.setattr(adversarial.AdversarialBackend, "critic_step", step)


@pytest.mark.parametrize("conditioning, step", [("conditional", 19), ("per-class", 6)])
def test_interrupt_then_resume_equals_an_uninterrupted_run(table, tmp_path, monkeypatch, conditioning, step):
    X, y = table
    # the same run uninterrupted: with a checkpoint too (per-class models then train one at a time)
    expected, _ = GANOverSampler(**SETTINGS, conditioning=conditioning,
                                 checkpoint=tmp_path / "whole.safetensors").fit_resample(X, y)
    ckpt = tmp_path / "run.safetensors"
    undo = interrupt_at_step(monkeypatch, step)
    with pytest.raises(TrainingInterrupted, match="saved the state after epoch 4.*resume"):
        GANOverSampler(**SETTINGS, conditioning=conditioning, checkpoint=ckpt).fit_resample(X, y)
    undo()
    assert any(tmp_path.iterdir())
    resumed = GANOverSampler(**SETTINGS, conditioning=conditioning, checkpoint=ckpt)
    got, _ = resumed.fit_resample(X, y, resume=True)
    pd.testing.assert_frame_equal(got, expected)
    assert all(len(m.history_) == 8 for m in resumed.backends_.values())


def test_interrupt_without_checkpoint_says_nothing_was_saved(table, monkeypatch):
    X, y = table
    interrupt_at_step(monkeypatch, 3)
    with pytest.raises(TrainingInterrupted, match="nothing was saved.*ganaug train"):
        GANOverSampler(**SETTINGS).fit_resample(X, y)


def test_an_interrupted_image_fit_points_at_the_python_checkpoint_not_ganaug_train(monkeypatch):
    from ganaug.testing import tiny_images

    X, y = tiny_images()
    interrupt_at_step(monkeypatch, 2)
    with pytest.raises(TrainingInterrupted, match="nothing was saved") as caught:
        GANOverSampler(**{**SETTINGS, "backend": "dcgan", "epochs": 2}).fit_resample(X, y)
    assert "checkpoint=PATH" in str(caught.value) and "ganaug train" not in str(caught.value)


def test_interrupt_between_steps_still_saves_and_says_so(table, tmp_path, monkeypatch):
    # a stop that lands in the epoch's bookkeeping (here: while the second checkpoint is written)
    X, y = table
    ckpt = tmp_path / "run.safetensors"
    real = engine.write_checkpoint
    calls = {"n": 0}

    def write_or_interrupt(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(engine, "write_checkpoint", write_or_interrupt)
    with pytest.raises(TrainingInterrupted, match="saved the state after epoch 4.*resume"):
        GANOverSampler(**SETTINGS, checkpoint=ckpt).fit_resample(X, y)
    assert ckpt.exists()


def test_resume_refuses_a_checkpoint_of_another_run(table, tmp_path):
    X, y = table
    ckpt = tmp_path / "run.safetensors"
    GANOverSampler(**SETTINGS, checkpoint=ckpt).fit_resample(X, y)
    with pytest.raises(CheckpointError, match="belongs to another run"):
        GANOverSampler(**{**SETTINGS, "random_state": 1}, checkpoint=ckpt).fit_resample(X, y, resume=True)
    ckpt.write_bytes(b"garbage")
    with pytest.raises(CheckpointError, match="damaged"):
        GANOverSampler(**SETTINGS, checkpoint=ckpt).fit_resample(X, y, resume=True)
    with pytest.raises(ValueError, match="needs the checkpoint file"):
        GANOverSampler(**SETTINGS).fit_resample(X, y, resume=True)


def test_resume_without_a_checkpoint_trains_from_the_start(table, tmp_path):
    X, y = table
    fresh, _ = GANOverSampler(**SETTINGS).fit_resample(X, y)
    resumed, _ = GANOverSampler(**SETTINGS, checkpoint=tmp_path / "none.safetensors").fit_resample(
        X, y, resume=True)
    pd.testing.assert_frame_equal(fresh, resumed)


def test_divergence_rolls_back_with_a_lower_learning_rate(table, monkeypatch):
    X, y = table
    nan_at_steps(monkeypatch, {70})  # 5 critic steps x 4 per epoch: epoch 4
    sampler = GANOverSampler(**SETTINGS)
    learning_rates = []  # the generator's, at the end of the run (its optimiser is dropped after)
    monkeypatch.setattr(adversarial.AdversarialBackend, "on_fit_end", lambda self: learning_rates.append(
        self.fit_state.opt_g.param_groups[0]["lr"]))
    with pytest.warns(RuntimeWarning, match="rolled back to epoch 2 and halved the learning rates"):
        X_res, _ = sampler.fit_resample(X, y)
    model = next(iter(sampler.backends_.values()))
    assert len(model.history_) == 8
    assert learning_rates == [pytest.approx(model.options.lr_generator / 2)]
    assert X_res.notna().all().all()


def test_persistent_divergence_stops_with_a_clear_error(table, monkeypatch):
    X, y = table
    nan_at_steps(monkeypatch, set(range(10_000)))
    with pytest.warns(RuntimeWarning), pytest.raises(FloatingPointError, match="after 3 roll-backs") as err:
        GANOverSampler(**SETTINGS).fit_resample(X, y)
    assert "'wgan-gp' or 'ctgan'" not in str(err.value)  # it is one: the advice is about the data
    assert "extreme values" in str(err.value)
    with pytest.warns(RuntimeWarning), pytest.raises(FloatingPointError) as err:
        GANOverSampler(**{**SETTINGS, "backend": "cgan"}).fit_resample(X, y)
    assert "use a backend with a gradient penalty, 'wgan-gp' or 'ctgan'" in str(err.value)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_killed_training_process_resumes_to_a_valid_model(table, tmp_path):
    """A `ganaug train` process killed mid-run; `--resume` finishes with a usable model."""
    X, y = table
    data = tmp_path / "data.csv"
    X.assign(label=y).to_csv(data, index=False)
    model, ckpt = tmp_path / "model.safetensors", tmp_path / "model.ckpt.safetensors"
    args = [sys.executable, "-m", "ganaug.cli", "train", str(data), "--target", "label", "-o", str(model),
            "--epochs", "40", "--batch-size", "16", "--checkpoint-every", "10"]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while not ckpt.exists() and time.time() < deadline and process.poll() is None:
        time.sleep(0.05)
    assert ckpt.exists(), process.stderr.read().decode() if process.poll() is not None else "no checkpoint"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert not model.exists()
    done = subprocess.run([*args, "--resume"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    loaded = GANOverSampler.load(model)
    rows, labels = loaded.generate({"rare": 5})
    assert len(rows) == 5 and rows.notna().all().all() and set(labels) == {"rare"}
    assert not ckpt.exists()  # a finished run cleans up its checkpoint
    assert torch.isfinite(torch.tensor(rows["height"].to_numpy())).all()
