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


def test_history_row_is_asdict_of_the_day() -> None:
    """The engines' history row equals ``dataclasses.asdict`` of the day's record, value for value
    and type for type (both engines, a few days of the default bank)."""
    from cxsim.engines.agent import AgentModel
    from cxsim.engines.vector import VectorModel
    from cxsim.kpis import history_row
    from cxsim.spec import compile_spec

    spec = compile_spec(cxsim.load_config(["population.size=300", "simulation.days=3"]))
    for model in (VectorModel(spec=spec), AgentModel(spec=spec)):
        model.step()
        model.step()
        row = model.history[-1]
        record = DayKpis(**row)
        assert history_row(record) == dataclasses.asdict(record) == row
        assert [type(v) for v in history_row(record).values()] == [type(v) for v in dataclasses.asdict(record).values()]
        assert list(row) == list(DAILY_COLUMNS)
