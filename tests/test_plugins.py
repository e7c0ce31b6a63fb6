"""The plugin host: entry points, isolation of broken plugins, registry errors."""

import textwrap

import pytest

from ganaug import hookimpl
from ganaug.plugins import RAISE_ENV_VAR, PluginHost, get_host
from ganaug.testing import check_backend

PLUGIN_SOURCE = '''
from dataclasses import dataclass

import torch

from ganaug import hookimpl
from ganaug.adversarial import AdversarialOptions, MLPGANBackend


@dataclass
class Options(AdversarialOptions):
    pass


class TinyBackend(MLPGANBackend):
    name = "tiny-thirdparty"
    conditional = True
    Options = Options


@hookimpl
def register_backends(register):
    register(TinyBackend)
'''


def make_distribution(root, module, source, name="thirdparty-ganaug", entry=None):
    """Write an importable module plus a .dist-info declaring a `ganaug` entry point."""
    (root / f"{module}.py").write_text(textwrap.dedent(source))
    info = root / f"{name.replace('-', '_')}-1.2.3.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.2.3\n")
    (info / "entry_points.txt").write_text(f"[ganaug]\n{entry or module} = {module}\n")


@pytest.fixture
def site(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def test_builtin_backends_come_from_entry_points():
    host = get_host()
    assert {"gan", "cgan", "wgan", "wgan-gp", "ctgan"} <= set(host.backends())
    origin = host.origin("ctgan")
    assert origin.name == "ctgan" and origin.distribution == "ganaug"


def test_core_never_imports_builtin_plugins():
    import pathlib

    import ganaug

    for path in pathlib.Path(ganaug.__file__).parent.glob("*.py"):
        source = path.read_text()
        assert "import ganaug_plugins" not in source and "from ganaug_plugins" not in source, path


def test_thirdparty_entry_point_is_discovered_and_conforms(site):
    make_distribution(site, "tiny_plugin", PLUGIN_SOURCE)
    host = PluginHost()
    host.load_entry_points()
    backend = host.backends()["tiny-thirdparty"]
    assert host.origin("tiny-thirdparty").distribution == "thirdparty-ganaug"
    assert host.origin("tiny-thirdparty").version == "1.2.3"
    check_backend(backend)


def test_broken_plugin_is_isolated_and_reported(site):
    make_distribution(site, "broken_plugin", "raise RuntimeError('boom at import')", name="broken-dist")
    make_distribution(site, "tiny_plugin", PLUGIN_SOURCE)
    host = PluginHost()
    host.load_entry_points()
    assert "tiny-thirdparty" in host.backends() and "ctgan" in host.backends()
    failure = next(f for f in host.failures() if f.name == "broken_plugin")
    assert failure.distribution == "broken-dist" and "boom at import" in failure.error


def test_env_var_reraises_plugin_errors(site, monkeypatch):
    make_distribution(site, "broken_plugin", "raise RuntimeError('boom at import')", name="broken-dist")
    monkeypatch.setenv(RAISE_ENV_VAR, "1")
    with pytest.raises(RuntimeError, match="boom at import"):
        PluginHost().load_entry_points()


class NotABackend:
    name = "not-a-backend"


def test_invalid_and_duplicate_backends_are_reported():
    host = PluginHost()
    host.load_entry_points()

    class Plugin:
        @hookimpl
        def register_backends(self, register):
            register(NotABackend)
            register(host.backends()["ctgan"])  # name already taken

    host.register(Plugin(), name="bad-plugin")
    errors = [f.error for f in host.failures() if f.name == "bad-plugin"]
    assert any("not a subclass of ganaug.Backend" in e for e in errors)
    assert any("taken by ctgan" in e for e in errors)
    assert "ctgan" in host.backends()


def test_hook_raising_is_isolated():
    host = PluginHost()
    host.load_entry_points()

    class Plugin:
        @hookimpl
        def register_backends(self, register):
            raise KeyError("oops")

    host.register(Plugin(), name="raising")
    assert "ctgan" in host.backends()
    assert any(f.name == "raising" and "oops" in f.error for f in host.failures())
    host.unregister("raising")
    assert not any(f.name == "raising" for f in host.failures())
