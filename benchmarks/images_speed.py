"""Training throughput of the convolutional image backends: images/s and the share of the machine's peak.

For each backend and image side, a fit of ``--steps`` generator steps on
random images of 10 classes is timed (after a short warm-up fit), and the
floating-point work of one training iteration (critic steps + generator
step) is counted with ``torch.utils.flop_counter`` as the difference
between a 2-epoch and a 1-epoch fit. The peer is the
machine's own float32 matmul throughput, measured in the same run, so the
report is "this fraction of what the CPU (or GPU) can do on a large matmul".

    .venv-bench/bin/python benchmarks/images_speed.py                       # dcgan at 8 and 32 px
    .venv-bench/bin/python benchmarks/images_speed.py --backends dcgan,sagan,biggan,stylegan,progan \
        --sides 32,64

``--layouts`` instead times one training step under each memory layout and
precision (float32 or bf16 autocast; NCHW or channels-last), in one process,
each arm's step cost taken as the difference of a short and a longer fit
(so set-up is left out), beside float32 NCHW as the peer. It also prints
whether this CPU has native bf16 (oneDNN's check), the switch that decides
whether ``precision="auto"`` may pick bf16 here:

    .venv-bench/bin/python benchmarks/images_speed.py --layouts --backends dcgan,stylegan --sides 8,32
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from torch.utils.flop_counter import FlopCounterMode

from ganaug import GANOverSampler
from ganaug.devices import native_bf16


def matmul_flops_per_second(device: torch.device, size: int = 2048, repeats: int = 10) -> float:
    a, b = torch.randn(size, size, device=device), torch.randn(size, size, device=device)
    a @ b  # warm-up
    _sync(device)
    start = time.perf_counter()
    for _ in range(repeats):
        a @ b
    _sync(device)
    return 2 * size**3 * repeats / (time.perf_counter() - start)


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def random_images(side: int, n: int = 640, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = np.r_[np.zeros(n - 9 * (n // 20), int), np.repeat(np.arange(1, 10), n // 20)]  # imbalanced
    return rng.integers(0, 256, (n, side, side, 3), dtype=np.uint8), labels


def iteration_flops(backend: str, X: np.ndarray, y: np.ndarray, device: str) -> float:
    """FLOPs of one training iteration (its critic steps and generator step, as the fit runs them).

    Counted as (2-epoch fit - 1-epoch fit) / steps per epoch, so it is exactly what training does
    per step (augmentation, penalties, averaged weights included) without restating a step here.
    """
    def fit_flops(epochs: int) -> tuple[float, int]:
        counter = FlopCounterMode(display=False)
        with counter:
            sampler = GANOverSampler(backend=backend, epochs=epochs, device=device, random_state=0).fit(X, y)
        return float(counter.get_total_flops()), next(iter(sampler.backends_.values())).total_steps_

    (one, steps_one), (two, steps_two) = fit_flops(1), fit_flops(2)
    return (two - one) / (steps_two - steps_one)


def measure(backend: str, side: int, steps: int, device: str) -> dict[str, float]:
    X, y = random_images(side)
    GANOverSampler(backend=backend, steps=5, device=device, random_state=0).fit(X, y)  # warm-up
    sampler = GANOverSampler(backend=backend, steps=steps, device=device, random_state=0)
    start = time.perf_counter()
    sampler.fit(X, y)
    seconds = time.perf_counter() - start
    model = next(iter(sampler.backends_.values()))
    images = steps * model.options.batch_size * 2  # a critic and a generator pass per step
    return {"seconds": seconds, "images_per_s": images / seconds,
            "flops_per_s": iteration_flops(backend, X, y, device) * steps / seconds}


ARMS = {  # name: options
    "float32 nchw": {"precision": "float32", "memory_format": "contiguous"},
    "float32 channels-last": {"precision": "float32", "memory_format": "channels-last"},
    "bf16 nchw": {"precision": "bf16", "memory_format": "contiguous"},
    "bf16 channels-last": {"precision": "bf16", "memory_format": "channels-last"},
}


def step_seconds(backend: str, side: int, steps: int, device: str, options: dict) -> float:
    """Seconds per training step: (fit of 3*steps - fit of steps) / (2*steps), set-up cancelled."""
    X, y = random_images(side)
    seconds = []
    for n in (steps, 3 * steps):
        start = time.perf_counter()
        GANOverSampler(backend=backend, steps=n, device=device, random_state=0, **options).fit(X, y)
        seconds.append(time.perf_counter() - start)
    return (seconds[1] - seconds[0]) / (2 * steps)


def compare_layouts(backends: list[str], sides: list[int], steps: int, device: str, arms: list[str]) -> None:
    print(f"native bf16 on {device}: {native_bf16(torch.device(device))}; CPU capability "
          f"{torch.backends.cpu.get_cpu_capability()}; torch threads {torch.get_num_threads()}")
    print("| backend | side | arm | s per step | against float32 nchw |")
    print("|---|---|---|---|---|")
    for backend in backends:
        for side in sides:
            GANOverSampler(backend=backend, steps=2, device=device, random_state=0).fit(*random_images(side))
            base = None
            for arm in arms:
                cost = step_seconds(backend, side, steps, device, ARMS[arm])
                base = cost if base is None else base
                print(f"| {backend} | {side} | {arm} | {cost:.3f} | {base / cost:.2f}x |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="dcgan")
    parser.add_argument("--sides", default="8,32")
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--layouts", action="store_true",
                        help="time a step under each memory layout and precision instead")
    parser.add_argument("--arms", default=",".join(ARMS), help="with --layouts: which arms (comma-separated)")
    args = parser.parse_args()
    if args.layouts:
        compare_layouts(args.backends.split(","), [int(s) for s in args.sides.split(",")], args.steps,
                        args.device, args.arms.split(","))
        return
    device = torch.device(args.device)
    peak = matmul_flops_per_second(device)
    print(f"device {device}, torch threads {torch.get_num_threads()}: "
          f"float32 matmul {peak / 1e9:.1f} GFLOP/s (the peer)")
    print("| backend | side | images/s (critic + generator passes) | GFLOP/s | share of matmul peak |")
    print("|---|---|---|---|---|")
    for backend in args.backends.split(","):
        for side in (int(s) for s in args.sides.split(",")):
            r = measure(backend, side, args.steps, args.device)
            print(f"| {backend} | {side} | {r['images_per_s']:.0f} | {r['flops_per_s'] / 1e9:.2f} | "
                  f"{r['flops_per_s'] / peak:.1%} |", flush=True)


if __name__ == "__main__":
    main()
