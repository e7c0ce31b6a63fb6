"""The package a user installs is whole: the sdist holds the tests, recipes and examples, the wheel the
licence, ``py.typed`` and the recipes, and the wheel works in a fresh virtual environment."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest

import ganaug

ROOT = Path(__file__).resolve().parents[1]
SHIPPED_FOLDERS = ("tests/", "recipes/", "examples/")


def project_files() -> list[str]:
    """Tracked files in a git checkout; in an unpacked sdist (no git), the files it holds."""
    listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True)
    if listed.returncode == 0 and listed.stdout.strip():
        return [f for f in listed.stdout.splitlines() if (ROOT / f).is_file()]
    return [str(p.relative_to(ROOT)) for p in ROOT.rglob("*") if p.is_file() and "__pycache__" not in p.parts
            and not any(part.startswith(".venv") or part.endswith(".egg-info") for part in p.parts)]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """An sdist and a wheel built from a copy of the project (the checkout gets no build/ folder)."""
    source = tmp_path_factory.mktemp("source")
    for name in project_files():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    code = ("from setuptools import build_meta as b; b.build_sdist('dist'); b.build_wheel('dist')")
    run = subprocess.run([sys.executable, "-c", code], cwd=source, capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    return source / "dist"


def test_the_sdist_holds_every_file_of_tests_recipes_and_examples(built):
    sdist = next(built.glob("*.tar.gz"))
    with tarfile.open(sdist) as archive:
        inside = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    wanted = [f for f in project_files() if f.startswith(SHIPPED_FOLDERS)]
    assert wanted and not [f for f in wanted if f not in inside]
    assert {"LICENSE", "README.md", "CHANGELOG.md", "Makefile", "pyproject.toml"} <= inside


def test_the_wheel_carries_the_licence_the_typed_marker_and_the_recipes(built):
    wheel = next(built.glob("*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert "ganaug/py.typed" in names and "ganaug_plugins/py.typed" in names
    recipes = {Path(n).name for n in names if n.startswith("ganaug/_recipes/")}
    assert recipes == {p.name for p in (ROOT / "recipes").glob("*.toml")}
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("METADATA"))).decode()
    assert "License-Expression: MIT" in metadata and f"Version: {ganaug.__version__}" in metadata


def _pip(python: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                           *args], capture_output=True, text=True, timeout=1200)


def _dependencies_only(tmp_path: Path) -> Path:
    """A folder of links to this environment's installed packages, ganaug's own left out.

    A fresh environment that sees it (a ``.pth`` line) has the dependencies
    pip would otherwise install (torch alone takes minutes to unpack), so pip
    checks the wheel's requirements against their versions and installs only
    the wheel itself.
    """
    site = Path(next(p for p in sys.path if p.endswith("site-packages") and Path(p).is_dir()))
    linked = tmp_path / "dependencies"
    linked.mkdir()
    for entry in site.iterdir():
        own = entry.name.startswith(("ganaug", "__editable__", "_ganaug")) or entry.suffix == ".pth"
        if not own and entry.name not in ("pip", "setuptools", "_distutils_hack") \
                and not entry.name.startswith(("pip-", "setuptools-")):
            (linked / entry.name).symlink_to(entry)
    return linked


def test_the_wheel_works_in_a_fresh_virtual_environment(built, tmp_path):
    """The wheel, with its dependencies met by this environment's (linked, not copied), in a fresh venv."""
    env_dir = tmp_path / "fresh"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    fresh_site = next((env_dir / "lib").glob("python3*/site-packages"))
    (fresh_site / "zz_dependencies.pth").write_text(f"{_dependencies_only(tmp_path)}\n")
    wheel = next(built.glob("*.whl"))
    installed = _pip(python, str(wheel))
    assert installed.returncode == 0, installed.stderr[-2000:]
    assert not (fresh_site / "torch").exists(), "pip installed a dependency that was already met"
    work = tmp_path / "work"  # away from the checkout, so only the installed package can be imported
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    ganaug_cmd = env_dir / "bin" / "ganaug"

    def run(*args: str) -> str:
        done = subprocess.run([str(a) for a in args], cwd=work, env=env, capture_output=True, text=True,
                              timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    assert run(ganaug_cmd, "--version").strip() == f"ganaug {ganaug.__version__}"
    assert "wgan-gp" in run(ganaug_cmd, "backends")
    code = ("import ganaug, pathlib; from ganaug.testing import tiny_table\n"
            "assert 'site-packages' in pathlib.Path(ganaug.__file__).as_posix()\n"
            "X, y = tiny_table()\n"
            "sampler = ganaug.GANOverSampler(backend='cgan', epochs=1, random_state=0)\n"
            "X_res, y_res = sampler.fit_resample(X, y)\n"
            "print(len(X_res))")
    assert int(run(python, "-c", code).strip()) == 120
    run(ganaug_cmd, "run", "resample-wine", "--set", "epochs=1", "--set", "backend='cgan'")
    assert (work / "wine_balanced.csv").is_file()
    # the module path of ganaug 0.1 still resolves beside the bundled recipes' folder
    run(python, "-W", "ignore", "-c", "from ganaug.recipes import load_recipe")


def test_every_package_of_the_source_tree_is_in_the_wheel_list():
    # setuptools gets an explicit list (pyproject.toml): a new package folder missing from it imports from
    # a checkout and fails only once installed from the wheel
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "ganaug").rglob("__init__.py")}
    assert found - listed == set(), f"add to [tool.setuptools] packages in pyproject.toml: {found - listed}"
