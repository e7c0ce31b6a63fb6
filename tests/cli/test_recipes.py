"""TOML recipes and `ganaug run` (ganaug.cli.recipes)."""

import pathlib
import tomllib

import pandas as pd
import pytest

from ganaug.cli import main
from ganaug.cli.recipes import TASKS, load_recipe
from ganaug.evaluation import BASELINES
from ganaug.registry import list_backends

RECIPES = sorted((pathlib.Path(__file__).parents[2] / "recipes").glob("*.toml"))


def test_run_recipe_with_overrides(tmp_path, capsys):
    recipe = tmp_path / "r.toml"
    recipe.write_text('# test\ntask = "resample"\ndataset = "wine"\nbackend = "cgan"\n'
                      f'output = "{tmp_path / "wine.csv"}"\n')
    assert main(["run", str(recipe), "--set", "epochs=1", "--set", "sampling_strategy='minority'"]) == 0
    counts = pd.read_csv(tmp_path / "wine.csv")["label"].value_counts().to_dict()
    assert counts == {"class_0": 59, "class_1": 71, "class_2": 71}  # only the rarest grew


@pytest.mark.parametrize("quiet", [False, True])
def test_run_shows_progress_unless_quiet(tmp_path, capsys, quiet):
    recipe = tmp_path / "r.toml"
    recipe.write_text('task = "resample"\ndataset = "wine"\nbackend = "cgan"\n'
                      f'output = "{tmp_path / "w.csv"}"\n')
    assert main(["run", str(recipe), "--set", "epochs=1", *(["--quiet"] if quiet else [])]) == 0
    assert ("cgan:" in capsys.readouterr().err) is not quiet


def test_bad_override_and_task(tmp_path, capsys):
    recipe = tmp_path / "r.toml"
    recipe.write_text('task = "fly"\n')
    assert main(["run", str(recipe)]) == 2
    assert "task 'fly' is unknown" in capsys.readouterr().err
    assert main(["run", str(recipe), "--set", "novalue"]) == 2


@pytest.mark.parametrize("path", RECIPES, ids=lambda p: p.name)
def test_recipes_are_documented_and_valid(path):
    text = path.read_text()
    assert text.startswith("# "), "a recipe opens with a comment saying what it does"
    assert f"ganaug run {path.stem} " in text, "and the exact command that runs it"
    recipe = load_recipe(path)
    assert recipe["task"] in TASKS
    names = recipe.get("samplers", []) + [recipe.get("backend", "ctgan")]
    known = set(list_backends()) | set(BASELINES)
    assert set(names) <= known
    tomllib.loads(text)


def test_every_backend_has_a_recipe():
    covered = {s for p in RECIPES for s in load_recipe(p).get("samplers", [])}
    assert set(list_backends()) <= covered


def test_bundled_recipes_run_by_name_and_are_listed(tmp_path, capsys, monkeypatch):
    from ganaug.cli.recipes import bundled_recipes, find_recipe

    assert set(bundled_recipes()) == {p.stem for p in RECIPES}
    assert find_recipe("ctgan").read_text() == (RECIPES[0].parent / "ctgan.toml").read_text()
    assert main(["run", "--list"]) == 0
    listed = capsys.readouterr().out
    assert all(p.stem in listed for p in RECIPES)
    monkeypatch.chdir(tmp_path)  # a recipe by name works from any folder, writing beside the user
    assert main(["run", "resample-wine", "--set", "epochs=1"]) == 0
    assert (tmp_path / "wine_balanced.csv").is_file()


def test_the_recipe_list_gives_whole_sentences_and_no_paths_outside_the_package(capsys):
    from ganaug.cli.recipes import bundled_recipes, recipe_summary

    assert recipe_summary("# Evaluate coupled GANs (CoGAN: one trunk; two heads) on wine: 5 folds.\n"
                          "# Run: ganaug run cogan\ntask = 'evaluate'\n") == \
        "Evaluate coupled GANs (CoGAN: one trunk; two heads) on wine"
    assert recipe_summary("# Balance the wine table.\n# More words.\n") == "Balance the wine table."
    for name, summary in bundled_recipes().items():
        assert "../" not in summary and "shared/" not in summary, name
        assert summary.count("(") == summary.count(")"), (name, summary)  # never cut inside brackets
        assert len(summary.split()) >= 4, (name, summary)
    assert main(["run", "--list"]) == 0
    assert all(len(line) <= 100 for line in capsys.readouterr().out.splitlines())


def test_an_unknown_recipe_name_lists_the_bundled_ones(capsys):
    assert main(["run", "no-such-recipe"]) == 2
    err = capsys.readouterr().err
    assert "neither a file nor a bundled recipe" in err and "ctgan" in err


def test_recipes_key_out_of_0_1_still_names_the_output(tmp_path):
    from ganaug.cli.recipes import recipe_kwargs

    assert recipe_kwargs({"task": "evaluate", "out": "r"})["output"] == "r"
