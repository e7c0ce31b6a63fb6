"""The version of ganaug and its addresses, in one place (pyproject.toml repeats the addresses; tested)."""

__version__ = "0.2.0"
DOCUMENTATION_URL = "https://ganaug.readthedocs.io/en/latest/"
SOURCE_URL = "https://github.com/ganaug/ganaug"
