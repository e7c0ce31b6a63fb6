"""Fit-time benchmark: ganaug's default fit_resample vs the `ctgan` package, same data, same run.

A 1,500-row, 8-column mixed table (6 numeric, 1 integer, 1 categorical; 10%
minority). ganaug runs at its defaults; the ctgan package at its defaults
(300 epochs, batch 500), fitted on the same rows with the label as a discrete
column. Reports median wall seconds and the ratio, plus ganaug's sampling
throughput in decoded rows per second.

    .venv-bench/bin/python benchmarks/speed.py [--repeats 3]
    .venv-bench/bin/python benchmarks/speed.py --keel   # per KEEL dev-suite dataset (first CV fold)
    .venv-bench/bin/python benchmarks/speed.py --million  # 1M rows x 20 columns, against SMOTE-NC
    .venv-bench/bin/python benchmarks/speed.py --all --out benchmarks/results  # every figure, one run
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from ganaug import GANOverSampler


def make_table(n: int = 1500, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    y = pd.Series((rng.random(n) < 0.1).astype(int), name="label")
    X = pd.DataFrame({f"x{i}": rng.normal(y * (i % 3), 1 + i % 2, n) for i in range(6)})
    X["count"] = rng.poisson(3 + 2 * y, n)
    X["kind"] = np.where(rng.random(n) < 0.3 + 0.4 * y, "a", rng.choice(["b", "c"], n))
    return X, y


def time_ganaug(X, y, backend: str, repeats: int = 1, **options) -> float:
    """Median seconds of ganaug's fit_resample with ``backend`` (its defaults, plus ``options``)."""
    return timed(GANOverSampler(backend=backend, random_state=0, **options), X, y, repeats)


def time_ctgan_package(X, y) -> float:
    from ctgan import CTGAN

    start = time.perf_counter()
    CTGAN().fit(X.assign(label=y.astype(str)), discrete_columns=["kind", "label"])
    return time.perf_counter() - start


def time_per_class(X, y, n_jobs: int | None, stack: bool = False) -> float:
    """Per-class generators for 3 minority classes: one stack, one after another, or in n_jobs processes."""
    labels = pd.Series(np.where(y == 1, "m1", "major"), name="label")
    labels[X["kind"].eq("b") & (y == 1)] = "m2"
    labels[X["kind"].eq("c") & (y == 1)] = "m3"
    start = time.perf_counter()
    GANOverSampler(conditioning="per-class", n_jobs=n_jobs, random_state=0, stack_models=stack).fit(X, labels)
    return time.perf_counter() - start


class CountOps:
    """Counts the aten operations run inside it (forward, backward and optimiser), on every thread."""

    def __enter__(self) -> CountOps:
        from torch.utils._python_dispatch import TorchDispatchMode

        counter = self

        class Mode(TorchDispatchMode):
            def __torch_dispatch__(self, func, types, args=(), kwargs=None):
                counter.ops += 1
                return func(*args, **(kwargs or {}))

        self.ops, self.mode = 0, Mode()
        self.mode.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.mode.__exit__(*exc)


def bare_loop(backend, data, steps: int) -> None:
    """The floor: ``backend``'s own nets, loss and optimisers in the plainest loop that trains them.

    Classes drawn uniformly, rows uniformly within the class, a one-hot
    condition, ``n_critic`` critic steps with the gradient penalty and one
    generator step: what ganaug's default does per update, with no hooks,
    logging, snapshots or progress bar.
    """
    from ganaug.losses import gradient_penalty

    opts = backend.options
    generator, critic = backend.generator, backend.critic
    opt_g = torch.optim.Adam(generator.parameters(), opts.lr_generator, opts.betas, fused=True)
    opt_d = torch.optim.Adam(critic.parameters(), opts.lr_critic, opts.betas, fused=True)
    X, y, k, b = data.X, data.y, data.n_classes, opts.batch_size
    by_class = [torch.nonzero(y == c).squeeze(1) for c in range(k)]
    counts = torch.tensor([len(rows) for rows in by_class])
    order, starts = torch.cat(by_class), torch.cumsum(counts, 0) - counts

    def batch():
        classes = torch.randint(k, (b,))
        rows = order[starts[classes] + (torch.rand(b) * counts[classes]).long()]
        return X[rows], torch.nn.functional.one_hot(classes, k).float()

    for _ in range(steps):
        for _ in range(opts.n_critic):
            real, cond = batch()
            with torch.no_grad():
                fake = generator(torch.randn(b, opts.noise_dim), cond)
            loss = critic(fake, cond).mean() - critic(real, cond).mean()
            loss = loss + opts.gp_weight * gradient_penalty(critic, real, fake, cond)
            opt_d.zero_grad(set_to_none=True)
            loss.backward()
            opt_d.step()
        _, cond = batch()
        loss = -critic(generator(torch.randn(b, opts.noise_dim), cond), cond).mean()
        opt_g.zero_grad(set_to_none=True)
        loss.backward()
        opt_g.step()


def floor(X, y, repeats: int) -> None:
    """ganaug's default training against the bare loop of the same nets; time and ops per update."""
    import dataclasses

    from ganaug.data import read_input
    from ganaug.sampler.jobs import plan_fit, train_jobs

    plan = plan_fit(GANOverSampler(random_state=0), read_input(X), y, np.asarray(y), False)
    job = plan.jobs[0]
    steps = job.options.steps

    def fresh():
        backend = job.backend(job.options, plan.device)
        return backend, backend.begin_fit(job.data)

    def ours(n_steps):
        train_jobs([dataclasses.replace(job, options=dataclasses.replace(job.options, steps=n_steps))],
                   plan.device)

    ours(2)  # one-time imports off the clock
    times = {"ganaug": [], "bare": []}
    for _ in range(repeats):
        start = time.perf_counter()
        ours(steps)
        times["ganaug"].append(time.perf_counter() - start)
        backend, data = fresh()
        start = time.perf_counter()
        bare_loop(backend, data, steps)
        times["bare"].append(time.perf_counter() - start)
    with CountOps() as counted_ours:
        ours(10)
    with CountOps() as counted_base:
        ours(0 + 1)
    backend, data = fresh()
    with CountOps() as counted_bare:
        bare_loop(backend, data, 10)
    per_update_ours = (counted_ours.ops - counted_base.ops) / 9
    ganaug, bare = statistics.median(times["ganaug"]), statistics.median(times["bare"])
    print(f"default training, {steps} steps: ganaug {ganaug:.2f} s, bare loop {bare:.2f} s "
          f"({ganaug / bare:.2f}x the floor); aten ops per update: ganaug {per_update_ours:.0f}, "
          f"bare loop {counted_bare.ops / 10:.0f}", flush=True)


def make_wide_table(n: int, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    """``n`` rows, 20 columns: 16 numeric, 2 counts, 2 categorical (3 and 5 levels); 5% minority."""
    rng = np.random.default_rng(seed)
    y = pd.Series((rng.random(n) < 0.05).astype(np.int64), name="label")
    X = pd.DataFrame({f"x{i}": rng.normal(y * (i % 4) * 0.5, 1 + i % 3, n) for i in range(16)})
    X["count_a"], X["count_b"] = rng.poisson(3 + 2 * y, n), rng.poisson(10, n)
    X["kind"] = np.where(rng.random(n) < 0.2 + 0.5 * y, "a", rng.choice(["b", "c"], n))
    X["grade"] = rng.choice(list("vwxyz"), n)
    return X, y


def million_part(which: str, n: int) -> dict:
    """One side of the 1M-row comparison, in a process of its own (its peak memory is its own)."""
    import resource

    X, y = make_wide_table(n)
    out: dict = {"rows": n}
    if which == "smote":
        from imblearn.over_sampling import SMOTENC

        start = time.perf_counter()
        X_res, _ = SMOTENC(categorical_features=["kind", "grade"], random_state=0).fit_resample(X, y)
        out.update(fit_resample_s=time.perf_counter() - start, added=len(X_res) - n)
    else:
        sampler = GANOverSampler(random_state=0)
        start = time.perf_counter()
        X_res, _ = sampler.fit_resample(X, y)
        out.update(fit_resample_s=time.perf_counter() - start, added=len(X_res) - n)
        start = time.perf_counter()
        sampler.generate({1: n})
        out["generate_1M_s"] = time.perf_counter() - start
    out["peak_GB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB on Linux
    return out


def million(n: int) -> None:
    """ganaug's default and SMOTE-NC balancing an ``n``-row, 20-column table, each in its own process."""
    import json
    import subprocess
    import sys

    for which in ("ganaug", "smote"):
        done = subprocess.run([sys.executable, __file__, "--million-part", which, "--rows", str(n)],
                              capture_output=True, text=True, check=True)
        print(which, json.loads(done.stdout.strip().splitlines()[-1]), flush=True)


def scaling(backend: str, sizes: tuple[int, ...] = (1_000, 10_000, 100_000)) -> None:
    """Fit time against rows (same steps), and the share of it spent encoding the table."""
    from ganaug.registry import get_backend

    cls = get_backend(backend)
    for n in sizes:
        X, y = make_table(n)
        start = time.perf_counter()
        cls(cls.Options(), torch.device("cpu")).make_encoder(0).fit(X).transform(X)
        encode = time.perf_counter() - start
        fit = time_ganaug(X, y, backend)
        print(f"{backend}, {n:>7,} rows: fit_resample {fit:.1f} s, of which encoding {encode:.2f} s "
              f"({encode / fit:.1%})", flush=True)


def keel_speed(datasets: list[str], repeats: int) -> None:
    """Per KEEL dataset: the first training fold of benchmarks/tabular.py's CV, fitted by the ctgan
    package (defaults) and by ganaug's default fit_resample; median seconds and the ratio."""
    from sklearn.model_selection import StratifiedKFold

    from ganaug.data.datasets import load_keel
    from ganaug.evaluation.reports import markdown_table

    from peers import CTGANPackageSampler

    GANOverSampler(steps=1).fit_resample(*make_table(100))  # one-time imports (torch._dynamo) off the clock
    rows = {}
    for name in datasets:
        X, y = load_keel(name)
        train, _ = next(StratifiedKFold(5, shuffle=True, random_state=0).split(X, y))
        X, y = X.iloc[train].reset_index(drop=True), np.asarray(y)[train]
        peer = timed(CTGANPackageSampler(random_state=0), X, y, 1)
        ours = timed(GANOverSampler(random_state=0), X, y, repeats)
        rows[name] = {"rows": len(X), "ctgan package s": peer, "ganaug default s": ours,
                      "x faster": peer / ours}
        print(f"{name}: {len(X)} rows, ctgan package {peer:.1f} s, ganaug {ours:.2f} s, "
              f"{peer / ours:.1f}x faster", flush=True)
    table = pd.DataFrame(rows).T
    table.loc["**min**"] = table.min()
    table["rows"] = table["rows"].astype(int)
    print(markdown_table(table, 2))


def timed(sampler, X, y, repeats: int) -> float:
    """Median seconds of ``sampler.fit_resample(X, y)``."""
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        sampler.fit_resample(X, y)
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def sampling_rate(X, y, n: int = 200_000) -> float:
    sampler = GANOverSampler(random_state=0)
    sampler.fit_resample(X, y)
    start = time.perf_counter()
    sampler.generate({1: n})
    return n / (time.perf_counter() - start)


# Every speed figure of the docs, in the order of the speed page; each part in a process of its own
# so one part's threads, caches and peak memory do not carry into the next.
ALL_PARTS = [
    ("ganaug against the ctgan package; sampling", ["speed.py", "--backends", "wgan-gp,ctgan"]),
    ("the default's training against a bare PyTorch loop", ["speed.py", "--floor"]),
    ("evaluate's 5 folds stacked against one by one (dev suite)",
     ["stacked.py", "--suite", "dev", "--out", "{out}", "--tag", "speed-all-folds"]),
    ("10 generators stacked against one",
     ["stacked.py", "--ensemble", "--datasets", "pima", "--sizes", "1,10", "--out", "{out}",
      "--tag", "speed-all-ensemble"]),
    ("image training per conv backend, float32 against bf16 autocast (8x8)",
     ["images_speed.py", "--layouts", "--backends", "dcgan,sagan,biggan,stylegan,progan,cyclegan,cogan",
      "--sides", "8", "--steps", "20", "--arms", "float32 nchw,bf16 nchw"]),
    ("a 1,000,000-row, 20-column table against SMOTE-NC", ["speed.py", "--million"]),
]


def run_all(out: Path) -> None:
    """Run every part of :data:`ALL_PARTS` in turn; print and write ``<out>/speed-all.md``."""
    import platform
    import subprocess
    import sys

    out.mkdir(parents=True, exist_ok=True)
    here = Path(__file__).parent
    lines = [f"# Speed, one run ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})", "",
             f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
             f"torch {torch.__version__}, {torch.get_num_threads()} torch threads", ""]
    for title, command in ALL_PARTS:
        args = [sys.executable, str(here / command[0]), *(a.format(out=out) for a in command[1:])]
        start = time.perf_counter()
        done = subprocess.run(args, capture_output=True, text=True, cwd=here)
        took = time.perf_counter() - start
        text = done.stdout if done.returncode == 0 else done.stdout + done.stderr[-2000:]
        shown = " ".join(command).replace("{out}", "<out>")
        lines += [f"## {title}", "", f"`{shown}` ({took:.0f} s wall, exit {done.returncode})", "",
                  "```", text.strip(), "```", ""]
        print("\n".join(lines[-7:]), flush=True)
    (out / "speed-all.md").write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--backends", default="ctgan")
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--per-class", action="store_true", help="also time per-class training with n_jobs=2")
    parser.add_argument("--scaling", action="store_true", help="also time 1k, 10k and 100k rows")
    parser.add_argument("--compile", action="store_true", help="also time each backend with compile=True")
    parser.add_argument("--keel", action="store_true",
                        help="only time the ctgan package and the default on each KEEL dev-suite dataset")
    parser.add_argument("--floor", action="store_true",
                        help="only time the default's training against a bare PyTorch loop of the same nets")
    parser.add_argument("--million", action="store_true",
                        help="only balance a 1M-row, 20-column table: ganaug's default against SMOTE-NC")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of --million")
    parser.add_argument("--million-part", choices=["ganaug", "smote"], help=argparse.SUPPRESS)
    parser.add_argument("--all", action="store_true", help="every part above and the others, in one run")
    parser.add_argument("--out", type=Path, default=Path("bench-out"), help="where --all writes speed-all.md")
    args = parser.parse_args()
    if args.all:
        run_all(args.out.resolve())
        return
    if args.million_part:
        import json

        print(json.dumps(million_part(args.million_part, args.rows)))
        return
    if args.million:
        million(args.rows)
        return
    if args.floor:
        floor(*make_table(), args.repeats)
        return
    if args.keel:
        from tabular import DEV_SUITE

        keel_speed(list(DEV_SUITE), args.repeats)
        return
    X, y = make_table()
    print(f"table: {X.shape[0]} rows x {X.shape[1]} columns, {int(y.sum())} minority; "
          f"torch threads: {torch.get_num_threads()}")
    peer = None
    if not args.no_peer:
        peer = statistics.median(time_ctgan_package(X, y) for _ in range(args.repeats))
        print(f"ctgan package (defaults, 300 epochs): median {peer:.1f} s")
    for backend in args.backends.split(","):
        ours = time_ganaug(X, y, backend, args.repeats)
        ratio = f", {peer / ours:.1f}x faster than the ctgan package" if peer else ""
        print(f"ganaug {backend} fit_resample (defaults): median {ours:.1f} s{ratio}")
        if args.compile:
            compiled = time_ganaug(X, y, backend, args.repeats, compile=True)
            print(f"ganaug {backend} with compile=True: median {compiled:.1f} s "
                  f"({ours / compiled:.2f}x eager)")
    print(f"ganaug sampling: {sampling_rate(X, y):,.0f} decoded rows/s")
    if args.scaling:
        for backend in args.backends.split(","):
            scaling(backend)
    if args.per_class:
        serial = statistics.median(time_per_class(X, y, None) for _ in range(args.repeats))
        parallel = statistics.median(time_per_class(X, y, 2) for _ in range(args.repeats))
        stacked = statistics.median(time_per_class(X, y, None, stack=True) for _ in range(args.repeats))
        print(f"per-class wgan-gp, 3 classes: one after another {serial:.1f} s, n_jobs=2 {parallel:.1f} s "
              f"({serial / parallel:.2f}x), one stack {stacked:.1f} s ({serial / stacked:.2f}x)")


if __name__ == "__main__":
    main()
