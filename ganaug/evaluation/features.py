"""What classifiers (and feature-space samplers such as SMOTE) see of a table.

Numeric columns are imputed with the training fold's median and standardised;
categorical ones get the fold's most frequent level for a missing value and
are one-hot encoded. Dates and durations become seconds. Everything is fitted
on the data it is given (a training fold, resampled or not), never on a test
fold. The same steps serve every sampler, so classifiers compare like with like.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from imblearn.over_sampling import SMOTEN, SMOTENC
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler


def model_frame(frame: pd.DataFrame, categorical: Sequence[Any]) -> pd.DataFrame:
    """``frame`` with plain dtypes: numeric columns float64 (NaN where missing; dates and durations
    in seconds), categorical ones object (NaN where missing), so scikit-learn's imputers accept them."""
    chosen = set(categorical)
    columns = {}
    for name in frame.columns:
        column = frame[name]
        if name in chosen:
            values = column.astype(object).to_numpy(copy=True)
            values[column.isna().to_numpy()] = np.nan
            columns[name] = pd.Series(values, index=frame.index, dtype=object)
        elif pd.api.types.is_datetime64_any_dtype(column.dtype) or pd.api.types.is_timedelta64_dtype(
                column.dtype):
            stamps = column.dt.tz_convert("UTC").dt.tz_localize(None) if getattr(column.dt, "tz", None) \
                else column
            seconds = stamps.to_numpy().astype("datetime64[ns]" if stamps.dtype.kind == "M" else
                                               "timedelta64[ns]").astype(np.int64) / 1e9
            columns[name] = pd.Series(np.where(column.isna().to_numpy(), np.nan, seconds), index=frame.index)
        else:
            columns[name] = pd.to_numeric(column, errors="coerce").astype("float64")
    return pd.DataFrame(columns, index=frame.index)


def preprocessor(columns: Sequence[Any], categorical: Sequence[Any], one_hot: bool = True) -> Pipeline:
    """Plain dtypes -> impute -> standardise numeric columns, one-hot (or keep) categorical ones.

    ``one_hot=False`` leaves the categorical columns as imputed levels (what
    SMOTE-NC wants); the output is then a DataFrame with the input's columns.
    """
    chosen = set(categorical)
    numeric = [c for c in columns if c not in chosen]
    categorical = [c for c in columns if c in chosen]
    numeric_steps = make_pipeline(SimpleImputer(strategy="median", keep_empty_features=True),
                                  StandardScaler())
    level_steps = [SimpleImputer(strategy="most_frequent", keep_empty_features=True)]
    if one_hot:
        level_steps.append(OneHotEncoder(handle_unknown="ignore", sparse_output=False))
    encode = ColumnTransformer([("num", numeric_steps, numeric), ("cat", make_pipeline(*level_steps),
                                                                  categorical)],
                               verbose_feature_names_out=False)
    plain = FunctionTransformer(model_frame, kw_args={"categorical": categorical})
    steps = Pipeline([("plain", plain), ("encode", encode)])
    return steps if one_hot else steps.set_output(transform="pandas")


def smote_nc_fold(X_train: pd.DataFrame, y_train: np.ndarray, categorical: Sequence[Any],
                  k_neighbors: int, random_state: Any) -> tuple[np.ndarray, np.ndarray, Any]:
    """SMOTE-NC after imputation (SMOTEN when every column is categorical), then one-hot.

    Returns the model-ready resampled rows, their labels and the fitted
    transform that makes test rows alike.
    """
    columns = list(X_train.columns)
    if len(categorical) == len(columns):  # SMOTE-NC needs a numeric column; SMOTEN is for none
        levels = preprocessor(columns, categorical, one_hot=False).fit(X_train)
        one_hot = OneHotEncoder(handle_unknown="ignore", sparse_output=False).fit(levels.transform(X_train))
        X_res, y_res = SMOTEN(k_neighbors=k_neighbors, random_state=random_state).fit_resample(
            levels.transform(X_train), y_train)
        return one_hot.transform(X_res), y_res, Pipeline([("levels", levels), ("one_hot", one_hot)])
    scale = preprocessor(columns, categorical, one_hot=False).fit(X_train)
    X_scaled = scale.transform(X_train)
    numeric = [c for c in X_scaled.columns if c not in set(categorical)]
    one_hot = ColumnTransformer(
        [("num", "passthrough", numeric),
         ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), list(categorical))]
    ).fit(X_scaled)
    smote = SMOTENC(categorical_features=list(categorical), k_neighbors=k_neighbors,
                    random_state=random_state)
    X_res, y_res = smote.fit_resample(X_scaled, y_train)
    return one_hot.transform(X_res), y_res, Pipeline([("scale", scale), ("one_hot", one_hot)])
