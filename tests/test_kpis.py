"""The day's record is defined once (``cxsim.kpis.DayKpis``): columns and types derive from it."""

from __future__ import annotations

import dataclasses

import numpy as np

import cxsim
from cxsim.kpis import DAILY_COLUMNS, INTEGER_COLUMNS, DayKpis
from cxsim.result import DAILY_COLUMNS as RESULT_COLUMNS


def test_columns_are_the_record_fields() -> None:
    """DAILY_COLUMNS lists DayKpis's fields in order; INTEGER_COLUMNS its int fields."""
    fields = dataclasses.fields(DayKpis)
    assert DAILY_COLUMNS == tuple(f.name for f in fields) == RESULT_COLUMNS
    assert tuple(f.name for f in fields if f.type in (int, "int")) == INTEGER_COLUMNS
    assert {"day", "customers", "visits"} <= set(INTEGER_COLUMNS)
    assert not {"nps", "csat", "margin"} & set(INTEGER_COLUMNS)


def test_daily_table_types_follow_the_record(small_result: cxsim.SimulationResult) -> None:
    """Integer fields are int64 columns, the others float64."""
    d = small_result.daily
    assert tuple(d.columns) == DAILY_COLUMNS
    for col in DAILY_COLUMNS:
        expected = np.int64 if col in INTEGER_COLUMNS else np.float64
        assert d[col].dtype == expected, col
