"""The plugin host and its hooks: entry points, isolated failures, registries (ganaug.registry)."""

import textwrap

import pytest

from ganaug import hookimpl
from ganaug.registry import RAISE_ENV_VAR, PluginHost, get_host
from ganaug.testing import check_backend

PLUGIN_SOURCE = '''
from dataclasses import dataclass

import torch

from ganaug import hookimpl
from ganaug.training import AdversarialOptions, MLPGANBackend


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


class NotABackend:
    name = "not-a-backend"


@pytest.fixture
def global_plugin():
    """Register a plugin object on the process-wide host for one test."""
    names = []

    def register(plugin, name):
        get_host().register(plugin, name=name)
        names.append(name)

    yield register
    for name in names:
        get_host().unregister(name)


def hook_names():
    import ganaug.registry.hookspecs as hookspecs

    return [name for name in dir(hookspecs) if name.startswith("register_")]


def hook_signature(name):
    import inspect

    import ganaug.registry.hookspecs as hookspecs

    signature = inspect.signature(getattr(hookspecs, name))
    params = ", ".join(f"{p.name}: {p.annotation}" for p in signature.parameters.values())
    return f"def {name}({params}) -> {signature.return_annotation}"


def plugin_guide_hooks_section():
    import pathlib

    guide = (pathlib.Path(__file__).parents[2] / "docs" / "guide" / "plugins.md").read_text()
    start = guide.index("## Hooks")
    end = guide.find("\n## ", start + 1)
    return guide[start:end if end > 0 else None]


def test_builtin_backends_come_from_entry_points():
    host = get_host()
    assert {"gan", "cgan", "wgan", "wgan-gp", "ctgan"} <= set(host.backends())
    origin = host.origin("ctgan")
    assert origin.name == "ctgan" and origin.distribution == "ganaug"


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


SHADOW_SOURCE = PLUGIN_SOURCE.replace('name = "tiny-thirdparty"', 'name = "ctgan"')


def test_a_plugin_cannot_take_the_name_of_a_built_in_backend(site):
    from ganaug_plugins.ctgan import CTGANBackend

    make_distribution(site, "aaa_shadow", SHADOW_SOURCE, name="aaa-shadow")  # sorts before the built-ins
    host = PluginHost()
    host.load_entry_points()
    assert host.backends()["ctgan"] is CTGANBackend
    assert host.origin("ctgan").distribution == "ganaug"
    failed = [f for f in host.failures() if f.backends == ("ctgan",)]
    assert [f.name for f in failed] == ["aaa_shadow"]  # the newcomer is the one reported, naming both
    assert "taken by ctgan (ganaug" in failed[0].error and "aaa_shadow (aaa-shadow 1.2.3)" in failed[0].error


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


def test_hook_register_backends(global_plugin):
    from ganaug import list_backends

    class Plugin:
        @hookimpl
        def register_backends(self, register):
            from ganaug.training import AdversarialOptions, MLPGANBackend

            register(type("Mine", (MLPGANBackend,), {"name": "mine", "Options": AdversarialOptions}))

    global_plugin(Plugin(), "mine-plugin")
    assert "mine" in list_backends()
    assert get_host().origin("mine").name == "mine-plugin"


def test_hook_register_losses(global_plugin):
    from ganaug.losses import AdversarialLoss
    from ganaug.registry import get_loss

    class Doubled(AdversarialLoss):
        def critic(self, real, fake):
            return 2 * (fake - real).mean()

        def generator(self, fake):
            return -2 * fake.mean()

    class Plugin:
        @hookimpl
        def register_losses(self, register):
            register("doubled", Doubled)
            register("hinge", Doubled)  # a built-in name: refused, reported

    global_plugin(Plugin(), "loss-plugin")
    assert isinstance(get_loss("doubled"), Doubled)
    assert get_loss("hinge").name == "hinge"  # the built-in still wins
    errors = [f.error for f in get_host().failures() if f.name == "loss-plugin"]
    assert any("'hinge' is taken by ganaug" in e for e in errors)


def test_hook_register_metrics(global_plugin, table):
    from sklearn.dummy import DummyClassifier
    from sklearn.model_selection import StratifiedKFold

    from ganaug.evaluation import evaluate

    class Plugin:
        @hookimpl
        def register_metrics(self, register):
            register("n_test_rows", lambda p: float(len(p.y_true)))
            register("broken", "not callable")

    global_plugin(Plugin(), "metric-plugin")
    X, y = table
    results = evaluate(X, y, ["none"], {"dummy": DummyClassifier()},
                       cv=StratifiedKFold(2, shuffle=True, random_state=0), metrics=["n_test_rows"])
    assert sorted(results.loc[results["metric"] == "n_test_rows", "value"]) == [26.0, 26.0]
    errors = [f.error for f in get_host().failures() if f.name == "metric-plugin"]
    assert any("not callable" in e for e in errors)


def test_hook_register_commands(global_plugin, capsys):
    from ganaug.cli import main

    class Plugin:
        @hookimpl
        def register_commands(self, cli):
            parser = cli.add_command("hello", lambda args: print(f"hello {args.name}"), help="greet")
            parser.add_argument("--name", default="world")
            cli.add_command("demo", lambda args: None)  # taken by ganaug: refused, reported

    global_plugin(Plugin(), "command-plugin")
    assert main(["hello", "--name", "plugin"]) == 0
    assert "hello plugin" in capsys.readouterr().out
    assert main(["plugins"]) == 0
    out = capsys.readouterr().out
    assert "commands: hello" in out and "'demo' is taken by ganaug" in out


def test_the_hooks_are_the_designed_ones():
    assert hook_names() == ["register_backends", "register_commands", "register_losses",
                            "register_metrics"]


@pytest.mark.parametrize("name", hook_names())
def test_every_hook_is_documented_in_the_plugin_guide_with_its_signature(name):
    assert hook_signature(name) in plugin_guide_hooks_section(), hook_signature(name)


@pytest.mark.parametrize("name", hook_names())
def test_every_hook_has_a_test_and_a_full_docstring(name):
    import ganaug.registry.hookspecs as hookspecs

    assert f"test_hook_{name}" in globals(), f"write test_hook_{name} in tests/test_plugins.py"
    doc = getattr(hookspecs, name).__doc__
    positions = [doc.index(section) for section in ("Parameters\n", "Returns\n", "Notes\n")]
    assert positions == sorted(positions), "sections in the order: Parameters, Returns, Notes"


# ---- round three: plugins that try to take a built-in's place or end the program ------------------------
def test_an_entry_point_named_like_a_built_in_never_replaces_it(site):
    from ganaug_plugins.dcgan import DCGANBackend
    from ganaug_plugins.wgan_gp import WGANGPBackend

    source = PLUGIN_SOURCE.replace('name = "tiny-thirdparty"', 'name = "tiny-shadow"')
    make_distribution(site, "aaa_impostor", source, name="aaa-impostor", entry="wgan-gp")
    info = next(site.glob("aaa_impostor-*.dist-info"))
    (info / "entry_points.txt").write_text("[ganaug]\nwgan-gp = aaa_impostor\ndcgan = aaa_impostor\n")
    host = PluginHost()
    host.load_entry_points()
    assert host.backends()["wgan-gp"] is WGANGPBackend and host.backends()["dcgan"] is DCGANBackend
    failed = {f.name for f in host.failures() if f.distribution == "aaa-impostor"}
    assert failed == {"wgan-gp", "dcgan"}
    assert all("taken by ganaug" in f.error for f in host.failures() if f.distribution == "aaa-impostor")


@pytest.mark.parametrize("raised", ["SystemExit(0)", "SystemExit(3)", "KeyboardInterrupt()",
                                    "GeneratorExit()"])
def test_a_plugin_that_exits_at_import_ends_no_command(site, raised):
    make_distribution(site, "exiting_plugin", f"raise {raised}", name="exiting-dist")
    host = PluginHost()
    host.load_entry_points()  # returns: the built-ins load, the plugin is reported
    assert "wgan-gp" in host.backends()
    assert any(f.name == "exiting_plugin" and type(eval(raised)).__name__ in f.error
               for f in host.failures())


@pytest.mark.parametrize("raised", [SystemExit, KeyboardInterrupt])
def test_a_hook_that_exits_ends_no_command(raised):
    host = PluginHost()
    host.load_entry_points()

    class Plugin:
        @hookimpl
        def register_backends(self, register):
            raise raised()

        @hookimpl
        def register_metrics(self, register):
            raise raised()

    host.register(Plugin(), name="exiting")
    assert "ctgan" in host.backends() and "g_mean" in host.metrics()
    assert sum(f.name == "exiting" for f in host.failures()) == 2


def test_a_real_ctrl_c_while_plugins_load_still_stops(site):
    import signal
    import warnings

    make_distribution(site, "slow_plugin", "import os, signal\nos.kill(os.getpid(), signal.SIGINT)\n",
                      name="slow-dist")
    # the program's own SIGINT handler stays in charge while plugins load; this test is about Python's
    # default one, delivered to this thread. An earlier test in the same process may have left another
    # handler, or SIGINT blocked in this thread (a library spawning a helper process blocks it around the
    # spawn): set both for the test, and say what was found
    found = signal.signal(signal.SIGINT, signal.default_int_handler)
    mask = signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    if found is not signal.default_int_handler or signal.SIGINT in mask:
        warnings.warn(f"before this test SIGINT was handled by {found!r}, blocked: {signal.SIGINT in mask}",
                      RuntimeWarning, stacklevel=1)
    try:
        with pytest.raises(KeyboardInterrupt):
            PluginHost().load_entry_points()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        signal.signal(signal.SIGINT, found)


@pytest.mark.parametrize("name", ["wgan-gp ", " ctgan", "WGAN-GP", "wg\u0430n-gp", "dc\u200bgan", "a b",
                                  "-gan", "gan-", "ga--n", "", "\u0441tgan"])
def test_lookalike_names_are_refused(name):
    host = PluginHost()
    host.load_entry_points()

    class Lookalike(host.backends()["ctgan"]):
        pass

    Lookalike.name = name

    class Plugin:
        @hookimpl
        def register_backends(self, register):
            register(Lookalike)

        @hookimpl
        def register_losses(self, register):
            register(name, lambda: None)

    host.register(Plugin(), name="lookalike")
    assert name not in host.backends() and name not in host.losses()
    assert sum(f.name == "lookalike" for f in host.failures()) == 2
