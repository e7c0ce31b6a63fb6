"""Table files (ganaug.data.tables): dates and durations in CSV files come back typed."""

import pandas as pd
import pytest

from ganaug.data.tables import parse_iso_dates, read_table, write_table


def test_dates_timestamps_and_durations_written_to_csv_read_back_typed(tmp_path):
    frame = pd.DataFrame({
        "day": pd.date_range("2024-01-30", periods=4),
        "stamp": pd.date_range("2024-01-30 10:15", periods=4, freq="90min", tz="Europe/Paris"),
        "wait": pd.to_timedelta(["1h", "-2min", "3 days 4s", "0s"]),
        "text": ["a", "b", "2024-01-01", "c"],
        "n": [1, 2, 3, 4],
    })
    frame.loc[1, "day"] = pd.NaT
    path = tmp_path / "t.csv"
    write_table(frame, path)
    back = read_table(path)
    assert back["day"].dt.tz is None and back["day"].isna().tolist() == [False, True, False, False]
    assert back["day"].dropna().tolist() == frame["day"].dropna().tolist()
    assert str(back["stamp"].dt.tz) == "UTC"  # a CSV keeps the offset, not the zone's name
    assert back["stamp"].tolist() == frame["stamp"].dt.tz_convert("UTC").tolist()
    assert back["wait"].tolist() == frame["wait"].tolist()
    assert back["text"].tolist() == frame["text"].tolist() and back["n"].tolist() == [1, 2, 3, 4]


@pytest.mark.parametrize("values", [
    ["2024-01-01", "2024-01-01T10:00:00+02:00"],  # naive and offset mixed
    ["2024-02-31", "2024-01-01"],  # an impossible date
    ["2024-01-01", "soon"],
    ["20240101", "20240102"],  # not ISO 8601 with dashes: could be a number or a code
])
def test_text_that_is_not_all_dates_stays_text(values):
    frame = pd.DataFrame({"c": values})
    assert parse_iso_dates(frame)["c"].tolist() == values


def test_an_empty_text_column_stays_as_it_is():
    frame = pd.DataFrame({"c": pd.Series([None, None], dtype=object)})
    assert parse_iso_dates(frame)["c"].isna().all()


def test_parquet_without_pyarrow_says_how_to_get_it(tmp_path, monkeypatch):
    import sys

    from ganaug.errors import UsageError

    frame = pd.DataFrame({"a": [1, 2]})
    write_table(frame, tmp_path / "t.parquet")
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # as if it were not installed
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    with pytest.raises(UsageError, match=r"pip install 'ganaug\[parquet\]'"):
        write_table(frame, tmp_path / "u.parquet")
    with pytest.raises(UsageError, match=r"pip install 'ganaug\[parquet\]'"):
        read_table(tmp_path / "t.parquet")
    assert not (tmp_path / "u.parquet").exists()
