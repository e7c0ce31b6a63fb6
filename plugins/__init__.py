"""ganaug's built-in backends, installed as the ``ganaug_plugins`` package.

Each module is registered through the ``ganaug`` entry-point group in
pyproject.toml, exactly like a third-party plugin: the core never imports it.
"""
