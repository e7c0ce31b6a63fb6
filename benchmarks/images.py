"""Long-tailed digits benchmark (../shared/BENCHMARKS.md, "Images").

scikit-learn's 8x8 digits: a balanced test split (30% of every class), the
training split cut to an exponential long tail n_i = n_max * (1/IR)^(i/9) with
the class order shuffled by the seed. Each method balances the training split;
RBF SVC, kNN(3), logistic regression and a small CNN are trained on the result
and scored on the test split. For GAN backends the generator's own quality is
measured too: CAS (a small CNN trained on synthetic images only, tested on real
ones, divided by the same CNN trained on the real long-tailed split) and a
Fréchet distance in that real-trained CNN's penultimate features.

    .venv-bench/bin/python benchmarks/images.py                      # IR 10, 50, 100 x seeds 0, 1, 2
    .venv-bench/bin/python benchmarks/images.py --irs 50 --seeds 0   # one cell
    .venv-bench/bin/python benchmarks/images.py --irs 50 --methods cyclegan+augment   # refine="augment"
    .venv-bench/bin/python benchmarks/images.py --irs 50 --methods albumentations,mixed   # MixedOverSampler
    .venv-bench/bin/python benchmarks/images.py --summarize a/images.csv b/images.csv   # merge parallel runs
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
from imblearn.metrics import geometric_mean_score
from imblearn.over_sampling import SMOTE, RandomOverSampler
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score, f1_score, recall_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.svm import SVC

from ganaug import GANOverSampler
from ganaug.baselines import AlbumentationsOverSampler, MixedOverSampler, default_gan
from ganaug.data.datasets import describe_digits
from ganaug.evaluation.quality import SmallCNN, classification_accuracy_score, frechet_distance, sample_grid
from ganaug.evaluation.reports import markdown_table


def long_tailed_digits(ir: float, seed: int) -> tuple[np.ndarray, ...]:
    """``(X_train, y_train, X_test, y_test)``: uint8 8x8 images, long-tailed train, balanced test."""
    digits = load_digits()
    images = np.round(digits.images * 255 / 16).astype(np.uint8)
    rng = np.random.default_rng(seed)
    order = rng.permutation(10)  # which digit gets which place in the tail
    train, test = [], []
    for place, digit in enumerate(order):
        rows = rng.permutation(np.flatnonzero(digits.target == digit))
        n_test = int(round(0.3 * len(rows)))
        test += list(rows[:n_test])
        train += list(rows[n_test:][: max(2, int(round((len(rows) - n_test) * (1 / ir) ** (place / 9))))])
    train, test = np.array(train), np.array(test)
    return images[train], digits.target[train], images[test], digits.target[test]


def flat(images: np.ndarray) -> np.ndarray:
    return images.reshape(len(images), -1).astype(np.float32) / 255


def resample(method: str, X: np.ndarray, y: np.ndarray, seed: int, steps: int) -> tuple:
    if method == "none":
        return X, y, None
    if method in ("ros", "smote"):
        sampler = RandomOverSampler(random_state=seed) if method == "ros" else \
            SMOTE(k_neighbors=min(5, np.bincount(y).min() - 1), random_state=seed)
        X_res, y_res = sampler.fit_resample(X.reshape(len(X), -1), y)
        return X_res.reshape(-1, 8, 8).astype(np.uint8), y_res, None
    if method == "albumentations":
        X_res, y_res = AlbumentationsOverSampler(random_state=seed).fit_resample(X, y)
        return X_res, y_res, None
    if method == "auto":  # GANOverSampler() with no backend named: on images, the albumentations backend
        X_res, y_res = GANOverSampler(random_state=seed).fit_resample(X, y)
        return X_res, y_res, None
    if method == "mixed":  # a quarter of the new images from cyclegan (refine="augment"), the rest classical
        X_res, y_res = MixedOverSampler(gan=default_gan(steps=steps), random_state=seed).fit_resample(X, y)
        return X_res, y_res, None
    # "cyclegan+augment": the backend with refine="augment" (random transforms of its images)
    backend, _, refine = method.partition("+")
    # text-gan: each training digit described by its thickness and slant ("a thin seven leaning right")
    texts = {"texts": describe_digits(X, y)} if backend == "text-gan" else {}
    sampler = GANOverSampler(backend=backend, random_state=seed, steps=steps, refine=refine or None, **texts)
    X_res, y_res = sampler.fit_resample(X, y)
    return X_res, y_res, sampler


def scores(y_true: np.ndarray, pred: np.ndarray, rarest: np.ndarray) -> dict[str, float]:
    recalls = recall_score(y_true, pred, labels=rarest, average=None, zero_division=0)
    return {"balanced_accuracy": balanced_accuracy_score(y_true, pred),
            "f1_macro": f1_score(y_true, pred, average="macro", zero_division=0),
            "g_mean": geometric_mean_score(y_true, pred, average="multiclass", correction=0.0),
            "rare3_recall": float(np.mean(recalls))}


def classifiers(seed: int) -> dict:
    return {"svc": SVC(), "knn": KNeighborsClassifier(3), "logreg": LogisticRegression(max_iter=3000),
            "cnn": SmallCNN(random_state=seed)}


def generator_quality(sampler, X, y, X_test, y_test, seed) -> dict[str, float]:
    """CAS and Fréchet distance of a GAN sampler's images (balanced draw of n_max per class)."""
    per_class = int(np.bincount(y).max())
    synthetic, labels = sampler.generate(dict.fromkeys(sampler.backends_, per_class), random_state=seed + 100)
    cas = classification_accuracy_score(synthetic, labels, X, y, X_test, y_test, SmallCNN(random_state=seed))
    extractor = SmallCNN(random_state=seed).fit(X, y)
    return {"cas": cas["cas"], "cas_ratio": cas["ratio"],
            "frechet": frechet_distance(X_test, synthetic, extractor)}


def run(irs: list[float], seeds: list[int], methods: list[str], steps: int, out: Path) -> pd.DataFrame:
    rows = []
    for ir in irs:
        for seed in seeds:
            X, y, X_test, y_test = long_tailed_digits(ir, seed)
            counts = np.bincount(y, minlength=10)
            rarest = np.argsort(counts)[:3]
            for method in methods:
                start = time.perf_counter()
                X_res, y_res, sampler = resample(method, X, y, seed, steps)
                fit_seconds = time.perf_counter() - start
                for name, clf in classifiers(seed).items():
                    model = clf.fit(X_res if name == "cnn" else flat(X_res), y_res)
                    pred = model.predict(X_test if name == "cnn" else flat(X_test))
                    rows += [(ir, seed, method, name, k, v) for k, v in scores(y_test, pred, rarest).items()]
                rows.append((ir, seed, method, "-", "fit_seconds", fit_seconds))
                if sampler is not None:
                    quality = generator_quality(sampler, X, y, X_test, y_test, seed)
                    rows += [(ir, seed, method, "-", k, v) for k, v in quality.items()]
                    if seed == seeds[0]:
                        synthetic = X_res[sampler.sample_is_synthetic_]
                        grid = sample_grid(synthetic, y_res[sampler.sample_is_synthetic_],
                                           title=f"{method}, IR {ir:g}: synthetic digits per class")
                        grid.savefig(out / f"images_grid_{method}_ir{ir:g}.png", dpi=120)
                print(f"IR {ir:g} seed {seed} {method}: {fit_seconds:.0f} s "
                      f"(train counts {counts.tolist()})", flush=True)
            pd.DataFrame(rows, columns=COLUMNS).to_csv(out / "images.csv", index=False)
    return pd.DataFrame(rows, columns=COLUMNS)


COLUMNS = ["ir", "seed", "method", "classifier", "metric", "value"]


def summary(results: pd.DataFrame) -> str:
    """Per IR: mean over seeds and classifiers of each metric; generator quality for GANs."""
    blocks = []
    labelled = results[results["classifier"] != "-"]
    for ir, part in labelled.groupby("ir"):
        table = part.groupby(["method", "metric"])["value"].mean().unstack("metric")
        table["seeds"] = part.groupby("method")["seed"].nunique()  # merged runs may differ in seeds
        table = table.reindex(list(dict.fromkeys(part["method"])))
        heading = f"### IR {ir:g} (mean over seeds and the four classifiers)"
        blocks.append(f"{heading}\n\n{markdown_table(table)}\n")
    quality = results[(results["classifier"] == "-") & (results["metric"] != "fit_seconds")]
    if len(quality):
        table = quality.groupby(["ir", "method", "metric"])["value"].mean().unstack("metric")
        blocks.append(f"### generator quality (mean over seeds)\n\n{markdown_table(table)}\n")
    fit = results[results["metric"] == "fit_seconds"].groupby(["ir", "method"])["value"].median()
    blocks.append(f"### median fit seconds\n\n{markdown_table(fit.unstack('method'), 1)}\n")
    return "\n".join(blocks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--irs", default="10,50,100")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--methods", default="none,ros,smote,albumentations,dcgan")
    parser.add_argument("--steps", type=int, default=1500, help="generator steps of GAN backends")
    parser.add_argument("--out", default="bench-out",
                        help="folder for the results (the stored ones: --out benchmarks/results)")
    parser.add_argument("--summarize", nargs="+", metavar="CSV",
                        help="only write images.md from these images.csv files of earlier (parallel) runs")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.summarize:
        results = pd.concat([pd.read_csv(path) for path in args.summarize]).drop_duplicates(COLUMNS[:5])
        results.to_csv(out / "images.csv", index=False)
    else:
        results = run([float(v) for v in args.irs.split(",")], [int(v) for v in args.seeds.split(",")],
                      args.methods.split(","), args.steps, out)
    text = summary(results)
    (out / "images.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
