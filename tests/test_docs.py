"""Every code block of the README and the documentation runs as written.

A page's blocks run in order, in one fresh folder and one Python namespace,
as a reader would type them:

- ```python blocks are executed; one with a ``title="path"`` is a file the reader saves:
  it is written to that path instead (the folder is on ``sys.path``, so it can be imported);
- ```bash blocks are commands, one a line: ``ganaug ...`` and ``python ...`` run
  here (any other command fails the test, so a page cannot show one that is not checked);
- ```shell blocks are the set-up commands CI itself runs (``make``, ``pip``, ``git``,
  ``torchrun``), whose make targets must exist in the Makefile and pip extras in
  pyproject.toml, and benchmark runs (``.venv-bench/bin/python benchmarks/...``, minutes to
  hours), whose scripts must exist;
- ```text blocks are output, and ```toml blocks recipes, which must parse.

Pages say where they use tiny settings (a few epochs, folds or rows) so the suite stays fast.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from ganaug._version import DOCUMENTATION_URL, SOURCE_URL

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
FENCE = re.compile(r"^```(\w*)([^\n]*)\n(.*?)^```", re.S | re.M)
TITLE = re.compile(r'title="([^"]+)"')
# pytest: the example plugin's own tests, run installed by tests/test_example_plugin.py
SETUP_COMMANDS = ("make", "pip", "python -m pip", "git", "torchrun", "cd", "bash", "apt", "sudo",
                  ".venv/bin/python -m pip", "python3 -m venv", ".venv/bin/pip", "pytest")
BENCHMARK = ".venv-bench/bin/python benchmarks/"  # long runs in the benchmark environment


def blocks(page: Path) -> list[tuple[str, str]]:
    return [(kind, body) for kind, _, body in FENCE.findall(page.read_text())]


def titled_blocks(page: Path) -> list[tuple[str, str | None, str]]:
    """``(kind, file name or None, body)`` of each block."""
    return [(kind, (TITLE.search(info) or [None, None])[1], body)
            for kind, info, body in FENCE.findall(page.read_text())]


def _id(page: Path) -> str:
    return str(page.relative_to(ROOT))


def test_the_pages_have_blocks_of_known_kinds():
    kinds = {kind for page in PAGES for kind, _ in blocks(page)}
    assert kinds <= {"python", "bash", "shell", "text", "toml"}, kinds


@pytest.mark.parametrize("page", [p for p in PAGES if any(k in ("python", "bash") for k, _ in blocks(p))],
                         ids=_id)
def test_code_blocks_run(page, tmp_path, monkeypatch):
    from ganaug import get_host

    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    plugins_before = {name for name, _ in get_host().manager.list_name_plugin()}
    namespace: dict = {"__name__": "__docs__"}
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    try:
        _run_blocks(page, tmp_path, namespace, env, plugins_before)
    finally:  # a page may register a plugin at run time: the other tests see the registry as it was
        for name, _ in get_host().manager.list_name_plugin():
            if name not in plugins_before:
                get_host().unregister(name)


def _run_blocks(page: Path, folder: Path, namespace: dict, env: dict, plugins_before: set) -> None:
    for number, (kind, title, body) in enumerate(titled_blocks(page), start=1):
        where = f"{_id(page)}, block {number}"
        if title is not None:
            (folder / title).parent.mkdir(parents=True, exist_ok=True)
            (folder / title).write_text(body)
        elif kind == "python":
            # dont_inherit: the block runs as a reader's script would, without this file's __future__ imports
            exec(compile(body, where, "exec", dont_inherit=True), namespace)  # noqa: S102 - the docs are the test
        elif kind == "bash":
            for line in _commands(body):
                args = shlex.split(line)
                if args[0] == "ganaug" and _plugins() == plugins_before:
                    _run_in_process(args[1:], where, line)
                    continue
                if args[0] == "ganaug":  # a page registered a plugin: a shell would not see it
                    args = [sys.executable, "-m", "ganaug.cli", *args[1:]]
                elif args[0] == "python":
                    args = [sys.executable, *args[1:]]
                else:
                    pytest.fail(f"{where}: {line!r} is not a ganaug or python command; put set-up "
                                "commands in a ```shell block")
                run = subprocess.run(args, cwd=folder, env=env, capture_output=True, text=True,
                                     timeout=900)
                assert run.returncode == 0, f"{where}: {line}\n{run.stderr[-3000:]}"


def _plugins() -> set:
    from ganaug import get_host

    return {name for name, _ in get_host().manager.list_name_plugin()}


def _run_in_process(args: list[str], where: str, line: str) -> None:
    """A ``ganaug`` command through the console script's own entry point, without a new interpreter.

    A new process would spend most of a short command importing torch and
    scikit-learn; the installed script itself is run by test_packaging.
    """
    import contextlib
    import io
    import warnings

    from ganaug.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            code = main(args)
        except SystemExit as stop:  # --help and --version end through argparse
            code = stop.code or 0
    assert code == 0, f"{where}: {line}\n{err.getvalue()[-3000:]}"


def _commands(body: str) -> list[str]:
    """Lines of a shell block without comments; a trailing backslash joins lines."""
    joined = body.replace("\\\n", " ")
    return [line.split(" #")[0].strip() for line in joined.splitlines()
            if line.strip() and not line.strip().startswith("#")]


@pytest.mark.parametrize("page", [p for p in PAGES if any(k == "shell" for k, _ in blocks(p))], ids=_id)
def test_setup_commands_name_real_targets_and_extras(page):
    targets = set(re.findall(r"^([\w-]+):", (ROOT / "Makefile").read_text(), re.M))
    extras = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"])
    for kind, body in blocks(page):
        if kind != "shell":
            continue
        for line in _commands(body):
            if line.startswith(BENCHMARK):
                script = line[len(".venv-bench/bin/python "):].split()[0]
                assert (ROOT / script).is_file(), f"{_id(page)}: no benchmark script {script}"
                continue
            assert line.startswith(SETUP_COMMANDS), f"{_id(page)}: {line!r} belongs in a ```bash block"
            if line.startswith("make"):
                for target in line.split()[1:]:
                    assert target in targets, f"{_id(page)}: no make target {target!r}"
            for extra in re.findall(r"ganaug\[([\w,-]+)\]", line):
                assert set(extra.split(",")) <= extras, f"{_id(page)}: no extra {extra!r}"


@pytest.mark.parametrize("page", [p for p in PAGES if any(k == "toml" for k, _ in blocks(p))], ids=_id)
def test_toml_blocks_parse(page):
    for kind, body in blocks(page):
        if kind == "toml":
            tomllib.loads(body)


def test_the_api_reference_covers_every_public_module():
    import pkgutil

    import ganaug

    targets = set(re.findall(r"^::: ([\w.]+)", "\n".join(
        p.read_text() for p in (ROOT / "docs" / "api").glob("*.md")), re.M))
    modules = [m.name for m in pkgutil.walk_packages(ganaug.__path__, "ganaug.")
               if not any(part.startswith("_") for part in m.name.split("."))]
    missing = [m for m in modules if m not in targets and not any(t.startswith(m + ".") for t in targets)]
    assert not missing, f"modules without an API reference entry: {missing}"


def test_the_readme_is_short_and_its_links_resolve():
    text = (ROOT / "README.md").read_text()
    assert len(text.splitlines()) <= 250
    docs, source = f"{DOCUMENTATION_URL}", f"{SOURCE_URL}/blob/main/"
    for target in re.findall(r"\]\(([^)#]+)\)", text):
        # the README is the package's page on PyPI, where a relative link leads nowhere
        assert target.startswith(("http://", "https://")), f"README links to {target}: make it absolute"
        if target.startswith(docs):
            page = target[len(docs):].rstrip("/")
            assert any((ROOT / "docs" / p).is_file() for p in (page, f"{page}.md", f"{page}/index.md",
                                                               "index.md" if not page else "-")), target
        elif target.startswith(source):
            assert (ROOT / target[len(source):]).exists(), target


def test_the_addresses_are_in_the_metadata_and_in_help():
    urls = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]
    assert urls["Documentation"] == DOCUMENTATION_URL and urls["Source"] == SOURCE_URL
    assert urls["Changelog"].startswith(DOCUMENTATION_URL) and urls["Issues"].startswith(SOURCE_URL)
    mkdocs = (ROOT / "mkdocs.yml").read_text()
    assert f"site_url: {DOCUMENTATION_URL}" in mkdocs and f"repo_url: {SOURCE_URL}" in mkdocs
    from ganaug.cli.main import EPILOG

    assert DOCUMENTATION_URL in EPILOG and "docs/index.md" not in EPILOG
