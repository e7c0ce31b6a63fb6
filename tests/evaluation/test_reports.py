"""Evaluation reports: tables and plots in a new folder (ganaug.evaluation.reports)."""

import pandas as pd
import pytest
from imblearn.over_sampling import RandomOverSampler
from sklearn.dummy import DummyClassifier
from sklearn.model_selection import StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier

from ganaug import GANOverSampler, evaluate, evaluate_datasets, report
from ganaug.data.datasets import load_imbalanced
from ganaug.errors import UsageError
from ganaug.evaluation.reports import markdown_table

CV2 = StratifiedKFold(2, shuffle=True, random_state=0)


PNG = b"\x89PNG"


def test_report_writes_tables_and_plots(table, fast, tmp_path):
    X, y = table
    samplers = {"none": None, "ros": RandomOverSampler(random_state=0), "gan": GANOverSampler(**fast)}
    results = evaluate(X, y, samplers, {"knn": KNeighborsClassifier(3)}, cv=CV2)
    folder = report(results, tmp_path / "rep", X=X, y=y, samplers=samplers)
    names = {p.name for p in folder.iterdir()}
    assert names == {"results.csv", "summary.md", "metrics.png", "class_recall.png", "losses.png",
                     "marginals.png"}
    for png in folder.glob("*.png"):
        assert png.read_bytes()[:4] == PNG
    summary = (folder / "summary.md").read_text()
    assert "## Verdict" in summary and "gan " in summary and "against none" in summary
    assert "| sampler | balanced_accuracy |" in summary and "## Recall per class" in summary
    assert pd.read_csv(folder / "results.csv").shape == results.shape


def test_report_never_overwrites_a_used_folder(table, tmp_path):
    X, y = table
    results = evaluate(X, y, ["none"], {"dummy": DummyClassifier()}, cv=CV2)
    folder = tmp_path / "rep"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    with pytest.raises(UsageError, match="not empty.*force"):
        report(results, folder)
    report(results, folder, force=True)
    assert (folder / "notes.txt").read_text() == "mine"  # only the report's own files are written
    with pytest.raises(UsageError, match="is a file"):
        report(results, folder / "notes.txt")


def test_report_over_several_datasets_ranks_samplers(table, tmp_path):
    X, y = table
    results = evaluate_datasets({"tiny": (X, y), "wine": load_imbalanced("wine", ratio=4)},
                                samplers=["none", "ros", "smote"],
                                classifiers={"knn": KNeighborsClassifier(3)},
                                cv=CV2)
    summary = (report(results, tmp_path / "rep") / "summary.md").read_text()
    assert "## Mean rank on g_mean" in summary and "Friedman test" in summary
    assert "Wilcoxon over datasets, Holm" in summary


def test_markdown_table_formats_numbers():
    frame = pd.DataFrame({"a": [0.12345, float("nan")], "b": ["x", "y"]}, index=pd.Index([1, 2], name="k"))
    assert markdown_table(frame).splitlines() == ["| k | a | b |", "|---|---|---|", "| 1 | 0.123 | x |",
                                                  "| 2 |  | y |"]


def test_image_report_has_sample_grids(tmp_path):
    from ganaug.testing import tiny_images

    images, y = tiny_images()
    gan = GANOverSampler(backend="dcgan", epochs=1, batch_size=16, random_state=0)
    samplers = {"none": None, "dcgan": gan}
    results = evaluate(images, y, samplers, {"knn": KNeighborsClassifier(3)}, cv=CV2)
    folder = report(results, tmp_path / "rep", X=images, y=y, samplers=samplers)
    assert (folder / "samples_dcgan.png").read_bytes()[:4] == PNG and not (folder / "marginals.png").exists()
