"""What a new user meets first on the command line: fast help, help on every option, one output flag,
progress bars unless --quiet, the sampling-strategy dict form, --force, and missing folders refused."""

import argparse
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from ganaug.cli import main
from ganaug.cli.main import BUILTIN_COMMANDS, build_parser
from ganaug.fileformat import MANIFEST_NAME
from ganaug.testing import tiny_images

FAST = ["--epochs", "1", "--batch-size", "16"]


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["train", "--help"], ["evaluate", "--help"]])
def test_help_and_version_import_neither_torch_nor_plugins(args):
    code = (f"import sys\nfrom ganaug.cli import main\ntry:\n    main({args!r})\nexcept SystemExit:\n"
            "    pass\nheavy = sorted(m for m in sys.modules if m.split('.')[0] in "
            "('torch', 'sklearn', 'ganaug_plugins', 'pandas'))\nprint('HEAVY', heavy)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert "HEAVY []" in run.stdout, run.stdout[-500:]


def test_version_names_the_package(capsys):
    with pytest.raises(SystemExit):
        main(["--version"])
    import ganaug

    assert capsys.readouterr().out.strip() == f"ganaug {ganaug.__version__}"


def _subcommands():
    parser = build_parser(plugins=False)
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices


@pytest.mark.parametrize("command", BUILTIN_COMMANDS)
def test_every_option_has_help(command):
    parser = _subcommands()[command]
    for action in parser._actions:
        if action.help == argparse.SUPPRESS or isinstance(action, argparse._HelpAction):
            continue
        assert action.help and len(action.help) > 8, f"{command} {action.option_strings or action.dest}"


@pytest.mark.parametrize("command", ["resample", "resample-images", "train", "sample", "evaluate"])
def test_outputs_are_spelled_the_same_everywhere_with_force(command):
    options = {s for a in _subcommands()[command]._actions if a.help != argparse.SUPPRESS
               for s in a.option_strings}
    assert {"-o", "--output", "--force"} <= options and "--out" not in options


@pytest.mark.parametrize("command", ["resample", "resample-images", "train", "sample", "evaluate", "demo"])
def test_long_commands_take_quiet(command):
    options = {s for a in _subcommands()[command]._actions for s in a.option_strings}
    assert "--quiet" in options


def test_progress_bars_by_default_and_none_with_quiet(csv, tmp_path, capsys):
    assert main(["resample", str(csv), "--target", "label", "-o", str(tmp_path / "a.csv"), "--backend",
                 "cgan", *FAST]) == 0
    assert "cgan" in capsys.readouterr().err  # the training bar
    assert main(["resample", str(csv), "--target", "label", "-o", str(tmp_path / "b.csv"), "--backend",
                 "cgan", "--quiet", *FAST]) == 0
    assert capsys.readouterr().err == ""


def test_sampling_strategy_rows_per_class_matches_integer_labels(tmp_path):
    X = pd.DataFrame({"v": np.arange(60.0), "w": np.arange(60.0) % 7})
    data = tmp_path / "ints.csv"
    X.assign(label=[0] * 50 + [1] * 10).to_csv(data, index=False)
    out = tmp_path / "out.csv"
    assert main(["resample", str(data), "--target", "label", "-o", str(out), "--backend", "cgan",
                 "--sampling-strategy", "1=25", "--quiet", *FAST]) == 0
    assert pd.read_csv(out)["label"].value_counts().to_dict() == {0: 50, 1: 25}


@pytest.mark.parametrize("value, message", [
    ("fraud=lots", "whole number"),
    ("=5", "label=n pairs"),
])
def test_sampling_strategy_typos_are_explained(csv, tmp_path, capsys, value, message):
    with pytest.raises(SystemExit):
        main(["resample", str(csv), "--target", "label", "-o", str(tmp_path / "o.csv"),
              "--sampling-strategy", value])
    assert message in capsys.readouterr().err


def test_sampling_strategy_naming_an_absent_class(csv, tmp_path, capsys):
    assert main(["resample", str(csv), "--target", "label", "-o", str(tmp_path / "o.csv"),
                 "--sampling-strategy", "fraud=100", *FAST]) == 2
    err = capsys.readouterr().err
    assert "fraud" in err and "major" in err and "function" not in err


def test_missing_output_folders_are_refused_not_created(csv, tmp_path, capsys):
    target = tmp_path / "missing" / "dir" / "x.csv"
    assert main(["resample", str(csv), "--target", "label", "-o", str(target), *FAST]) == 2
    assert "does not exist; create it first" in capsys.readouterr().err
    assert not (tmp_path / "missing").exists()


def test_resample_images_force_replaces_a_finished_folder(tmp_path):
    images, labels = tiny_images()
    source = tmp_path / "in"
    for i, (image, label) in enumerate(zip(images, labels)):
        (source / label).mkdir(parents=True, exist_ok=True)
        from PIL import Image

        Image.fromarray(image).save(source / label / f"{i}.png")
    out = tmp_path / "out"
    args = ["resample-images", str(source), "-o", str(out), "--backend", "dcgan", "--quiet", *FAST]
    assert main(args) == 0
    first = sorted(p.name for p in out.rglob("*"))
    assert main(args) == 2  # exists: refused, left alone
    assert sorted(p.name for p in out.rglob("*")) == first
    assert main([*args, "--force"]) == 0  # a folder ganaug wrote: replaced whole
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST_NAME, "major", "minor", "rare"]
    (out / "note.txt").write_text("the user's note")
    assert main([*args, "--force"]) == 2  # now it holds a file of the user's: never replaced
    assert (out / "note.txt").read_text() == "the user's note"


def test_a_closed_pipe_is_not_an_error():
    run = subprocess.run(f"{sys.executable} -m ganaug.cli plugins | head -1", shell=True, capture_output=True,
                         text=True, timeout=120)
    assert "Traceback" not in run.stderr and "BrokenPipe" not in run.stderr


@pytest.mark.parametrize("typed, meant", [("resampel", "resample"), ("RESAMPLE", "resample"),
                                          ("evalute", "evaluate")])
def test_a_mistyped_command_gets_a_did_you_mean(typed, meant, capsys):
    with pytest.raises(SystemExit):
        main([typed, "x"])
    assert f"Did you mean {meant!r}?" in capsys.readouterr().err


def test_strategy_errors_end_in_one_full_stop():
    from ganaug import GANOverSampler
    from ganaug.errors import InputError

    X, y = tiny_images()
    with pytest.raises(InputError) as caught:
        GANOverSampler(sampling_strategy=2.0).fit_resample(X.reshape(len(X), -1), (y == "major").to_numpy())
    assert ".." not in str(caught.value)
