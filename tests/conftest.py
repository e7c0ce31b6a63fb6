import pytest

from ganaug.testing import tiny_table


@pytest.fixture
def table():
    """Mixed-type 3-class table: 40 major, 8 minor, 4 rare rows."""
    return tiny_table()


@pytest.fixture
def fast():
    """GANOverSampler settings that train in well under a second."""
    return {"backend": "cgan", "epochs": 2, "batch_size": 16, "random_state": 0, "device": "cpu"}
