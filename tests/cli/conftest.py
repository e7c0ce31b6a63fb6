"""Fixtures of the command-line tests."""

import pytest


@pytest.fixture
def csv(tmp_path, table):
    """The tiny mixed table of tests/conftest.py as a CSV file with a `label` column."""
    X, y = table
    path = tmp_path / "data.csv"
    X.assign(label=y).to_csv(path, index=False)
    return path
