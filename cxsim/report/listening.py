"""Listening and prescription in a comparison: measured vs true NPS, survey size, value of a promoter.

One set of rows (``listening_rows``) feeds the HTML report's table and the terminal's lines
(``listening_lines``), so both say the same thing.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from cxsim.report.labels import format_value

if TYPE_CHECKING:
    from cxsim.compare import ComparisonResult

__all__ = ["listening_lines", "listening_rows"]


def _kpi(result: ComparisonResult, design: str, kpi: str) -> dict[str, float]:
    k = result.kpis
    sub = k[(k["design"] == design) & (k["kpi"] == kpi)]
    if sub.empty:
        return {"mean": math.nan, "delta": math.nan, "low": math.nan, "high": math.nan}
    return {c: float(sub.iloc[0][c]) for c in ("mean", "delta", "low", "high")}


def _ci(lo: float, hi: float, unit: str, cur: str = "") -> str:
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return ""
    return f"[{format_value(lo, unit, cur, signed=True)}, {format_value(hi, unit, cur, signed=True)}]"


_MANY = 10_000_000  # beyond this a survey comparison is out of the question; say so rather than print digits


def _answers(x: float) -> str:
    if math.isinf(x):
        return "no true effect to detect"
    if not math.isfinite(x):
        return "n/a"
    return f"{math.ceil(x):,}" if x <= _MANY else f"more than {_MANY:,}"


def _signed_money(x: float, cur: str) -> str:
    """A signed amount, with no "-0" for a change that rounds to nothing."""
    return format_value(0.0 if math.isfinite(x) and abs(x) < 0.5 else x, "currency", cur, signed=True)


def listening_rows(result: ComparisonResult) -> list[dict[str, Any]]:
    """One row per design (AS-IS first): measured and true NPS, their deltas, survey answers,
    answers needed per arm, value of a promoter."""
    cur = result.currency
    power = {str(r["design"]): r for r in result.survey_power.to_dict("records")}
    rows = []
    for d in result.designs:
        measured = _kpi(result, d.name, "nps_measured")
        true = _kpi(result, d.name, "nps_mean")
        value = _kpi(result, d.name, "value_of_promoter")
        answers = _kpi(result, d.name, "survey_responses_total")
        row: dict[str, Any] = {
            "title": d.title,
            "baseline": d.name == result.baseline,
            "nps_measured": format_value(measured["mean"], "points", signed=True),
            "nps_true": format_value(true["mean"], "points", signed=True),
            "answers": format_value(answers["mean"], "count"),
            "value_of_promoter": format_value(value["mean"], "currency", cur),
            "second_generation": format_value(_kpi(result, d.name, "second_generation_share")["mean"], "share"),
            "d_measured": "",
            "d_measured_ci": "",
            "d_true": "",
            "d_true_ci": "",
            "needed": "",
            "d_value": "",
            "d_value_ci": "",
        }
        if d.name != result.baseline and d.name in power:
            p = {k: float(v) for k, v in power[d.name].items() if k != "design"}
            row.update(
                d_measured=format_value(p["measured_delta"], "points", signed=True),
                d_measured_ci=_ci(p["measured_low"], p["measured_high"], "points"),
                d_true=format_value(p["true_delta"], "points", signed=True),
                d_true_ci=_ci(p["true_low"], p["true_high"], "points"),
                needed=_answers(p["needed_per_arm"]),
                d_value=_signed_money(value["delta"], cur),
                d_value_ci=_ci(value["low"], value["high"], "currency", cur),
            )
        rows.append(row)
    return rows


def listening_lines(result: ComparisonResult) -> list[str]:
    """The same as sentences for the terminal."""
    rows = listening_rows(result)
    level = round(100 * result.ci_level)
    base = rows[0]
    out = [
        f"Listening: {base['title']} NPS measured by the surveys {base['nps_measured']} (true {base['nps_true']}, "
        f"{base['answers']} answers per replication); value of a promoter {base['value_of_promoter']} a year."
    ]
    for r in rows[1:]:
        ci = f" {r['d_measured_ci']}" if r["d_measured_ci"] else ""
        out.append(
            f"{r['title']}: measured dNPS {r['d_measured']}{ci} ({level}% CI, paired) against a true "
            f"{r['d_true']}; answers per arm to detect it with 80% power: {r['needed']} (these surveys: "
            f"{r['answers']}); value of a promoter {r['value_of_promoter']} ({r['d_value']})."
        )
    return out
