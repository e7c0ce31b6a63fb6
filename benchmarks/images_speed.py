"""Training throughput of the convolutional image backends: images/s and the share of the machine's peak.

For each backend and image side, a fit of ``--steps`` generator steps on
random images of 10 classes is timed (after a short warm-up fit), and the
floating-point work of one training iteration (critic step + generator
step) is counted with ``torch.utils.flop_counter``. The peer is the
machine's own float32 matmul throughput, measured in the same run, so the
report is "this fraction of what the CPU (or GPU) can do on a large matmul".

    .venv/bin/python benchmarks/images_speed.py                       # dcgan at 8 and 32 px
    .venv/bin/python benchmarks/images_speed.py --backends dcgan,sagan,biggan,stylegan,progan --sides 32,64
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from torch.utils.flop_counter import FlopCounterMode

from ganaug import GANOverSampler


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


def _count(model) -> float:
    """FLOPs of one critic step plus one generator step of a fitted model, on a random batch."""
    side, channels = model.sample_shape_[-1], model.sample_shape_[0]
    batch = model.options.batch_size
    real = torch.rand(batch, channels, side, side, device=model.device) * 2 - 1
    cond = torch.nn.functional.one_hot(torch.arange(batch, device=model.device) % model.n_classes_,
                                       model.n_classes_).float()
    counter = FlopCounterMode(display=False)
    with counter:
        z = torch.randn(batch, model.options.noise_dim, device=model.device)
        with torch.no_grad():
            fake = model.generator(z, cond)
        scores = model.critic(model.augment(real), cond), model.critic(model.augment(fake), cond)
        model.loss.critic(*scores).backward()
        fake, _ = model.generator.with_logits(z, cond)
        model.loss.generator(model.critic(model.augment(fake), cond)).backward()
    return float(counter.get_total_flops())


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
            "flops_per_s": _count(model) * steps / seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="dcgan")
    parser.add_argument("--sides", default="8,32")
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
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
