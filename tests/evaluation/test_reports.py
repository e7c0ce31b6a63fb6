"""Evaluation reports: tables and plots in a new folder (ganaug.evaluation.reports)."""

import pandas as pd
import pytest
from imblearn.over_sampling import RandomOverSampler
from sklearn.dummy import DummyClassifier
from sklearn.model_selection import RepeatedStratifiedKFold, StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier

from ganaug import GANOverSampler, evaluate, evaluate_datasets, report
from ganaug.data.datasets import load_imbalanced
from ganaug.errors import UsageError
from ganaug.evaluation.plots import plot_marginals
from ganaug.evaluation.reports import markdown_table
from ganaug.fileformat import MANIFEST_NAME

CV2 = StratifiedKFold(2, shuffle=True, random_state=0)




PNG = b"\x89PNG"


def test_report_writes_tables_and_plots(table, fast, tmp_path):
    X, y = table
    samplers = {"none": None, "ros": RandomOverSampler(random_state=0), "gan": GANOverSampler(**fast)}
    results = evaluate(X, y, samplers, {"knn": KNeighborsClassifier(3)}, cv=CV2)
    folder = report(results, tmp_path / "rep", X=X, y=y, samplers=samplers)
    names = {p.name for p in folder.iterdir()}
    assert names == {"results.csv", "summary.md", "report.html", "metrics.png", "class_recall.png",
                     "losses.png", "marginals_gan.png", MANIFEST_NAME}
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
    with pytest.raises(UsageError, match="did not write"):  # force replaces only what ganaug wrote
        report(results, folder, force=True)
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]
    assert (folder / "notes.txt").read_text() == "mine"
    report(results, tmp_path / "new")
    report(results, tmp_path / "new", force=True)  # a report ganaug wrote: replaced whole
    with pytest.raises(UsageError, match="is a file"):
        report(results, folder / "notes.txt")


def test_report_over_several_datasets_ranks_samplers(table, tmp_path):
    X, y = table
    results = evaluate_datasets({"tiny": (X, y), "wine": load_imbalanced("wine", ratio=4)},
                                samplers=["none", "ros", "smote"],
                                classifiers={"knn": KNeighborsClassifier(3)},
                                cv=CV2)
    summary = (report(results, tmp_path / "rep", metric="g_mean") / "summary.md").read_text()
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
    assert (folder / "samples_dcgan.png").read_bytes()[:4] == PNG
    assert not list(folder.glob("marginals*.png"))


def test_a_design_that_cannot_reach_significance_is_said(table, tmp_path):
    X, y = table
    results = evaluate(X, y, ["none", "ros"], {"knn": KNeighborsClassifier(3)},
                       cv=StratifiedKFold(3, shuffle=True, random_state=0))
    with pytest.warns(UserWarning, match="smallest p-value the paired tests can give is 0.25"):
        folder = report(results, tmp_path / "rep")
    summary = (folder / "summary.md").read_text()
    assert "**Warning**" in summary and "more folds or repeats" in summary


def test_enough_folds_give_no_design_warning(table, tmp_path, recwarn):
    X, y = table
    cv = RepeatedStratifiedKFold(n_splits=4, n_repeats=2, random_state=0)
    results = evaluate(X, y, ["none", "ros"], {"knn": KNeighborsClassifier(3)}, cv=cv)
    summary = (report(results, tmp_path / "rep") / "summary.md").read_text()
    assert "**Warning**" not in summary
    assert not [w for w in recwarn if "smallest p-value" in str(w.message)]


def test_intervals_say_what_they_are_taken_over(table, tmp_path):
    X, y = table
    results = evaluate(X, y, ["none", "ros"], {"knn": KNeighborsClassifier(3)}, cv=CV2)
    summary = (report(results, tmp_path / "rep") / "summary.md").read_text()
    assert "95% interval over 2 CV folds (each fold's mean over classifiers)" in summary


def test_multi_class_verdicts_use_balanced_accuracy_two_classes_g_mean(table, tmp_path):
    X, y = table  # three classes
    results = evaluate(X, y, ["none", "ros"], {"knn": KNeighborsClassifier(3)}, cv=CV2)
    assert "## Verdict (on balanced_accuracy)" in (report(results, tmp_path / "a") / "summary.md").read_text()
    binary = y.where(y == "major", "other")
    results = evaluate(X, binary, ["none", "ros"], {"knn": KNeighborsClassifier(3)}, cv=CV2)
    assert "## Verdict (on g_mean)" in (report(results, tmp_path / "b") / "summary.md").read_text()


def test_marginals_cover_every_column_of_every_grown_class_with_labelled_axes(table, fast):
    X, y = table
    gan = GANOverSampler(**fast)
    fitted = {"gan": (gan, *gan.fit_resample(X, y))}
    figure = plot_marginals(X, y, fitted)
    axes = figure.get_axes()
    assert len(axes) == X.shape[1] * 2  # 5 columns x (minor, rare)
    titles = {ax.get_title() for ax in axes}
    assert "gan, class rare: height" in titles and "gan, class minor: colour" in titles
    assert all(ax.get_xlabel() and ax.get_ylabel() in ("density", "share of rows") for ax in axes)
    assert len(plot_marginals(X, y, fitted, columns=["height"]).get_axes()) == 2
    with pytest.raises(UsageError, match="weight"):
        plot_marginals(X, y, fitted, columns=["weight"])


def test_report_takes_sampler_names_as_evaluate_does(table, tmp_path):
    X, y = table
    results = evaluate(X, y, ["none", "ros"], {"knn": KNeighborsClassifier(3)}, cv=CV2)
    folder = report(results, tmp_path / "rep", X=X, y=y, samplers=["none", "ros"])  # no GAN: no diagnostics
    assert (folder / "summary.md").exists() and not (folder / "losses.png").exists()


def test_report_html_is_one_self_contained_file(table, fast, tmp_path):
    X, y = table
    samplers = {"none": None, "gan": GANOverSampler(**fast)}
    results = evaluate(X, y, samplers, {"knn": KNeighborsClassifier(3)}, cv=CV2)
    page = (report(results, tmp_path / "rep", X=X, y=y, samplers=samplers) / "report.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and "<table>" in page and "<h2>Verdict" in page
    assert page.count('src="data:image/png;base64,') == 4  # metrics, class recall, losses, marginals
    assert "http://" not in page and "https://" not in page  # nothing to fetch


def test_evaluate_refuses_an_image_sampler_on_a_table_before_any_fold(table):
    from ganaug.errors import InputError

    X, y = table
    with pytest.raises(InputError, match="'albumentations' resamples image data, and this data is a table"):
        evaluate(X, y, ["none", "albumentations"], {"knn": KNeighborsClassifier(3)}, cv=CV2)
    with pytest.raises(InputError, match="'dcgan' resamples image data"):
        evaluate(X, y, {"dcgan": GANOverSampler(backend="dcgan")}, {"knn": KNeighborsClassifier(3)}, cv=CV2)


def test_diagnostics_honour_declared_categories_and_show_missing_shares(fast):
    """An integer-coded column declared categorical is drawn as bars of its codes; gaps are counted."""
    from ganaug.evaluation.reports import fit_for_diagnostics
    from ganaug.testing import messy_table

    X, y = messy_table()
    fitted = fit_for_diagnostics(X, y, {"gan": GANOverSampler(**fast)}, categorical_features=["zip"])
    model = fitted["gan"][0]
    assert model.get_params()["categorical_features"] == ["zip"]
    figure = plot_marginals(X, y, fitted, columns=["zip", "height"])
    by_title = {ax.get_title(): ax for ax in figure.get_axes()}
    zip_axis = by_title["gan, class rare: zip"]
    assert zip_axis.get_ylabel() == "share of rows"  # bars of the seen codes, not a histogram between them
    assert {t.get_text() for t in zip_axis.get_xticklabels()} <= {str(v) for v in X["zip"].dropna().unique()}
    legend = [t.get_text() for t in by_title["gan, class rare: height"].get_legend().get_texts()]
    assert any("missing" in text for text in legend), legend


def test_the_report_says_where_its_plots_come_from(table, fast, tmp_path):
    X, y = table
    samplers = {"none": None, "gan": GANOverSampler(**fast)}
    results = evaluate(X, y, samplers, {"knn": KNeighborsClassifier(3)}, cv=CV2)
    summary = (report(results, tmp_path / "rep", X=X, y=y, samplers=samplers) / "summary.md").read_text()
    assert f"on all {len(X)} rows" in summary and "models of the folds" in summary
