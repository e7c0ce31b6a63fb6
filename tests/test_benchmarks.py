"""The benchmark scripts (benchmarks/): they import in the main environment, and their summaries and
merging of earlier runs work on fold results shaped like theirs. The runs themselves need the peers
of the benchmark environment and belong in `make bench-deps` + the scripts, never in the tests."""

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

BENCHMARKS = Path(__file__).parents[1] / "benchmarks"


@pytest.fixture(scope="module")
def scripts():
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import missing
        import multiclass
        import tabular

        yield tabular, multiclass, missing
    finally:
        sys.path.remove(str(BENCHMARKS))


def fold_results(samplers, metrics, datasets=("a", "b", "c"), seed=0):
    rng = np.random.default_rng(seed)
    rows = [{"dataset": d, "fold": f, "sampler": s, "classifier": c, "metric": m,
             "value": rng.uniform(0.5, 0.6) + 0.2 * (s == "wgan-gp")}
            for d in datasets for f in range(3) for s in samplers for c in ("knn", "tree")
            for m in metrics]
    return pd.DataFrame(rows)


def test_tabular_summary_ranks_and_tests_the_default(scripts):
    tabular, _, _ = scripts
    results = fold_results(["none", "smote", "wgan-gp"], [*tabular.METRICS, "fit_seconds"])
    text = tabular.summary_tables(results, "wgan-gp")
    assert "### g_mean" in text and "**mean rank**" in text
    assert "### wgan-gp against each sampler, g_mean over datasets" in text
    tests = tabular.paired_tests(results, "wgan-gp", "g_mean")
    assert list(tests.index) == ["none", "smote"] and tests["wins"].tolist() == [3, 3]
    assert "| none | " in text and " | 3 | 0 | " in text  # counts print as integers


def test_summarize_merges_runs_on_the_same_folds_once(scripts, tmp_path):
    tabular, _, _ = scripts
    first = fold_results(["none", "wgan-gp"], tabular.METRICS)
    second = fold_results(["none", "prowsyn"], tabular.METRICS, seed=1)  # "none" measured twice
    first.to_csv(tmp_path / "first.csv", index=False)
    second.to_csv(tmp_path / "second.csv", index=False)
    merged = tabular.merge_runs([tmp_path / "first.csv", tmp_path / "second.csv"])
    assert set(merged["sampler"]) == {"none", "wgan-gp", "prowsyn"}
    assert len(merged) == len(first) + len(second) // 2
    pd.testing.assert_frame_equal(merged[merged["sampler"] == "none"].reset_index(drop=True),
                                  first[first["sampler"] == "none"].reset_index(drop=True))


def test_multiclass_cut_is_a_long_tail_of_the_training_folds_only(scripts):
    _, multiclass, _ = scripts
    y = np.repeat(np.arange(5), 100)
    cv = multiclass.LongTailKFold(5, ratio=20.0, random_state=0)
    order = cv.order(y)
    for train, test in cv.split(np.zeros((len(y), 1)), y):
        counts = [int((y[train] == c).sum()) for c in order]
        assert counts[0] == 80 and counts[-1] == 4 and counts == sorted(counts, reverse=True)
        assert np.bincount(y[test]).tolist() == [20] * 5
    results = fold_results(["none", "smote", "wgan-gp"], multiclass.METRICS)
    assert "### wgan-gp against each, rare_recall" in multiclass.summary(results)


def test_missing_summary_has_a_section_per_rate(scripts):
    _, _, missing = scripts
    results = pd.concat([fold_results(["none", "smote", missing.DEFAULT], missing.METRICS).assign(rate=r)
                         for r in (0.1, 0.3)])
    text = missing.summary(results)
    assert "## 10% of the cells missing" in text and "## 30% of the cells missing" in text


def test_strong_regime_summary_ranks_brier_lower_first_and_tests_each_ganaug_entry(scripts):
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import strong
    finally:
        sys.path.remove(str(BENCHMARKS))
    samplers = ["none", "threshold", "class-weight", "prowsyn", "wgan-gp", "wgan-gp+threshold"]
    results = fold_results(samplers, [*strong.METRICS, "fit_seconds"])
    results["classifier"] = results["classifier"].replace({"knn": "hgb", "tree": "forest"})
    table = strong.means_and_ranks(results, "brier")
    assert table["brier rank"].idxmin() == table["brier"].idxmin()  # lower is better for the Brier score
    text = strong.summary(results)
    assert "### hgb: ganaug entries against the rivals" in text and "wgan-gp+threshold" in text
    assert "### all classifiers: mean over 3 tables, and mean rank" in text


def test_strong_fill_scores_an_entry_that_failed_everywhere_on_a_table_as_its_source(scripts):
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import strong
    finally:
        sys.path.remove(str(BENCHMARKS))
    results = fold_results(["threshold", "half+threshold"], ["g_mean", "fit_seconds"])
    failed = (results["sampler"] == "half+threshold") & (results["dataset"] == "b")
    results.loc[failed, "value"] = np.nan
    filled = strong.fill_from(results, "half+threshold", "threshold")
    got = filled[(filled["sampler"] == "half+threshold") & (filled["metric"] == "g_mean")]
    want = results[(results["sampler"] == "threshold") & (results["metric"] == "g_mean")]
    assert sorted(got[got["dataset"] == "b"]["value"]) == sorted(want[want["dataset"] == "b"]["value"])
    assert got["value"].notna().all() and len(got) == len(want)
    assert strong.fill_from(filled, "half+threshold", "threshold") is filled  # nothing left to fill


def test_no_benchmark_writes_over_the_stored_results_unless_asked():
    """A quick look (`benchmarks/X.py --datasets ...`) must not replace the results the docs quote."""
    import ast
    from pathlib import Path

    for script in sorted(Path(__file__).resolve().parents[1].glob("benchmarks/*.py")):
        for node in ast.walk(ast.parse(script.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "add_argument" \
                    and node.args and getattr(node.args[0], "value", None) == "--out":
                default = next((ast.unparse(k.value) for k in node.keywords if k.arg == "default"), "None")
                assert "results" not in default, f"{script.name}: --out defaults to {default}"


def test_stacked_summary_compares_the_arms_on_time_and_quality(scripts):
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import stacked
    finally:
        sys.path.remove(str(BENCHMARKS))
    results = fold_results(["stacked", "sequential"], ["g_mean", "minority_f1", "fit_seconds"])
    text = stacked.fold_summary(results)
    assert "| stacked / sequential | 3 |" in text
    assert "### paired over tables" in text and "g_mean" in text and "minority_f1" in text
