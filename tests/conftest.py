import os

import pytest

from ganaug.testing import tiny_table


def pytest_configure(config):
    """Under pytest-xdist, each worker's torch gets its share of the cores, so workers do not contend."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    if workers > 1:
        import torch

        torch.set_num_threads(max(1, (os.cpu_count() or 1) // workers))


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
