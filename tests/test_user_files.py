"""Nothing of the user's is overwritten, deleted or silently changed (hardening round three).

Each test puts a file or folder of the user's where a careless command line
would write, runs the command, and checks that the user's bytes are all
still there: reports and image folders are written whole or not at all,
``--force`` replaces only what ganaug wrote, and an output that would
overwrite an input is refused with or without ``--force``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from ganaug import GANOverSampler
from ganaug.cli import main
from ganaug.data.folders import read_image_folder, write_image_folder
from ganaug.errors import CheckpointError, InputError
from ganaug.fileformat import MANIFEST_NAME, atomic_file, temporary_name
from ganaug.testing import tiny_images, tiny_table

FAST = ["--epochs", "1", "--batch-size", "16", "-q"]


def snapshot(folder):
    """``{relative path: bytes}`` of every file under ``folder``."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def run(argv, capsys):
    code = main([str(a) for a in argv])
    return code, capsys.readouterr().err


# ---- reports ------------------------------------------------------------------------------------
EVALUATE = ["--samplers", "none,ros", "--classifiers", "tree", "--folds", "2", "--repeats", "1", "-q"]


def test_a_report_never_overwrites_its_own_input(tmp_path, csv, capsys):
    assert run(["evaluate", csv, "--target", "label", "-o", tmp_path / "rep", *EVALUATE], capsys)[0] == 0
    results = tmp_path / "rep" / "results.csv"
    results_copy = tmp_path / "results-input.csv"
    pd.read_csv(results).assign(label=lambda f: np.where(f.index % 2, "a", "b")).to_csv(results_copy)
    results_copy.replace(results)  # the user now evaluates a file that lies in the report folder
    before = snapshot(tmp_path / "rep")
    code, err = run(["evaluate", results, "--target", "label", "-o", tmp_path / "rep", "--force",
                     *EVALUATE], capsys)
    assert code == 2 and "overlaps the input" in err, err
    assert snapshot(tmp_path / "rep") == before


def test_force_never_replaces_files_ganaug_did_not_write(tmp_path, csv, capsys, monkeypatch):
    work = tmp_path / "thesis"
    work.mkdir()
    (work / "summary.md").write_text("my own summary")
    (work / "report.html").write_text("<p>my own report</p>")
    (work / "chapter1.tex").write_text("precious")
    before = snapshot(work)
    code, err = run(["evaluate", csv, "--target", "label", "-o", work, "--force", *EVALUATE], capsys)
    assert code == 2 and "did not write" in err, err
    monkeypatch.chdir(work)  # -o . is the working folder: never replaced
    code, err = run(["evaluate", csv, "--target", "label", "-o", ".", "--force", *EVALUATE], capsys)
    assert code == 2 and "working folder" in err, err
    assert snapshot(work) == before


def test_force_replaces_a_report_ganaug_wrote_and_only_that(tmp_path, csv, capsys):
    out = tmp_path / "rep"
    assert run(["evaluate", csv, "--target", "label", "-o", out, *EVALUATE], capsys)[0] == 0
    assert (out / MANIFEST_NAME).exists() and (out / "summary.md").exists()
    assert run(["evaluate", csv, "--target", "label", "-o", out, *EVALUATE], capsys)[0] == 2  # no --force
    assert run(["evaluate", csv, "--target", "label", "-o", out, "--force", *EVALUATE], capsys)[0] == 0
    (out / "notes.txt").write_text("the user's notes, added to the report folder")
    code, err = run(["evaluate", csv, "--target", "label", "-o", out, "--force", *EVALUATE], capsys)
    assert code == 2 and "notes.txt" in err
    assert (out / "notes.txt").read_text().startswith("the user's notes")


def test_an_old_report_folder_without_a_manifest_can_still_be_replaced(tmp_path, csv, capsys):
    out = tmp_path / "old"
    out.mkdir()
    for name in ("results.csv", "summary.md", "report.html", "metrics.png"):
        (out / name).write_text("an old report")
    assert run(["evaluate", csv, "--target", "label", "-o", out, "--force", *EVALUATE], capsys)[0] == 0
    assert (out / "summary.md").read_text() != "an old report"


def test_a_report_is_written_whole_or_not_at_all(tmp_path, monkeypatch):
    from ganaug.evaluation import reports

    results = pd.DataFrame({"dataset": "d", "sampler": ["none", "ros"] * 4, "classifier": "tree",
                            "fold": np.repeat(range(4), 2), "metric": "g_mean", "value": np.linspace(0, 1, 8),
                            "fit_seconds": 0.0})

    def fails(*args, **kwargs):
        raise KeyboardInterrupt  # as if killed while the HTML is written

    monkeypatch.setattr(reports, "html_report", fails)
    with pytest.raises(KeyboardInterrupt):
        reports.report(results, tmp_path / "rep")
    assert not (tmp_path / "rep").exists()
    assert list(tmp_path.iterdir()) == []  # no hidden staging folder left either


# ---- image folders --------------------------------------------------------------------------------
def image_folder(root, n_major=6, n_minor=3, names=None):
    images, labels = tiny_images(n_major=n_major, n_minor=n_minor)
    for i, (image, label) in enumerate(zip(images, labels)):
        (root / label).mkdir(parents=True, exist_ok=True)
        name = names(i) if names else f"img_{i:03d}.png"
        Image.fromarray(image).save(root / label / name)
    return root


def test_synthetic_images_never_take_the_name_of_an_original(tmp_path):
    # an earlier output: each class holds the names the new synthetic images of that class would get
    source = image_folder(tmp_path / "in", names=lambda i: f"synthetic_{i + 4:06d}.png")
    images, labels, files = read_image_folder(source)
    grown = np.concatenate([images, images[-4:]])
    grown_labels = np.concatenate([labels, labels[-4:]])
    out = write_image_folder(grown, grown_labels, tmp_path / "out", originals=files)
    counts = {c.name: len(list(c.glob("*.png"))) for c in out.iterdir() if c.is_dir()}
    assert sum(counts.values()) == len(grown)  # every original kept, every synthetic image beside them
    for file in files:
        assert (out / file.parent.name / file.name).read_bytes() == file.read_bytes()


def test_resample_images_force_never_empties_a_folder_of_the_users(tmp_path, capsys):
    source = image_folder(tmp_path / "in")
    thesis = tmp_path / "thesis"
    thesis.mkdir()
    (thesis / "draft.tex").write_text("two years of work")
    code, err = run(["resample-images", source, "-o", thesis, "--force", "--backend", "dcgan", "--option",
                     "width=4", *FAST], capsys)
    assert code == 2 and "did not write" in err, err
    assert (thesis / "draft.tex").read_text() == "two years of work"


def test_hidden_folders_are_no_class(tmp_path):
    source = image_folder(tmp_path / "in")
    (source / ".ipynb_checkpoints").mkdir()
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(source / ".ipynb_checkpoints" / "x.png")
    (source / "major" / ".hidden.png").write_bytes((source / "major" / "img_000.png").read_bytes())
    _, labels, files = read_image_folder(source)
    assert set(labels) == {"major", "minor", "rare"} and len(files) == 6 + 3 + 1


def test_16_bit_images_are_scaled_not_clipped(tmp_path):
    for label in ("a", "b"):
        (tmp_path / label).mkdir()
        for i in range(2):
            pixels = (np.arange(64, dtype=np.uint16).reshape(8, 8) * 1000)
            Image.fromarray(pixels).save(tmp_path / label / f"{i}.png")
    assert Image.open(tmp_path / "a" / "0.png").mode.startswith("I")
    with pytest.warns(UserWarning, match="16-bit"):
        images, _, _ = read_image_folder(tmp_path)
    assert images.min() == 0 and 240 <= images.max() <= 255 and len(np.unique(images)) > 32


# ---- model files, checkpoints, temporaries ------------------------------------------------------
def test_train_force_never_deletes_a_checkpoint_the_user_named(tmp_path, csv, capsys):
    other = tmp_path / "other-run.ckpt.safetensors"
    other.write_bytes(b"another run's checkpoint")
    code, err = run(["train", csv, "--target", "label", "-o", tmp_path / "m.safetensors", "--checkpoint",
                     other, "--force", *FAST], capsys)
    assert code == 2 and "--force never replaces a checkpoint you named" in err, err
    assert other.read_bytes() == b"another run's checkpoint"


def test_resuming_from_a_model_file_does_not_advise_deleting_it(tmp_path):
    X, y = tiny_table()
    model = GANOverSampler(epochs=1, batch_size=16, random_state=0, device="cpu").fit(X, y)
    path = model.save(tmp_path / "model.safetensors")
    with pytest.raises(CheckpointError) as caught:
        GANOverSampler(epochs=1, batch_size=16, random_state=0, device="cpu", checkpoint=path).fit(
            X, y, resume=True)
    assert "Delete it" not in str(caught.value) and "checkpoint file" in str(caught.value)
    assert GANOverSampler.load(path).generate({"minor": 2})[0].shape[0] == 2


def test_a_killed_writer_leaves_no_temporary_behind_the_next_write(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    leftover = temporary_name(tmp_path / "rows.csv").with_name(
        f".rows.csv.ganaug-{dead.stdout.strip()}-0badc0de.tmp")
    leftover.write_bytes(b"x" * 1000)
    with atomic_file(tmp_path / "other.csv") as temp:  # another target in the same folder
        temp.write_text("a\n")
    assert not leftover.exists()
    assert (tmp_path / "other.csv").read_text() == "a\n"


# ---- tables -----------------------------------------------------------------------------------------
def test_a_feature_named_like_the_label_is_never_overwritten(tmp_path):
    X, y = tiny_table()
    X = X.assign(label=np.arange(len(X)) % 3)  # a feature called "label"; y is unnamed
    model = GANOverSampler(epochs=1, batch_size=16, random_state=0, device="cpu").fit(X, y.to_numpy())
    with pytest.raises(InputError, match="feature column named 'label'"):
        next(model.labelled_batches({"minor": 3}))
    with pytest.raises(InputError, match="label_column"):
        model.generate_to(tmp_path / "rows.csv", {"minor": 3})
    assert not (tmp_path / "rows.csv").exists()
    rows = pd.read_csv(model.generate_to(tmp_path / "rows.csv", {"minor": 3}, label_column="class"))
    assert set(rows["class"]) == {"minor"} and set(rows["label"]) <= {0, 1, 2}


def test_resample_keeps_the_label_column_where_it_was(tmp_path, capsys):
    X, y = tiny_table()
    frame = X.copy()
    frame.insert(1, "label", y)
    frame.to_csv(tmp_path / "in.csv", index=False)
    assert run(["resample", tmp_path / "in.csv", "--target", "label", "-o", tmp_path / "out.csv", *FAST],
               capsys)[0] == 0
    assert list(pd.read_csv(tmp_path / "out.csv").columns) == list(frame.columns)


def test_a_recipe_never_replaces_an_output_without_force(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    recipe = tmp_path / "r.toml"
    recipe.write_text(textwrap.dedent("""
        task = "resample"
        dataset = "wine"
        output = "wine_balanced.csv"
        epochs = 1
        batch_size = 16
        random_state = 0
    """))
    (tmp_path / "wine_balanced.csv").write_text("my own wine table\n")
    code, err = run(["run", recipe, "-q"], capsys)
    assert code == 2 and "already exists" in err
    assert (tmp_path / "wine_balanced.csv").read_text() == "my own wine table\n"
    assert run(["run", recipe, "-q", "--force"], capsys)[0] == 0  # what the error suggests works
    assert len(pd.read_csv(tmp_path / "wine_balanced.csv")) > 100


def test_no_bundled_recipe_forces_its_output():
    from ganaug.cli.recipes import bundled_recipe_folder, load_recipe

    for path in bundled_recipe_folder().glob("*.toml"):
        assert not load_recipe(path).get("force"), path.name


@pytest.mark.parametrize("argv, message", [
    (["--option", "nosuchkey=1"], "has no option 'nosuchkey'"),
    (["--metric", "bogus"], "--metric 'bogus'"),
])
def test_evaluate_refuses_what_would_make_every_fold_nan(argv, message, csv, capsys):
    code, err = run(["evaluate", csv, "--target", "label", "--samplers", "none,wgan-gp", *EVALUATE[2:],
                     *argv], capsys)
    assert code == 2 and message in err, err


def test_a_recipe_key_that_is_nothing_is_refused_before_training(tmp_path, capsys):
    code, err = run(["run", "evaluate-breast-cancer", "--set", "nosuchkey=1", "--set",
                     f"output={tmp_path / 'never'}", "-q"], capsys)
    assert code == 2 and "nosuchkey" in err, err
    assert not os.path.exists(tmp_path / "never")


def test_counts_with_a_bad_part_are_refused(tmp_path, capsys):
    X, y = tiny_table()
    path = GANOverSampler(epochs=1, batch_size=16, random_state=0, device="cpu").fit(X, y).save(
        tmp_path / "m.safetensors")
    code, err = run(["sample", path, "-o", tmp_path / "o.csv", "--counts", "minor=5,garbage"], capsys)
    assert code == 2 and "'garbage' is not one" in err, err
    assert not (tmp_path / "o.csv").exists()
