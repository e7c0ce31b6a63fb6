"""The example third-party plugin in examples/ganaug-lsgan keeps working.

It is discovered the way an installed distribution is: through a generated
.dist-info that declares its ``ganaug`` entry point.
"""

import os
import pathlib
import subprocess
import sys
import tomllib

import pytest

from ganaug.cli import main
from ganaug.registry import PluginHost

EXAMPLE = pathlib.Path(__file__).parent.parent / "examples" / "ganaug-lsgan"


def install_as_distribution(site: pathlib.Path) -> None:
    """Write the .dist-info that `pip install` would, from the example's own pyproject."""
    project = tomllib.loads((EXAMPLE / "pyproject.toml").read_text())["project"]
    info = site / f"{project['name'].replace('-', '_')}-{project['version']}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n")
    points = project["entry-points"]["ganaug"]
    (info / "entry_points.txt").write_text(
        "[ganaug]\n" + "".join(f"{k} = {v}\n" for k, v in points.items()))


@pytest.fixture
def installed(tmp_path, monkeypatch):
    install_as_distribution(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.syspath_prepend(str(EXAMPLE))
    return tmp_path


def test_example_registers_its_loss_and_backend(installed):
    host = PluginHost()
    host.load_entry_points()
    assert "lsgan" in host.backends() and "least-squares" in host.losses()
    info = next(i for i in host.plugins() if i.name == "lsgan")
    assert info.distribution == "ganaug-lsgan" and info.version == "0.1.0"
    assert set(info.hooks) == {"register_backends", "register_losses"}
    assert info.backends == ("lsgan",) and info.losses == ("least-squares",)


def test_example_shows_in_ganaug_plugins(installed, monkeypatch, capsys):
    import ganaug.registry

    monkeypatch.setattr(ganaug.registry, "_HOST", None)  # a fresh host sees the new distribution
    assert main(["plugins"]) == 0
    out = capsys.readouterr().out
    assert "lsgan (ganaug-lsgan 0.1.0)" in out and "losses: least-squares" in out


def test_example_own_tests_pass(installed):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(installed), str(EXAMPLE)])}
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
                         cwd=EXAMPLE, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "passed" in run.stdout


@pytest.mark.parametrize("path", ["ganaug_lsgan.py", "pyproject.toml", "tests/test_lsgan.py"])
def test_the_plugin_guide_shows_the_example_files_exactly(path):
    guide = (EXAMPLE.parent.parent / "docs" / "guide" / "plugins.md").read_text()
    lang = "toml" if path.endswith(".toml") else "python"
    block = f'```{lang} title="{path}"\n{(EXAMPLE / path).read_text()}```'
    assert block in guide, f"the plugin guide's copy of {path} differs from examples/ganaug-lsgan/{path}"


def test_example_is_under_50_lines_of_python():
    files = ("ganaug_lsgan.py", "tests/test_lsgan.py")
    lines = sum(len((EXAMPLE / p).read_text().splitlines()) for p in files)
    assert lines < 50
