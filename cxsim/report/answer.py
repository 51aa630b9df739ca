"""The comparison's answer in plain words: used by the terminal and by the HTML report.

Sentences say what a CFO needs (which design, how much, how sure, when it pays back, why) in
the order a CFO reads; statistical method stays in the report's method section.
"""

from __future__ import annotations

import math
from typing import Any

from cxsim.compare import BENEFIT_DRIVERS
from cxsim.money import DesignKind
from cxsim.plausibility import baseline_findings
from cxsim.report.labels import DRIVER_LABELS, format_value

__all__ = ["answer_sentences", "horizon_text", "payback_text", "robustness_sentence", "sanity_warnings", "verdict"]


def _money(x: float | None, cur: str) -> str:
    return format_value(x, "currency", cur)


def _ci(lo: float, hi: float, cur: str = "") -> str:
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return ""
    return f"[{format_value(lo, 'currency')}, {format_value(hi, 'currency')}]" + (f" {cur}" if cur else "")


def horizon_text(days: int) -> str:
    """``3 years`` / ``18 months`` / ``90 days``."""
    if days % 365 == 0:
        n = days // 365
        return f"{n} year{'s' if n != 1 else ''}"
    if days >= 60:
        return f"{days / (365 / 12):.0f} months"
    return f"{days} days"


def payback_text(row: dict[str, Any]) -> str:
    """When the design pays back, in months, or why the question does not apply."""
    months = row.get("payback_months")
    if months is not None and math.isfinite(float(months)):
        return f"{math.ceil(float(months))} months"
    kind = DesignKind(row["kind"])
    if kind is DesignKind.INVESTMENT:
        return "not within the horizon"
    if kind is DesignKind.NO_COST:
        return "no investment"
    return "immediate (saves from day 1)"


def customers_lost_text(delta: float) -> str:
    """How many more or fewer customers a design loses than the AS-IS, said the right way round."""
    n = round(float(delta))
    if n == 0:
        return "about as many customers are lost as under the AS-IS"
    return f"{abs(n):,} {'fewer' if n < 0 else 'more'} customer{'s are' if abs(n) != 1 else ' is'} lost"


def verdict(row: dict[str, Any], cur: str) -> str:
    """What kind of business case a design is, in a few words (ROI only where it means something)."""
    kind = DesignKind(row["kind"])
    per_year = _money(abs(float(row["recurring_per_year"])), cur)
    if kind is DesignKind.INVESTMENT:
        lo, hi = row["roi_low"], row["roi_high"]
        ci = f" [{100 * lo:,.0f}%, {100 * hi:,.0f}%]" if math.isfinite(lo) and math.isfinite(hi) else ""
        return f"ROI {100 * row['roi']:,.0f}%{ci}"
    if kind is DesignKind.TRADE_OFF:
        return f"trade-off: saves {per_year}/yr, loses customers"
    if kind is DesignKind.SAVING:
        return f"saves {per_year}/yr; no ROI (no net investment)"
    return "no investment: NPV is the benefit"


def _records(df: Any) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in row.items()} for row in df.to_dict("records")]


def _drivers_sentence(result: Any, design: str, subject: str = "Its value from customers") -> str | None:
    cur = result.currency
    w = result.waterfall[(result.waterfall["design"] == design)]
    w = w[w["driver"].isin(list(BENEFIT_DRIVERS))]
    wr = _records(w.sort_values("mean", ascending=False))
    gains = [f"{DRIVER_LABELS[r['driver']]} ({_money(r['mean'], cur)})" for r in wr if r["mean"] > 0.5][:3]
    losses = [f"{DRIVER_LABELS[r['driver']]} ({_money(r['mean'], cur)})" for r in reversed(wr) if r["mean"] < -0.5][:2]
    if not gains and not losses:
        return None
    text = f"{subject} comes from " + ", ".join(gains) if gains else f"{subject}: a loss"
    if losses:
        text += ("; offset by " if gains else ": ") + ", ".join(losses)
    return text + "."


def _lead(result: Any, row: dict[str, Any]) -> str:
    cur, level = result.currency, int(result.ci_level * 100)
    horizon = horizon_text(result.days)
    npv = f"{_money(row['npv'], cur)} ({level}% CI {_ci(row['npv_low'], row['npv_high'])})"
    futures = f"its NPV is positive in {100 * row['p_npv_positive']:.0f}% of {result.replications} simulated futures"
    kind = DesignKind(row["kind"])
    per_year = _money(abs(float(row["recurring_per_year"])), cur)
    if kind is DesignKind.INVESTMENT:
        pay = payback_text(row)
        pay = (
            "it does not pay back within the horizon on average" if pay.startswith("not") else f"it pays back in {pay}"
        )
        spend = f"capex {_money(row['capex'], cur)}"
        if abs(row["recurring_per_year"]) >= 1:
            sign = "plus" if row["recurring_per_year"] > 0 else "less"
            spend += f" {sign} {per_year} a year in running and staff costs"
        return (
            f"{row['title']} is the best design: over {horizon} its NPV against the AS-IS is {npv}. "
            f"It needs {_money(row['investment'], cur)} of investment ({spend}, discounted) and returns "
            f"{verdict(row, cur)}; {pay}, and {futures}."
        )
    if kind is DesignKind.TRADE_OFF:
        return (
            f"{row['title']} has the highest NPV over {horizon}, {npv}, but it is a trade-off, not a win: it saves "
            f"{per_year} a year in running costs while customers respond badly (NPS {row['delta_nps']:+.1f} points, "
            f"{row['delta_customers_lost']:,.0f} more customers lost), which costs {_money(-row['benefit'], cur)}. "
            "Whether the saving is worth those customers is a strategic choice that the NPV alone does not make."
        )
    if kind is DesignKind.SAVING:
        return (
            f"{row['title']} is the best design: over {horizon} its NPV against the AS-IS is {npv}. It needs no net "
            f"investment (it saves {per_year} a year) and customers do not lose from it; {futures}."
        )
    return f"{row['title']} is the best design: it costs nothing, and over {horizon} its NPV is {npv}; {futures}."


def answer_sentences(result: Any) -> list[str]:
    """The answer in plain sentences (also printed by the CLI)."""
    cur = result.currency
    money = result.money.sort_values("npv", ascending=False)
    rows = _records(money)
    best = result.best()
    out: list[str] = []
    mentioned: set[str] = set()
    if best is None:
        top = rows[0]
        out.append(
            f"None of the {len(rows)} designs pays back within {horizon_text(result.days)}: every expected NPV "
            f"against the AS-IS is negative. The closest is {top['title']}, at {_money(top['npv'], cur)} "
            f"{_ci(top['npv_low'], top['npv_high'])}."
        )
    else:
        row = rows[0]
        out.append(_lead(result, row))
        trade_off = DesignKind(row["kind"]) is DesignKind.TRADE_OFF
        subject = f"The customers' response to {row['title']}" if trade_off else "Its value from customers"
        drivers = _drivers_sentence(result, best, subject)
        if drivers:
            out.append(drivers)
        if trade_off:
            alt = [r for r in rows[1:] if r["npv"] > 0 and DesignKind(r["kind"]) is not DesignKind.TRADE_OFF]
            if alt:
                mentioned.add(str(alt[0]["design"]))
                out.append(
                    f"The best design that does not lose customers is {alt[0]['title']}: NPV "
                    f"{_money(alt[0]['npv'], cur)} {_ci(alt[0]['npv_low'], alt[0]['npv_high'])}; "
                    f"{verdict(alt[0], cur)}."
                )
        if not trade_off:
            out.append(
                f"What changes for customers: NPS at the end of the horizon moves by {row['delta_nps']:+.1f} points "
                f"[{row['delta_nps_low']:+.1f}, {row['delta_nps_high']:+.1f}], and "
                f"{customers_lost_text(row['delta_customers_lost'])}."
            )
    for r in rows[1:]:
        if str(r["design"]) in mentioned:
            continue
        kind = DesignKind(r["kind"])
        what = "pays back too" if r["npv"] > 0 else "does not pay back"
        if kind is DesignKind.TRADE_OFF:
            what = "is a trade-off (saves money, loses customers)"
        out.append(
            f"{r['title']} {what}: NPV {_money(r['npv'], cur)} {_ci(r['npv_low'], r['npv_high'])}; {verdict(r, cur)}."
        )
    robust = robustness_sentence(result)
    if robust:
        out.append(robust)
    return out


def robustness_sentence(result: Any) -> str | None:
    """Does the ranking hold at the other horizons? (NPV of each design re-read at each horizon.)"""
    rob = result.robustness
    if rob is None or rob.empty or rob["horizon_days"].nunique() < 2:
        return None
    cur = result.currency
    main = rob[rob["main"]].sort_values("rank")
    leader = str(main.iloc[0]["design"])
    parts = []
    holds = True
    for h, g in rob[~rob["main"]].groupby("horizon_days"):
        g = g.sort_values("rank")
        top = str(g.iloc[0]["design"])
        lead_npv = float(g[g["design"] == leader]["npv"].iloc[0])
        positive = int((g["npv"] > 0).sum())
        if top == leader:
            parts.append(
                f"at {horizon_text(int(h))} it is still first (NPV {_money(lead_npv, cur)}; {positive} of "
                f"{len(g)} designs positive)"
            )
        else:
            holds = False
            parts.append(
                f"at {horizon_text(int(h))} {result.title(top)} is first instead "
                f"({_money(float(g.iloc[0]['npv']), cur)}; {result.title(leader)} {_money(lead_npv, cur)})"
            )
    head = f"How robust: the ranking {'holds' if holds else 'depends on the horizon'}. For {result.title(leader)}, "
    return head + "; ".join(parts) + "."


def sanity_warnings(result: Any) -> list[str]:
    """Messages for every baseline KPI outside its plausible range (empty when all are plausible)."""
    return [f.message() for f in baseline_findings(result) if not f.ok]
