"""What classifiers and SMOTE see of a table (ganaug.evaluation.features); evaluate() on messy tables."""

import numpy as np
import pandas as pd
import pytest
from imblearn.over_sampling import SMOTE
from sklearn.model_selection import StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier

from ganaug import GANOverSampler
from ganaug.errors import InputError
from ganaug.evaluation import evaluate
from ganaug.evaluation.features import model_frame, preprocessor, smote_nc_fold

CV2 = StratifiedKFold(2, shuffle=True, random_state=0)


@pytest.fixture
def messy():
    """Missing values of every kind, an integer-coded category, a timezone-aware date, a duration."""
    rng = np.random.default_rng(0)
    n = 120
    y = np.where(np.arange(n) < 30, "rare", "common")
    X = pd.DataFrame({
        "amount": rng.normal(size=n) + (y == "rare"),
        "zip": rng.choice([10164, 10175, 10280], n),
        "channel": pd.array(rng.choice(["web", "shop"], n), dtype="string"),
        "count": pd.array(rng.integers(0, 9, n), dtype="Int64"),
        "opened": pd.date_range("2024-01-01", periods=n, freq="D", tz="Europe/Paris"),
        "wait": pd.to_timedelta(rng.integers(0, 600, n), unit="s"),
    })
    X.loc[rng.random(n) < 0.2, "amount"] = np.nan
    X.loc[rng.random(n) < 0.2, "channel"] = pd.NA
    X.loc[rng.random(n) < 0.2, "count"] = pd.NA
    X.loc[rng.random(n) < 0.1, "opened"] = pd.NaT
    return X, y


def test_model_frame_gives_plain_dtypes(messy):
    X, _ = messy
    plain = model_frame(X, ["zip", "channel"])
    assert plain["amount"].dtype == np.float64 and plain["count"].dtype == np.float64
    assert plain["zip"].dtype == object and plain["channel"].dtype == object
    assert plain["channel"].isna().sum() == X["channel"].isna().sum()
    assert plain["count"].isna().sum() == X["count"].isna().sum()
    # dates in seconds since the epoch (UTC), durations in seconds
    assert plain["opened"].iloc[0] == pd.Timestamp("2024-01-01", tz="Europe/Paris").timestamp()
    assert plain["wait"].iloc[0] == X["wait"].iloc[0].total_seconds()
    assert plain["opened"].isna().sum() == X["opened"].isna().sum()
    pd.testing.assert_frame_equal(X, messy[0])  # the caller's table is untouched


def test_preprocessor_imputes_and_one_hot_encodes_declared_columns(messy):
    X, _ = messy
    features = preprocessor(X.columns, ["zip", "channel"]).fit(X).transform(X)
    assert not np.isnan(features).any()
    # 4 numeric columns + 3 zip levels + 2 channel levels (a missing channel gets the most frequent)
    assert features.shape == (len(X), 4 + 3 + 2)


def test_smote_nc_after_imputation(messy):
    X, y = messy
    X_res, y_res, transform = smote_nc_fold(X, y, ["zip", "channel"], k_neighbors=5, random_state=0)
    assert (y_res == "rare").sum() == (y_res == "common").sum() == 90
    assert not np.isnan(X_res).any()
    assert transform.transform(X).shape[1] == X_res.shape[1]


def test_smoten_when_every_column_is_categorical(messy):
    X, y = messy
    X_res, y_res, transform = smote_nc_fold(X[["zip", "channel"]], y, ["zip", "channel"], 5, 0)
    assert len(y_res) == 180 and X_res.shape[1] == transform.transform(X[["zip", "channel"]]).shape[1]


def test_evaluate_runs_every_sampler_on_a_messy_table(messy):
    X, y = messy
    samplers = {"none": None, "smote": SMOTE(random_state=0),
                "gan": GANOverSampler(backend="cgan", epochs=2, batch_size=32, random_state=0)}
    results = evaluate(X, y, samplers, {"knn": KNeighborsClassifier(3)}, cv=CV2,
                       categorical_features=["zip"])
    scored = results[results["metric"] != "fit_seconds"]
    assert scored["value"].notna().all(), scored[scored["value"].isna()]
    assert set(scored["sampler"]) == {"none", "smote", "gan"}


@pytest.mark.parametrize("stacked", [False, True])
def test_evaluate_passes_its_declaration_to_gans_left_on_auto(messy, monkeypatch, stacked):
    import ganaug.evaluation.prefit as prefit

    X, y = messy
    seen = []
    real_fit, real_many = GANOverSampler.fit_resample, prefit.fit_many

    def spy(self, X, y, **kwargs):
        seen.append(self.categorical_features)
        return real_fit(self, X, y, **kwargs)

    def spy_many(samplers, datasets):  # the folds of a stacked GAN are fitted together
        seen.extend(s.categorical_features for s in samplers)
        return real_many(samplers, datasets)

    monkeypatch.setattr(GANOverSampler, "fit_resample", spy)
    monkeypatch.setattr(prefit, "fit_many", spy_many)
    options = {"backend": "cgan", "epochs": 1, "batch_size": 32, "random_state": 0, "stack_models": stacked}
    auto = GANOverSampler(**options)
    own = GANOverSampler(**options, categorical_features=[])
    evaluate(X, y, {"auto": auto, "own": own}, {"knn": KNeighborsClassifier(3)}, cv=CV2,
             categorical_features=["zip"])
    assert ["zip"] in seen and [] in seen  # a GAN's own declaration is kept
    assert auto.categorical_features == "auto"  # the caller's sampler is not changed


def test_evaluate_names_an_unknown_declared_column(messy):
    X, y = messy
    with pytest.raises(InputError, match="postcode"):
        evaluate(X, y, ["none"], {"knn": KNeighborsClassifier(3)}, cv=CV2, categorical_features=["postcode"])
