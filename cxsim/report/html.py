"""The strategist's report: one self-contained HTML file (figures embedded, no network).

Rendered from ``templates/comparison.html.j2`` with Jinja2 (autoescaped). Order: the answer in
plain words, the business case of each design, the designs, the trajectories, the drivers of
value, where the experience changed, every KPI, whether the AS-IS is believable, the method and
the assumptions. Written for a CX strategist to send to a CFO.
"""

from __future__ import annotations

import base64
import math
from datetime import UTC, datetime
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from cxsim.compare import DRIVERS, ComparisonResult
from cxsim.money import DesignKind
from cxsim.plausibility import baseline_findings
from cxsim.report.answer import answer_sentences, horizon_text, payback_text, sanity_warnings, verdict
from cxsim.report.labels import DRIVER_LABELS, KPI_INFO, format_delta, format_value
from cxsim.report.listening import listening_rows

__all__ = ["answer_sentences", "comparison_report"]

_ENV = Environment(
    loader=PackageLoader("cxsim.report", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=False,
    lstrip_blocks=False,
)


def _money(x: float | None, cur: str) -> str:
    return format_value(x, "currency", cur)


def _ci(lo: float, hi: float, unit: str = "currency", cur: str = "") -> str:
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return ""
    return f"[{format_value(lo, unit, cur)}, {format_value(hi, unit, cur)}]"


def _records(df: Any) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in row.items()} for row in df.to_dict("records")]


def _money_rows(result: ComparisonResult) -> list[dict[str, Any]]:
    cur = result.currency
    rows = []
    for r in _records(result.money.sort_values("npv", ascending=False)):
        kind = DesignKind(r["kind"])
        per_year = float(r["recurring_per_year"])
        detail = f"capex {_money(r['capex'], cur)}"
        if abs(per_year) >= 1:
            detail += f"; {'+' if per_year > 0 else '−'}{_money(abs(per_year), cur)}/yr running"
        roi = verdict(r, cur) if kind is not DesignKind.INVESTMENT else f"{100 * r['roi']:,.0f}%"
        roi_ci = (
            f"[{100 * r['roi_low']:,.0f}%, {100 * r['roi_high']:,.0f}%]"
            if kind is DesignKind.INVESTMENT and math.isfinite(r["roi_low"])
            else ""
        )
        rows.append(
            {
                "title": r["title"],
                "tradeoff": kind is DesignKind.TRADE_OFF,
                "investment": _money(r["investment"], cur),
                "investment_detail": detail,
                "benefit": _money(r["benefit"], cur),
                "benefit_ci": _ci(r["benefit_low"], r["benefit_high"]),
                "npv": _money(r["npv"], cur),
                "npv_ci": _ci(r["npv_low"], r["npv_high"]),
                "roi": roi if kind is DesignKind.INVESTMENT else "no ROI",
                "roi_ci": roi_ci if kind is DesignKind.INVESTMENT else verdict(r, cur),
                "payback": payback_text(r),
                "p_positive": f"{100 * r['p_npv_positive']:.0f}%",
                "dnps": format_value(r["delta_nps"], "points", signed=True),
                "dnps_ci": _ci(r["delta_nps_low"], r["delta_nps_high"], "points"),
                "dlost": format_value(r["delta_customers_lost"], "count", signed=True),
            }
        )
    return rows


def _robustness(result: ComparisonResult) -> tuple[list[str], list[dict[str, Any]]]:
    rob = result.robustness
    if rob.empty or rob["horizon_days"].nunique() < 2:
        return [], []
    horizons = sorted(int(h) for h in rob["horizon_days"].unique())
    headers = [horizon_text(h) + (" (the business case)" if h == result.days else "") for h in horizons]
    rows = []
    order = result.money.sort_values("npv", ascending=False)["design"]
    for d in (next(x for x in result.candidates if x.name == name) for name in order):
        sub = rob[rob["design"] == d.name].set_index("horizon_days")
        npv, rank = sub["npv"].to_dict(), sub["rank"].to_dict()
        cells = [{"npv": _money(float(npv[h]), result.currency), "rank": int(rank[h])} for h in horizons]
        rows.append({"title": d.title, "cells": cells})
    return headers, rows


def _driver_rows(result: ComparisonResult) -> list[dict[str, Any]]:
    w, cur = result.waterfall, result.currency
    rows = []
    for drv in DRIVERS:
        cells = []
        for d in result.candidates:
            x = w[(w["design"] == d.name) & (w["driver"] == drv)].iloc[0]
            cells.append({"value": _money(x["mean"], cur), "ci": _ci(x["low"], x["high"])})
        rows.append({"label": DRIVER_LABELS[drv], "cells": cells})
    return rows


def _kpi_rows(result: ComparisonResult) -> list[dict[str, Any]]:
    k, cur = result.kpis, result.currency
    rows = []
    for kpi in dict.fromkeys(k["kpi"]):
        info = KPI_INFO[kpi]
        sub = k[k["kpi"] == kpi].set_index("design")
        cells = []
        for d in result.designs:
            if d.name not in sub.index:
                cells.append({"value": "", "delta": "", "ci": ""})
                continue
            x = sub.loc[d.name]
            value = format_value(x["mean"], info.unit, cur)
            delta = ci = ""
            if d.name != result.baseline and kpi not in ("npv", "roi", "investment", "benefit"):
                unit = "count" if info.unit == "currency" else info.unit  # the currency is in the row label
                delta = f"Δ {format_delta(x['delta'], unit)}"
                ci = _ci_delta(x["low"], x["high"], unit, "")
            cells.append({"value": value, "delta": delta, "ci": ci})
        label = f"{info.label} ({cur})" if info.unit == "currency" else info.label
        rows.append({"label": label, "cells": cells})
    return rows


def _ci_delta(lo: float, hi: float, unit: str, cur: str) -> str:
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return ""
    return f"[{format_delta(lo, unit, cur)}, {format_delta(hi, unit, cur)}]"


def _findings(result: ComparisonResult) -> list[dict[str, Any]]:
    rows = []
    for f in baseline_findings(result):
        unit = f.range.unit
        rows.append(
            {
                "kpi": f.kpi,
                "where": f.where.replace("_", " "),
                "value": format_value(f.value, unit, signed=unit == "points"),
                "range": f"{format_value(f.range.low, unit)} to {format_value(f.range.high, unit)}",
                "ok": f.ok,
                "source": f.range.source,
            }
        )
    return rows


def _figure_tag(figures: dict[str, bytes]) -> Any:
    def tag(name: str, alt: str) -> Markup:
        if name not in figures:
            return Markup("")
        data = base64.b64encode(figures[name]).decode("ascii")
        return Markup('<img alt="{}" src="data:image/png;base64,{}">').format(escape(alt), data)

    return tag


def comparison_report(result: ComparisonResult, figures: dict[str, bytes], meta: dict[str, Any]) -> str:
    """The full HTML report.

    Args:
        result: the comparison.
        figures: PNG bytes by figure name (trajectories, npv, waterfall, touchpoints, flow_baseline,
            flow_best).
        meta: ``journey_title``, ``engine``, ``memory_rule``, ``parameters`` (dict), ``versions``,
            ``git_commit``.
    """
    cur = result.currency
    base_title = result.title(result.baseline)
    journey = str(meta.get("journey_title") or "")
    horizon = horizon_text(result.days)
    rob_headers, rob_rows = _robustness(result)
    rob_h = sorted(int(h) for h in result.robustness["horizon_days"].unique()) if not result.robustness.empty else []
    subtitle = (
        f"{journey + ': ' if journey else ''}{len(result.candidates)} designs for tomorrow's journey against "
        f"today's ({base_title}), on a market of {result.population:,} people over {horizon}, "
        f"{result.replications} paired simulated futures. Money in {cur}."
    )
    context = {
        "title": "Which journey design pays back?",
        "subtitle": subtitle,
        "answer": answer_sentences(result),
        "has_winner": result.best() is not None,
        "warnings": sanity_warnings(result),
        "rate": f"{100 * result.discount_rate_annual:.1f}%",
        "horizon": horizon,
        "level": round(100 * result.ci_level),
        "replications": result.replications,
        "money_headers": [
            "design",
            "investment (discounted)",
            "benefit from customers",
            "NPV",
            "ROI",
            "payback",
            "chance NPV > 0",
            "Δ NPS (end)",
            "Δ customers lost",
        ],
        "money_rows": _money_rows(result),
        "robustness_headers": rob_headers,
        "robustness_rows": rob_rows,
        "design_rows": [
            {
                "title": d.title,
                "description": d.description,
                "capex": _money(d.capex, cur),
                "opex": _money(d.opex_per_day, cur),
                "staff": _staff_change(result, d.name),
            }
            for d in result.designs
        ],
        "candidate_titles": [d.title for d in result.candidates],
        "design_titles": [d.title for d in result.designs],
        "driver_rows": _driver_rows(result),
        "kpi_rows": _kpi_rows(result),
        "listening_rows": listening_rows(result),
        "survey_text": str(meta.get("survey_text", "")),
        "findings": _findings(result),
        "population": f"{result.population:,}",
        "warmup": result.warmup_days,
        "seed0": result.seeds[0],
        "seed_last": result.seeds[-1],
        "memory_rule": str(meta.get("memory_rule", "peak-end")).replace("_", "-"),
        "robustness_horizons": ", ".join(horizon_text(h) for h in rob_h) or "the business-case horizon only",
        "parameters": list(meta.get("parameters", {}).items()),
        "version": meta.get("versions", {}).get("cxsim", ""),
        "commit": meta.get("git_commit") or "",
        "engine": meta.get("engine", ""),
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "figure": _figure_tag(figures),
        "figure_names": sorted(figures),
    }
    return _ENV.get_template("comparison.html.j2").render(**context)


def _staff_change(result: ComparisonResult, design: str) -> str:
    if design == result.baseline:
        return "—"
    per_year = dict(zip(result.money["design"], result.money["recurring_per_year"], strict=True))
    d = next(x for x in result.designs if x.name == design)
    staff = float(per_year[design]) - 365.0 * d.opex_per_day
    return "none" if abs(staff) < 0.5 else format_value(staff, "currency", result.currency, signed=True)
