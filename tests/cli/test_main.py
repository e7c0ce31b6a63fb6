"""The ganaug command line (ganaug.cli.main and the tasks of ganaug.cli.tasks)."""

import pandas as pd
import pytest

import ganaug
from ganaug.cli import main
from ganaug.registry import list_backends
from ganaug.testing import tiny_images

FAST = ["--epochs", "1", "--batch-size", "16"]


EVAL_FAST = ["--folds", "2", "--repeats", "1", "--classifiers", "knn,logreg", *FAST]


def write_folder(root, images, labels):
    from PIL import Image

    for i, (image, label) in enumerate(zip(images, labels)):
        (root / label).mkdir(parents=True, exist_ok=True)
        Image.fromarray(image).save(root / label / f"img{i}.png")


def test_backends_lists_every_backend(capsys):
    assert main(["backends"]) == 0
    out = capsys.readouterr().out
    for name in list_backends():
        assert name in out
    assert "tabular" in out and ganaug.__version__ in out


def test_backend_options(capsys):
    assert main(["backends", "--options", "ctgan"]) == 0
    assert "pac" in capsys.readouterr().out


def test_plugins_lists_hooks(capsys):
    assert main(["plugins"]) == 0
    assert "register_backends" in capsys.readouterr().out


def test_resample_writes_balanced_csv(csv, tmp_path, capsys):
    out = tmp_path / "out.csv"
    assert main(["resample", str(csv), "--target", "label", "-o", str(out), "--backend", "cgan", *FAST]) == 0
    result = pd.read_csv(out)
    assert result["label"].value_counts().to_dict() == {"major": 40, "minor": 40, "rare": 40}
    assert "synthetic" in capsys.readouterr().out


def test_resample_parquet_and_strategy(csv, tmp_path):
    out = tmp_path / "out.parquet"
    args = ["resample", str(csv), "--target", "label", "-o", str(out), "--backend", "gan",
            "--sampling-strategy", "minority", *FAST]
    assert main(args) == 0
    assert pd.read_parquet(out)["label"].value_counts().to_dict() == {"major": 40, "minor": 8, "rare": 40}


def test_resample_refuses_to_overwrite(csv, tmp_path, capsys):
    before = csv.read_bytes()
    assert main(["resample", str(csv), "--target", "label", "-o", str(csv), "--force", *FAST]) == 2
    assert "is the input file" in capsys.readouterr().err
    assert csv.read_bytes() == before
    existing = tmp_path / "exists.csv"
    existing.write_text("keep me")
    assert main(["resample", str(csv), "--target", "label", "-o", str(existing), *FAST]) == 2
    assert "--force" in capsys.readouterr().err and existing.read_text() == "keep me"


@pytest.mark.parametrize(
    "args, message",
    [
        (["resample", "missing.csv", "--target", "label", "-o", "x.csv"], "does not exist"),
        (["resample", "{csv}", "--target", "nope", "-o", "{tmp}/x.csv"], "target column 'nope'"),
        (["resample", "{csv}", "--target", "label", "-o", "{tmp}/x.txt"], "must end in"),
        (["resample", "{csv}", "--target", "label", "-o", "{tmp}/x.csv", "--backend=ctgn"], "Did you mean"),
        (["resample", "{csv}", "--target", "label", "-o", "{tmp}/x.csv", "--option=bogus=1"], "no option"),
    ],
)
def test_cli_errors_are_clear(args, message, csv, tmp_path, capsys):
    args = [a.format(csv=csv, tmp=tmp_path) for a in args]
    assert main(args) == 2
    assert message in capsys.readouterr().err


def test_unreadable_file(tmp_path, capsys):
    bad = tmp_path / "bad.parquet"
    bad.write_text("not parquet")
    assert main(["resample", str(bad), "--target", "y", "-o", str(tmp_path / "o.csv")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_demo_runs(capsys):
    assert main(["demo", "--backend", "cgan", *FAST]) == 0
    out = capsys.readouterr().out
    assert "smote" in out and "ganaug:cgan" in out and "g_mean" in out


def test_evaluate_writes_report(csv, tmp_path, capsys):
    out = tmp_path / "report"
    args = ["evaluate", str(csv), "--target", "label", "--samplers", "none,ros,gan", "-o", str(out),
            *EVAL_FAST]
    assert main(args) == 0
    results = pd.read_csv(out / "results.csv")
    assert set(results["sampler"]) == {"none", "ros", "gan"}
    assert set(results["classifier"]) == {"knn", "logreg", "-"}
    assert "## Verdict" in (out / "summary.md").read_text()
    assert {"metrics.png", "class_recall.png", "losses.png", "marginals_gan.png", "report.html"} <= {
        p.name for p in out.iterdir()}
    assert main(args) == 2  # a used report folder is refused before any work
    assert "not empty" in capsys.readouterr().err


def test_evaluate_shows_progress_while_the_report_refits_its_gans(csv, tmp_path, capsys):
    args = ["evaluate", str(csv), "--target", "label", "--samplers", "none,gan", "-o", str(tmp_path / "r"),
            *EVAL_FAST]
    assert main([a for a in args if a not in ("-q", "--quiet")]) == 0
    assert "report plots" in capsys.readouterr().err  # no silence after the folds' bar reaches 100 %


def test_evaluate_several_datasets(tmp_path):
    out = tmp_path / "report"
    args = ["evaluate", "--datasets", "breast_cancer,wine", "--samplers", "none,ros,smote",
            "--metrics", "g_mean,roc_auc", "--out", str(out), *EVAL_FAST]
    assert main(args) == 0
    results = pd.read_csv(out / "results.csv")
    assert set(results["dataset"]) == {"breast_cancer", "wine"}
    assert set(results["metric"]) == {"g_mean", "roc_auc", "fit_seconds"}
    assert "Mean rank" in (out / "summary.md").read_text()


def test_refine_flag_reaches_the_sampler(csv, tmp_path):
    outputs = []
    for refine in ("none", "interpolate"):
        out = tmp_path / f"{refine}.csv"
        assert main(["resample", str(csv), "--target", "label", "-o", str(out), "--refine", refine,
                     "--backend", "cgan", *FAST]) == 0
        outputs.append(pd.read_csv(out))
    assert not outputs[0].equals(outputs[1])
    assert outputs[0].iloc[:52].equals(outputs[1].iloc[:52])  # originals untouched either way


def test_evaluate_refine_none_reaches_the_sampler(monkeypatch, tmp_path):
    import ganaug.evaluation as evaluation

    seen = {}
    real_make = evaluation.make_sampler

    def spy(name, random_state=0, **options):
        seen[name] = options
        return real_make(name, random_state, **options)

    monkeypatch.setattr(evaluation, "make_sampler", spy)
    args = ["evaluate", "--dataset", "wine", "--samplers", "none,cgan", "--refine", "none", *EVAL_FAST]
    assert main(args) == 0
    assert seen["cgan"]["refine"] is None


def test_train_then_sample_many_times(csv, tmp_path, capsys):
    model = tmp_path / "model.safetensors"
    assert main(["train", str(csv), "--target", "label", "-o", str(model), "--backend", "cgan", *FAST]) == 0
    assert "ganaug sample" in capsys.readouterr().out
    assert not list(tmp_path.glob("*.ckpt*"))  # the finished run removed its checkpoint
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    assert main(["sample", str(model), "-o", str(first), "--counts", "rare=7,minor=3"]) == 0
    assert main(["sample", str(model), "-o", str(second), "--per-class", "4", "--random-state", "5"]) == 0
    a, b = pd.read_csv(first), pd.read_csv(second)
    assert a["label"].value_counts().to_dict() == {"rare": 7, "minor": 3}
    # a conditional model draws every class, the one it did not grow too
    assert b["label"].value_counts().to_dict() == {"major": 4, "rare": 4, "minor": 4}
    assert list(a.columns) == ["height", "count", "colour", "grade", "flag", "label"]


@pytest.mark.parametrize("args, message", [
    (["sample", "{model}", "-o", "{out}", "--counts", "huge=3"], "no generator for \\['huge'\\]"),
    (["sample", "{model}", "-o", "{out}", "--counts", "rare"], "label=n pairs"),
    (["sample", "{model}", "-o", "{model}"], "must end in"),
    (["sample", "{tmp}/missing.safetensors", "-o", "{out}"], "does not exist"),
    (["train", "{csv}", "--target", "label", "-o", "{csv}"], "must end in .safetensors"),
    (["train", "{csv}", "--target", "label", "-o", "{model}"], "already exists"),
])
def test_train_and_sample_errors(csv, tmp_path, capsys, args, message):
    model = tmp_path / "model.safetensors"
    assert main(["train", str(csv), "--target", "label", "-o", str(model), "--backend", "cgan", *FAST]) == 0
    names = {"model": model, "out": tmp_path / "out.csv", "csv": csv, "tmp": tmp_path}
    assert main([a.format(**names) for a in args]) == 2
    assert message.replace("\\", "") in capsys.readouterr().err.replace("\\", "")


def test_train_refuses_to_clobber_an_earlier_checkpoint(csv, tmp_path, capsys):
    model = tmp_path / "model.safetensors"
    (tmp_path / "model.ckpt.safetensors").write_bytes(b"earlier run")
    assert main(["train", str(csv), "--target", "label", "-o", str(model), *FAST]) == 2
    assert "--resume" in capsys.readouterr().err
    assert (tmp_path / "model.ckpt.safetensors").read_bytes() == b"earlier run"


def test_sample_of_zero_rows_writes_the_header_only(csv, tmp_path):
    model, out = tmp_path / "model.safetensors", tmp_path / "none.csv"
    assert main(["train", str(csv), "--target", "label", "-o", str(model), "--backend", "cgan", *FAST]) == 0
    assert main(["sample", str(model), "-o", str(out), "--counts", "rare=0"]) == 0
    assert out.read_text().splitlines() == ["height,count,colour,grade,flag,label"]


def test_resample_images_cli_writes_a_new_balanced_folder(tmp_path, capsys):
    from ganaug.cli import main
    from ganaug.data.folders import read_image_folder

    images, y = tiny_images()
    source = tmp_path / "in"
    write_folder(source, images, y)
    before = sorted((p.name, p.stat().st_mtime_ns) for p in source.rglob("*"))
    out = tmp_path / "out"
    assert main(["resample-images", str(source), "-o", str(out), "--epochs", "1",
                 "--batch-size", "16"]) == 0
    pixels, labels, files = read_image_folder(out)
    assert {label: (labels == label).sum() for label in set(labels)} == {"major": 40, "minor": 40, "rare": 40}
    assert len([f for f in files if f.name.startswith("synthetic_")]) == 120 - 52
    assert sorted((p.name, p.stat().st_mtime_ns) for p in source.rglob("*")) == before  # input untouched
    assert main(["resample-images", str(source), "--out", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["resample-images", str(source), "--out", str(source / "major" / "x")]) == 2
    assert "overlaps the input" in capsys.readouterr().err


@pytest.mark.parametrize("backend, options", [("albumentations", []), ("mixed", ["--option", "steps=2"]),
                                              ("mixed", ["--option", "steps=2", "--refine", "none"])])
def test_resample_images_reaches_the_classical_and_the_mixed_samplers(tmp_path, backend, options):
    from ganaug.cli import main
    from ganaug.data.folders import read_image_folder

    images, y = tiny_images()
    write_folder(tmp_path / "in", images, y)
    out = tmp_path / "out"
    assert main(["resample-images", str(tmp_path / "in"), "-o", str(out), "--backend", backend, "--quiet",
                 "--random-state", "0", *options]) == 0
    _, labels, _ = read_image_folder(out)
    assert {label: (labels == label).sum() for label in set(labels)} == {"major": 40, "minor": 40, "rare": 40}


def test_evaluate_takes_an_image_folder_and_the_image_samplers(tmp_path):
    from ganaug.cli import main

    images, y = tiny_images()
    write_folder(tmp_path / "in", images, y)
    assert main(["evaluate", str(tmp_path / "in"), "--samplers", "none,albumentations,mixed", "--option",
                 "steps=2", "--folds", "2", "--repeats", "1", "--classifiers", "knn", "-q"]) == 0


def test_train_removes_only_the_checkpoints_it_wrote(csv, tmp_path, capsys):
    kept = ["run_final.safetensors", "run2.safetensors", "runner_prod_model.safetensors", "run.csv"]
    for name in kept:
        (tmp_path / name).write_text("the user's")
    for backend in ("wgan-gp", "gan"):  # one checkpoint; one per class (run.class<i>.safetensors)
        model = tmp_path / f"{backend}.safetensors"
        assert main(["train", str(csv), "--target", "label", "-o", str(model), "--backend", backend,
                     "--checkpoint", str(tmp_path / "run.safetensors"), *FAST]) == 0
        assert model.exists()
    left = sorted(p.name for p in tmp_path.iterdir())
    assert all(name in left for name in kept)
    assert not [n for n in left if n.startswith("run.") and n not in kept]  # run(.class<i>).safetensors


def test_train_refuses_a_checkpoint_that_is_the_output_or_not_a_safetensors_file(csv, tmp_path, capsys):
    model = tmp_path / "m2.safetensors"
    assert main(["train", str(csv), "--target", "label", "-o", str(model), "--checkpoint", str(model)]) == 2
    assert "is the output or the input file" in capsys.readouterr().err
    assert main(["train", str(csv), "--target", "label", "-o", str(model), "--checkpoint",
                 str(tmp_path / "i")]) == 2
    assert "must end in .safetensors" in capsys.readouterr().err and not model.exists()


def test_world_size_without_torchrun_fails_at_once(csv, tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "WORLD_SIZE": "2", "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": "29512"}
    command = [sys.executable, "-m", "ganaug.cli", "train", str(csv), "--target", "label", "-o",
               str(tmp_path / "m.safetensors")]
    run = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and "not started by torchrun" in run.stderr


def test_categorical_flag_dates_and_missing_values_through_train_and_sample(tmp_path):
    from ganaug.testing import messy_table

    X, y = messy_table()
    data = tmp_path / "messy.csv"
    X.assign(label=y).to_csv(data, index=False)
    model, out = tmp_path / "m.safetensors", tmp_path / "drawn.csv"
    assert main(["train", str(data), "--target", "label", "-o", str(model), "--backend", "cgan",
                 "--categorical", "zip", *FAST]) == 0
    assert main(["sample", str(model), "-o", str(out), "--counts", "major=20,rare=20"]) == 0
    drawn = ganaug.data.tables.read_table(out)
    assert drawn["label"].value_counts().to_dict() == {"major": 20, "rare": 20}
    assert set(drawn["zip"]) <= set(X["zip"])  # declared: levels, not numbers
    # ISO dates in a CSV come back as dates (in UTC: a CSV keeps the offset, not the zone's name)
    assert str(drawn["opened"].dtype).startswith("datetime64") and drawn["opened"].dt.tz is not None
    assert drawn["height"].isna().any() or drawn["colour"].isna().any()


def test_categorical_flag_names_unknown_columns(csv, tmp_path, capsys):
    out = tmp_path / "out.csv"
    assert main(["resample", str(csv), "--target", "label", "-o", str(out), "--categorical", "postcode",
                 *FAST]) == 2
    assert "postcode" in capsys.readouterr().err and not out.exists()


@pytest.mark.filterwarnings("ignore::ganaug.errors.GanaugWarning")  # 3 folds cannot reach significance
def test_evaluate_offers_class_weights_and_thresholds(tmp_path, capsys):
    out = tmp_path / "report"
    args = ["evaluate", "--dataset", "breast_cancer", "--samplers", "none,class-weight,threshold,smote+prior",
            "--classifiers", "logreg", "--folds", "3", "--repeats", "1", "-o", str(out)]
    assert main(args) == 0
    results = pd.read_csv(out / "results.csv")
    assert set(results["sampler"]) == {"none", "class-weight", "threshold", "smote+prior"}
    assert "brier" in set(results["metric"])
    summary = (out / "summary.md").read_text()
    assert "dataset breast_cancer" in summary and "## What to use, per classifier" in summary


def test_evaluate_checks_the_options_of_a_gan_inside_a_remedy_before_running(capsys):
    args = ["evaluate", "--samplers", "none,wgan-gp+threshold", "--option", "lr_generatr=1e-4"]
    assert main(args) == 2
    assert "lr_generator" in capsys.readouterr().err  # did you mean
