"""The built documentation site: API pages render numpydoc's Sphinx roles as links, never as raw text."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RAW_ROLE = re.compile(r":(?:py:)?(?:func|class|meth|mod|attr|data|obj|exc|const):`")
SOURCES = [ROOT / "mkdocs.yml", *ROOT.glob("ganaug/**/*.py"), *ROOT.glob("docs/**/*")]


def _load_extension():
    spec = importlib.util.spec_from_file_location("sphinx_roles", ROOT / "docs/_ext/sphinx_roles.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The site `make docs` built, when it is newer than every source; else a fresh build."""
    built = ROOT / "site" / "api" / "index.html"
    if built.is_file() and built.stat().st_mtime > max(p.stat().st_mtime for p in SOURCES if p.is_file()):
        return ROOT / "site"
    if shutil.which("mkdocs", path=str(Path(sys.executable).parent)) is None:
        pytest.skip("mkdocs is not installed (pip install 'ganaug[docs]')")
    out = tmp_path_factory.mktemp("site")
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-d", str(out)], cwd=ROOT,
                   check=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    return out


def test_api_pages_show_no_raw_sphinx_role_and_link_the_ones_they_had(site):
    pages = sorted((site / "api").rglob("*.html"))
    assert len(pages) >= 10
    raw = {p.relative_to(site).as_posix(): RAW_ROLE.findall(p.read_text()) for p in pages}
    assert not {page: found for page, found in raw.items() if found}
    sampler = (site / "api" / "sampler" / "index.html").read_text()
    # `:meth:`generate`` in GANOverSampler's docstring: a link to the method, shown as code
    assert re.search(r'<a class="autorefs autorefs-internal"[^>]*href="[^"]*GANOverSampler\.generate"'
                     r'[^>]*><code>generate</code></a>', sampler)


def test_a_role_becomes_an_optional_reference_or_plain_code():
    roles = _load_extension()
    members = {"GANOverSampler": "ganaug.sampler.estimator.GANOverSampler"}
    resolve = lambda name: (members.get(name.split(".")[0], None) and  # noqa: E731
                            members[name.split(".")[0]] + name[len(name.split(".")[0]):])
    assert roles.role_to_reference("~ganaug.errors.ModelFileError", resolve) == \
        '<autoref identifier="ganaug.errors.ModelFileError" optional>`ModelFileError`</autoref>'
    assert roles.role_to_reference("GANOverSampler.generate", resolve) == \
        '<autoref identifier="ganaug.sampler.estimator.GANOverSampler.generate" optional>' \
        '`GANOverSampler.generate`</autoref>'
    assert roles.role_to_reference("sklearn.pipeline.Pipeline", resolve) == "`sklearn.pipeline.Pipeline`"
    text = "See :func:`evaluate` and :class:`~GANOverSampler`; ``:func:`` alone stays."
    assert roles.ROLE.sub(lambda m: roles.role_to_reference(m["target"], resolve), text) == \
        "See `evaluate` and <autoref identifier=\"ganaug.sampler.estimator.GANOverSampler\" optional>" \
        "`GANOverSampler`</autoref>; ``:func:`` alone stays."
