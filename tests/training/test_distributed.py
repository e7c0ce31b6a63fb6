"""DDP under torchrun, and evaluation sweeps on Dask (ganaug.training.distributed)."""

import os
import socket
import subprocess
import sys

import joblib
import numpy as np
import pytest

from ganaug import GANOverSampler, evaluate, evaluate_datasets
from ganaug.cli import main
from ganaug.testing import tiny_table

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def dask_client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        yield client


DDP_SCRIPT = """
import sys, torch, torch.distributed as dist
from ganaug.devices import is_distributed, rank
from ganaug.training.distributed import init_distributed
from ganaug import GANOverSampler
from ganaug.testing import tiny_data
from ganaug.registry import get_backend
init_distributed()
for backend in sys.argv[1:]:
    sampler = GANOverSampler(backend=backend, epochs=3, batch_size=16, random_state=0)
    sampler.fit(*tiny_data(get_backend(backend)))
    model = next(iter(sampler.backends_.values()))
    # parameters, which DDP keeps equal; batch-norm statistics are each process' own (rank 0's are saved)
    nets = (model.generator, model.critic)
    digest = torch.cat([p.detach().flatten() for net in nets for p in net.parameters()]).sum()
    sums = [None, None]
    dist.all_gather_object(sums, float(digest))
    if rank() == 0:
        print("RESULT", backend, is_distributed(), sums[0] == sums[1], len(model.history_), flush=True)
"""


def _free_port() -> int:
    # a fresh port per launch: every launch from this test process reusing one port let a run meet
    # the previous run's lingering store, and a rank now and then aborted
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _torchrun(tmp_path, *args, nproc=2):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", str(nproc),
               "--master-port", str(_free_port()), *args]
    return subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)


DDP_BACKENDS = ["wgan-gp", "ctgan", "dcgan", "progan", "cogan"]


def test_an_evaluation_sweep_runs_on_a_dask_cluster_with_the_same_results(dask_client):
    X, y = tiny_table()
    X = X.select_dtypes("number")
    settings = {"samplers": ["none", "ros"], "classifiers": ["logreg", "tree"], "random_state": 0}
    local = evaluate(X, y, **settings)
    with distributed.get_task_stream(dask_client) as tasks, joblib.parallel_backend("dask"):
        remote = evaluate(X, y, **settings)
    assert len(tasks.data) >= 10  # one task per (fold, sampler) at least: the cluster did the work
    keys = ["sampler", "classifier", "fold", "metric"]
    local, remote = (r[r["metric"] != "fit_seconds"].sort_values(keys).reset_index(drop=True)
                     for r in (local, remote))  # timings differ, scores must not
    assert local[keys].equals(remote[keys])
    np.testing.assert_allclose(remote["value"], local["value"])


def test_several_datasets_sweep_on_dask(dask_client):
    X, y = tiny_table()
    datasets = {"a": (X.select_dtypes("number"), y), "b": (X[["height"]], y)}
    with joblib.parallel_backend("dask"):
        results = evaluate_datasets(datasets, samplers=["none", "ros"], classifiers=["logreg"])
    assert set(results["dataset"]) == {"a", "b"} and results["value"].notna().any()


def test_ddp_keeps_one_generator_in_step_across_processes(tmp_path):
    # one launch for every backend: each launch costs seconds of start-up and a process-group teardown
    script = tmp_path / "ddp_fit.py"
    script.write_text(DDP_SCRIPT)
    done = _torchrun(tmp_path, str(script), *DDP_BACKENDS)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    for backend in DDP_BACKENDS:  # distributed, identical weights on both processes, 3 epochs
        assert f"RESULT {backend} True True 3" in done.stdout, done.stdout


def test_ganaug_train_under_torchrun_writes_one_model(tmp_path, csv):
    model = tmp_path / "model.safetensors"
    done = _torchrun(tmp_path, "-m", "ganaug.cli", "train", str(csv), "--target", "label", "-o", str(model),
                     "--backend", "cgan", "--epochs", "2", "--batch-size", "16", "--distributed")
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("trained 'cgan'") == 1  # only rank 0 reports and writes
    assert GANOverSampler.load(model).generate({"rare": 5})[0].shape[0] == 5
    assert not list(tmp_path.glob("*.ckpt*"))


def test_distributed_outside_torchrun_says_how_to_launch(csv, tmp_path, monkeypatch, capsys):
    for name in ("MASTER_ADDR", "WORLD_SIZE"):
        monkeypatch.delenv(name, raising=False)
    model = tmp_path / "m.safetensors"
    args = ["train", str(csv), "--target", "label", "-o", str(model), "--distributed", "--epochs", "1"]
    assert main(args) == 2
    assert "torchrun --nproc-per-node" in capsys.readouterr().err and not model.exists()
