"""One traced person's story as Markdown: the ``trace_*.parquet`` tables of a run, read for one id.

:func:`story` returns the person's status changes, contacts, finished journeys and word of
mouth (messages per month, praise and warnings, heard and sent) as Markdown tables, in day
order; ``docs/traces.md`` is one such story. Nothing is computed that the tables do not hold.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["markdown_table", "story"]

# The columns a story shows (cxsim.trace.COLUMNS has them all; "arrival" is arrival_min as hh:mm).
_CONTACTS = ("day", "journey", "step", "contact", "touchpoint", "arrival", "wait_min", "patience_min", "outcome",
             "moment_value", "wow", "switched", "next")  # fmt: skip
_JOURNEYS = ("day", "journey", "outcome", "contacts", "remembered", "value", "satisfaction_before", "satisfaction",
             "ltr")  # fmt: skip


def markdown_table(df: pd.DataFrame) -> str:
    """``df`` as a Markdown table (floats to three decimals, booleans as yes / blank, missing values blank)."""

    def cell(x: Any) -> str:
        if x is None or (isinstance(x, float) and x != x):  # empty (None, NaN)
            return ""
        if isinstance(x, (bool, np.bool_)):
            return "yes" if x else ""
        if isinstance(x, float):
            return f"{x:.3f}"
        return str(x)

    lines = ["| " + " | ".join(str(c) for c in df.columns) + " |", "|" + "---|" * len(df.columns)]
    lines += ["| " + " | ".join(cell(x) for x in row) + " |" for row in df.itertuples(index=False, name=None)]
    return "\n".join(lines)


def _clock(minute: float) -> str:
    return f"{int(minute) // 60:02d}:{int(minute) % 60:02d}"


def story(run_dir: Path | str, person: int) -> str:
    """The story of traced ``person`` from the trace tables in ``run_dir``, as Markdown.

    Raises:
        FileNotFoundError: the run wrote no traces (``simulation.trace`` was off).
        ValueError: ``person`` was not traced in that run.
    """
    run = Path(run_dir)
    t = {name: pd.read_parquet(run / f"trace_{name}.parquet") for name in ("contacts", "journeys", "wom", "status")}
    status = t["status"][t["status"]["person"] == person]
    if status.empty:
        traced = sorted(t["status"]["person"].unique().tolist())
        raise ValueError(f"person {person} was not traced in {run}; traced: {traced}")
    contacts = t["contacts"][t["contacts"]["person"] == person].copy()
    contacts["arrival"] = contacts["arrival_min"].map(_clock)
    journeys = t["journeys"][t["journeys"]["person"] == person]
    wom = t["wom"]
    heard = wom[wom["receiver"] == person].assign(way="heard")
    sent = wom[wom["sender"] == person].assign(way="sent")
    talk = pd.concat([heard, sent])
    talk = talk.assign(month=(talk["day"] - 1) // 30 + 1, kind=talk["sign"].map({1: "praise", -1: "warning"}))
    per_month = talk.pivot_table(index="month", columns=["way", "kind"], values="messages", aggfunc="sum", fill_value=0)
    per_month.columns = [" ".join(pair) for pair in per_month.columns]  # ("heard", "praise") -> "heard praise"
    parts = [
        f"### Person {person} ({status['segment'].iloc[0]} segment): status",
        markdown_table(status[["day", "from_status", "to_status", "via"]]),
        "### Contacts",
        markdown_table(contacts[list(_CONTACTS)]) if len(contacts) else "(none)",
        "### Journeys remembered",
        markdown_table(journeys[list(_JOURNEYS)]) if len(journeys) else "(none)",
        "### Word of mouth (messages per 30-day month)",
        markdown_table(per_month.reset_index()) if len(per_month) else "(none)",
    ]
    return "\n\n".join(parts) + "\n"
