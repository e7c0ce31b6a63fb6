import pytest

from ganaug.testing import tiny_table


@pytest.fixture
def table():
    """Mixed-type 3-class table: 40 major, 8 minor, 4 rare rows."""
    return tiny_table()


@pytest.fixture
def csv(tmp_path, table):
    """The tiny table as a CSV file with a `label` column, for command-line tests."""
    X, y = table
    path = tmp_path / "data.csv"
    X.assign(label=y).to_csv(path, index=False)
    return path


@pytest.fixture
def fast():
    """GANOverSampler settings that train in well under a second."""
    return {"backend": "cgan", "epochs": 2, "batch_size": 16, "random_state": 0, "device": "cpu"}
