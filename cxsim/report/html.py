"""The strategist's report: one self-contained HTML file (figures embedded, no network).

Sections: the question, the answer, the designs, the uncertainty, the drivers, where the
experience changed, every KPI, and the assumptions. Written for a CX strategist to send to a
CFO: numbers come with their confidence intervals and the method is stated plainly.
"""

from __future__ import annotations

import base64
import html
import math
from datetime import UTC, datetime
from typing import Any

from cxsim.compare import DRIVER_LABELS, DRIVERS, ComparisonResult

__all__ = ["answer_sentences", "comparison_report"]

_CSS = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:1180px;margin:2em auto;padding:0 1em;
color:#222;line-height:1.45}
h1{font-size:1.7em;margin-bottom:.2em}h2{margin-top:1.8em;border-bottom:2px solid #e3e3e3;padding-bottom:.2em}
table{border-collapse:collapse;margin:.8em 0;font-size:.92em}th,td{border:1px solid #ddd;padding:.35em .6em;
text-align:right}th{background:#f4f6f8}td.l,th.l{text-align:left}
.answer{background:#eef6ee;border-left:5px solid #2ca02c;padding:.8em 1em;margin:1em 0}
.warn{background:#fdf3e7;border-left:5px solid #ff7f0e;padding:.8em 1em;margin:1em 0}
.muted{color:#666;font-size:.9em}img{max-width:100%;border:1px solid #eee;margin:.5em 0}
"""


def _money(x: float | None, cur: str) -> str:
    if x is None or not math.isfinite(x):
        return "n/a"
    return f"{x:,.0f} {cur}"


def _pct(x: float | None, digits: int = 0) -> str:
    if x is None or not math.isfinite(x):
        return "n/a"
    return f"{100 * x:.{digits}f}%"


def _ci(lo: float, hi: float, fmt: str = "{:,.0f}") -> str:
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return "n/a"
    return f"[{fmt.format(lo)}, {fmt.format(hi)}]"


def _img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def _esc(x: Any) -> str:
    return html.escape(str(x))


def answer_sentences(result: ComparisonResult) -> list[str]:
    """The answer in plain sentences (also printed by the CLI)."""
    cur, money = result.currency, result.money
    years = result.days / 365
    best = result.best()
    out = []
    if best is None:
        out.append(
            f"None of the {len(money)} designs pays back within {result.days} days ({years:.1f} years): "
            "every expected NPV against the AS-IS is negative."
        )
        top = _records(money.sort_values("npv", ascending=False))[0]
        out.append(
            f"The closest is {top['title']}, at an NPV of {_money(top['npv'], cur)} "
            f"{_ci(top['npv_low'], top['npv_high'])}."
        )
        return out
    row = next(r for r in _records(money) if r["design"] == best)
    payback = row["payback_day"]
    pay = (
        f"pays back on day {int(payback)}"
        if payback is not None and math.isfinite(float(payback))
        else "does not pay back within the horizon on average"
    )
    out.append(
        f"{row['title']} is the best design: over {result.days} days ({years:.1f} years) its NPV against the AS-IS is "
        f"{_money(row['npv'], cur)} ({int(result.ci_level * 100)}% CI {_ci(row['npv_low'], row['npv_high'])}), "
        f"an ROI of {_pct(row['roi'])} ({_ci(row['roi_low'] * 100, row['roi_high'] * 100, '{:.0f}%')}) on a "
        f"discounted investment of {_money(row['investment'], cur)}; it {pay} and its NPV is positive in "
        f"{_pct(row['p_roi_positive'])} of {result.replications} simulated futures."
    )
    w = result.waterfall[(result.waterfall["design"] == best) & (result.waterfall["driver"] != "investment")]
    w = w.sort_values("mean", ascending=False)
    wr = _records(w)
    gains = [f"{DRIVER_LABELS[r['driver']]} ({_money(r['mean'], cur)})" for r in wr if r["mean"] > 0][:3]
    losses = [f"{DRIVER_LABELS[r['driver']]} ({_money(r['mean'], cur)})" for r in wr if r["mean"] < 0][:2]
    if gains:
        out.append(
            "Its value comes from " + ", ".join(gains) + ("; offset by " + ", ".join(losses) if losses else "") + "."
        )
    k = {(r["design"], r["kpi"]): r for r in _records(result.kpis)}
    if (best, "nps_end") in k and (best, "churned_total") in k:
        nps = k[(best, "nps_end")]
        churn = k[(best, "churned_total")]
        out.append(
            f"Mechanism: NPS at the end of the horizon changes by {nps['delta']:+.1f} points "
            f"{_ci(nps['low'], nps['high'], '{:+.1f}')}, and {-churn['delta']:,.0f} fewer customers churn "
            f"{_ci(-churn['high'], -churn['low'])}."
        )
    others = money[money["design"] != best].sort_values("npv", ascending=False)
    for r in _records(others):
        verdict = "also pays back" if r["npv"] > 0 else "does not pay back"
        out.append(f"{r['title']} {verdict}: NPV {_money(r['npv'], cur)} {_ci(r['npv_low'], r['npv_high'])}.")
    return out


def _records(df: Any) -> list[dict[str, Any]]:
    """Rows of a DataFrame as plain dicts (floats stay floats, missing payback stays None)."""
    return [{str(k): v for k, v in row.items()} for row in df.to_dict("records")]


def _table(headers: list[str], rows: list[list[str]], left: int = 1) -> str:
    th = "".join(f'<th class="{"l" if i < left else ""}">{h}</th>' for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(f'<td class="{"l" if i < left else ""}">{c}</td>' for i, c in enumerate(r)) + "</tr>"
        for r in rows
    )
    return f"<table><tr>{th}</tr>{body}</table>"


def comparison_report(result: ComparisonResult, figures: dict[str, bytes], meta: dict[str, Any]) -> str:
    """The full HTML report.

    Args:
        result: the comparison.
        figures: PNG bytes by figure name (trajectories, roi, waterfall, touchpoints, flow_baseline,
            flow_best).
        meta: assumptions to list: ``journey``, ``engine``, ``parameters`` (dict), ``versions``,
            ``git_commit``.
    """
    cur = result.currency
    level = int(result.ci_level * 100)
    base_title = next(d.title for d in result.designs if d.name == result.baseline)
    parts = [
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>cxsim: AS-IS vs TO-BE</title><style>{_CSS}</style>"
    ]
    parts.append("</head><body>")
    parts.append(f"<h1>Which journey design pays back? {_esc(meta.get('journey', ''))}</h1>")
    parts.append(
        f"<p class='muted'>cxsim comparison, {result.replications} paired replications, {result.population:,} people "
        f"in the market, {result.days} days, generated {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}.</p>"
    )
    parts.append("<h2>The question</h2>")
    parts.append(
        f"<p>Compared with today's journey ({_esc(base_title)}), which of {len(result.candidates)} designs for "
        f"tomorrow's journey earns back its investment over {result.days} days, by how much, how sure can we be, "
        "and why? Each design was simulated on the same market and the same random futures (common random numbers), "
        "so every difference below is the design's effect, not luck.</p>"
    )
    parts.append("<h2>The answer</h2>")
    cls = "answer" if result.best() else "warn"
    parts.append(f"<div class='{cls}'>" + "".join(f"<p>{_esc(s)}</p>" for s in answer_sentences(result)) + "</div>")
    rows = []
    for r in _records(result.money.sort_values("npv", ascending=False)):
        pb = r["payback_day"]
        payback = "—" if pb is None or not math.isfinite(float(pb)) else f"day {int(pb)}"
        roi_ci = _ci(r["roi_low"] * 100, r["roi_high"] * 100, "{:.0f}%")
        rows.append(
            [
                _esc(r["title"]),
                _money(r["investment"], cur),
                _money(r["delta_discounted_margin"], cur),
                f"<b>{_money(r['npv'], cur)}</b><br><span class='muted'>{_ci(r['npv_low'], r['npv_high'])}</span>",
                f"{_pct(r['roi'])}<br><span class='muted'>{roi_ci}</span>",
                _pct(r["p_roi_positive"]),
                payback,
            ]
        )
    parts.append(
        _table(
            [
                "design",
                "investment (discounted)",
                "Δ margin (discounted)",
                f"NPV ({level}% CI)",
                f"ROI ({level}% CI)",
                "P(ROI &gt; 0)",
                "payback",
            ],
            rows,
        )
    )
    parts.append("<h2>The designs</h2>")
    parts.append(
        _table(
            ["design", "what changes", "capex (day 0)", "opex per day"],
            [
                [
                    f"<b>{_esc(d.title)}</b><br><span class='muted'>{_esc(d.name)}</span>",
                    _esc(d.description),
                    _money(d.capex, cur),
                    _money(d.opex_per_day, cur),
                ]
                for d in result.designs
            ],
            left=2,
        )
    )
    parts.append("<h2>The uncertainty</h2>")
    parts.append(
        f"<p>Bands and intervals are {level}% confidence intervals over {result.replications} paired replications "
        "(Student t on the paired differences). The right panel is the running NPV: where its band stays above zero, "
        "the design has paid back. P(ROI &gt; 0) is the share of simulated futures in which the design's NPV is "
        "positive.</p>"
    )
    for name, alt in (("trajectories", "KPI trajectories"), ("roi", "ROI distribution")):
        if name in figures:
            parts.append(_img(figures[name], alt))
    parts.append("<h2>Why: the drivers of value</h2>")
    parts.append(
        "<p>Each design's NPV split into its sources (discounted): margin kept because fewer customers left, "
        "customers won by word of mouth and by marketing (net of acquisition costs and referral rewards), "
        "contact costs (fewer repeats), staff costs, and the investment. 'Other' is what the split by average "
        "revenue per customer leaves over (mostly the mix of segments).</p>"
    )
    if "waterfall" in figures:
        parts.append(_img(figures["waterfall"], "ROI waterfall"))
    w = result.waterfall
    rows = []
    for drv in DRIVERS:
        row = [_esc(DRIVER_LABELS[drv])]
        for d in result.candidates:
            x = w[(w["design"] == d.name) & (w["driver"] == drv)].iloc[0]
            row.append(f"{_money(x['mean'], cur)}<br><span class='muted'>{_ci(x['low'], x['high'])}</span>")
        rows.append(row)
    parts.append(_table(["driver"] + [_esc(d.title) for d in result.candidates], rows))
    parts.append("<h2>Where the experience changed</h2>")
    parts.append(
        "<p>Per touchpoint, the change against the AS-IS in contacts, waits, abandonment, resolution and the "
        "mean value customers felt in the moment (disconfirmation of their expectations, effort and wow).</p>"
    )
    if "touchpoints" in figures:
        parts.append(_img(figures["touchpoints"], "Touchpoint deltas"))
    for name in ("flow_baseline", "flow_best"):
        if name in figures:
            parts.append(_img(figures[name], "Journey flow"))
    parts.append("<h2>Every KPI</h2>")
    k = result.kpis
    rows = []
    for kpi in dict.fromkeys(k["kpi"]):
        sub = k[k["kpi"] == kpi].set_index("design")
        label = str(sub["label"].iloc[0])
        row = [_esc(label)]
        for d in result.designs:
            if d.name not in sub.index:
                row.append("")
                continue
            x = sub.loc[d.name]
            fmt = "{:,.3f}" if abs(float(x["mean"])) < 10 else "{:,.0f}"
            cell = fmt.format(x["mean"]) if math.isfinite(float(x["mean"])) else "n/a"
            if d.name != result.baseline and kpi not in ("npv", "roi") and math.isfinite(float(x["delta"])):
                cell += f"<br><span class='muted'>Δ {fmt.format(x['delta'])} {_ci(x['low'], x['high'], fmt)}</span>"
            row.append(cell)
        rows.append(row)
    parts.append(_table(["KPI (mean per replication)"] + [_esc(d.title) for d in result.designs], rows))
    parts.append("<h2>Assumptions</h2>")
    params = meta.get("parameters", {})
    rows = [[_esc(key), _esc(value)] for key, value in params.items()]
    parts.append(
        "<ul>"
        f"<li>Market: {result.population:,} people; horizon {result.days} days; money discounted at "
        f"{100 * result.discount_rate_annual:.1f}%/yr; investment = capex on day 0 plus opex every day.</li>"
        f"<li>Replications: {result.replications}, seeds {result.seeds[0]}–{result.seeds[-1]} (the same for every "
        "design); engine: " + _esc(meta.get("engine", "")) + ".</li>"
        "<li>Behavioural parameters are priors from published research and industry figures (sources in the "
        "configuration files); they should be calibrated to the client's own KPIs before decisions are final.</li>"
        "<li>NPV = Δ discounted margin − discounted investment; ROI = NPV / discounted investment; payback = first day "
        "the mean cumulative discounted Δ margin covers the cumulative discounted investment.</li>"
        "</ul>"
    )
    if rows:
        parts.append(_table(["parameter", "value"], rows))
    versions = meta.get("versions", {})
    parts.append(
        "<p class='muted'>cxsim "
        + _esc(versions.get("cxsim", ""))
        + (", commit " + _esc(meta["git_commit"]) if meta.get("git_commit") else "")
        + ". Equations: docs/model.md.</p>"
    )
    parts.append("</body></html>")
    return "\n".join(parts)
