"""Design search with Optuna: the best NPV against the AS-IS under a budget, or the NPV–ΔNPS Pareto front.

:func:`search` is the search itself, for any evaluation of a design: each trial draws lever
values (TPE for one objective, NSGA-II for two, both seeded), evaluates them, and records the
constraints ``investment − budget ≤ 0`` and ``min_dnps − ΔNPS ≤ 0`` (Optuna's
``Trial.set_constraint``: infeasible trials stay in the study but cannot be the best). The study
lives in SQLite (``study.db``), so a killed search continues from its finished trials: the
same command runs only the trials still missing.

:func:`run_optimise` evaluates a design by a paired comparison (:func:`cxsim.compare.compare`)
of the AS-IS with the AS-IS plus the levers' settings, over the fixed seeds of
``compare.seed``, and writes the trials (Parquet), the figure, the report and the best design
as an ordinary scenario YAML (``scenario/<name>.yaml``).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import optuna
import pandas as pd
from omegaconf import DictConfig, OmegaConf

from cxsim.config.validation import ConfigError
from cxsim.output import _parquet_bytes, atomic_write_bytes, atomic_write_text
from cxsim.study.spec import Lever, OptimiseSpec, load_spec_file

__all__ = ["TrialEvaluator", "design_config", "run_optimise", "scenario_yaml", "search", "trials_table"]

Evaluate = Callable[[dict[str, Any]], dict[str, float]]
EvaluateMany = Callable[[list[int], list[dict[str, Any]]], list[dict[str, float]]]


def _suggest(trial: optuna.Trial, lever: Lever) -> Any:
    if lever.kind == "int":
        return trial.suggest_int(lever.name, int(lever.low), int(lever.high))
    if lever.kind == "float":
        return trial.suggest_float(lever.name, lever.low, lever.high)
    return trial.suggest_categorical(lever.name, [False, True])


def search(
    spec: OptimiseSpec,
    evaluate: Evaluate,
    storage: str,
    on_trial: Callable[[int], None] | None = None,
    batch: int = 1,
    evaluate_many: EvaluateMany | None = None,
) -> Any:
    """Run the trials still missing from the study in ``storage``; returns the Optuna study.

    ``evaluate`` maps lever values (by lever name) to at least ``npv``, ``dnps`` and
    ``investment``; everything it returns is kept as the trial's user attributes. Trials are
    asked ``batch`` at a time (Optuna's ask-and-tell), evaluated together by ``evaluate_many``
    (trial numbers, their values; default: ``evaluate`` on each in turn) and told in trial order,
    so the search is deterministic for a given batch size; ``batch=1`` is Optuna's sequential
    search. A larger batch samples each batch from the trials finished before it, so it finds
    other trials than ``batch=1``.
    """
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    if len(spec.objectives) == 1:
        sampler: optuna.samplers.BaseSampler = optuna.samplers.TPESampler(
            seed=spec.seed, n_startup_trials=min(10, max(1, spec.trials // 3))
        )
    else:
        sampler = optuna.samplers.NSGAIISampler(seed=spec.seed)
    study = optuna.create_study(
        storage=storage,
        study_name=spec.name,
        directions=["maximize"] * len(spec.objectives),
        sampler=sampler,
        load_if_exists=True,
    )
    for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        study.tell(t.number, state=optuna.trial.TrialState.FAIL)  # killed mid-trial: run it again
    complete = (optuna.trial.TrialState.COMPLETE,)
    done = len(study.get_trials(deepcopy=False, states=complete))
    if done:
        print(f"cxsim: resuming: {done} of {spec.trials} trials already complete (kept)", file=sys.stderr)
    many = evaluate_many or (lambda _numbers, values: [evaluate(v) for v in values])

    def told(trial: optuna.Trial, out: dict[str, float]) -> Any:
        cons = [float(out["investment"]) - spec.budget]
        if spec.min_dnps is not None:
            cons.append(spec.min_dnps - float(out["dnps"]))
        for k, v in out.items():
            trial.set_user_attr(k, float(v))
        trial.set_user_attr("constraints", cons)
        for key, c in zip(("budget", "min_dnps"), cons, strict=False):
            trial.set_constraint(key, c)  # feasible when <= 0
        return float(out["npv"]) if len(spec.objectives) == 1 else [float(out["npv"]), float(out["dnps"])]

    while done < spec.trials:
        trials = [study.ask() for _ in range(min(batch, spec.trials - done))]
        values = [{lever.name: _suggest(t, lever) for lever in spec.levers} for t in trials]
        for trial, out in zip(trials, many([t.number for t in trials], values), strict=True):
            study.tell(trial, told(trial, out))
            if on_trial is not None:
                on_trial(trial.number)
        done = len(study.get_trials(deepcopy=False, states=complete))
    return study


def _pareto(npv: np.ndarray, dnps: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """Feasible trials no other feasible trial beats on both NPV and ΔNPS."""
    front = np.zeros(len(npv), dtype=bool)
    for i in np.flatnonzero(ok):
        dominated = ok & (npv >= npv[i]) & (dnps >= dnps[i]) & ((npv > npv[i]) | (dnps > dnps[i]))
        front[i] = not dominated.any()
    return front


def trials_table(study: Any, spec: OptimiseSpec) -> pd.DataFrame:
    """One row per finished trial: lever values, money, ΔNPS, feasibility, Pareto membership."""
    rows = []
    for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,)):
        row: dict[str, Any] = {"trial": t.number}
        row.update({lever.name: t.params[lever.name] for lever in spec.levers})
        row.update({k: v for k, v in t.user_attrs.items() if k != "constraints"})
        row["feasible"] = all(c <= 0 for c in t.user_attrs.get("constraints", [math.inf]))
        rows.append(row)
    df = pd.DataFrame(rows)
    if df.empty:
        return df
    df["pareto"] = _pareto(df["npv"].to_numpy(), df["dnps"].to_numpy(), df["feasible"].to_numpy(dtype=bool))
    return df


def best_row(table: pd.DataFrame) -> pd.Series | None:
    """The feasible trial with the highest NPV (the earliest on a tie), or None."""
    ok = table[table["feasible"]] if not table.empty else table
    if ok.empty:
        return None
    return ok.sort_values(["npv", "trial"], ascending=[False, True], kind="stable").iloc[0]


def design_settings(spec: OptimiseSpec, values: dict[str, Any]) -> tuple[dict[str, Any], float, float]:
    """Config keys the lever values set, and the design's capex and opex per day."""
    keys: dict[str, Any] = {}
    capex = opex = 0.0
    for lever in spec.levers:
        keys.update(lever.settings(values[lever.name]))
        c, o = lever.cost(values[lever.name])
        capex, opex = capex + c, opex + o
    return keys, capex, opex


def design_config(base: DictConfig, spec: OptimiseSpec, values: dict[str, Any], name: str) -> DictConfig:
    """The AS-IS config with the levers set and the design's name and costs."""
    from cxsim.study.points import apply_values

    keys, capex, opex = design_settings(spec, values)
    keys.update({"scenario.name": name, "scenario.capex": capex, "scenario.opex_per_day": opex})
    return apply_values(base, keys)


def scenario_yaml(spec: OptimiseSpec, values: dict[str, Any], name: str, note: str) -> str:
    """An ordinary scenario file (``# @package _global_``) for the design ``values``."""
    keys, capex, opex = design_settings(spec, values)
    choice = ", ".join(f"{k} = {v}" for k, v in values.items())
    node = OmegaConf.create(
        {
            "scenario": {
                "name": name,
                "title": f"Best design found by cxsim optimise ({spec.name})",
                "description": f"Lever settings {choice}.",
                "capex": float(capex),
                "opex_per_day": float(opex),
            }
        }
    )
    for k, v in keys.items():
        OmegaConf.update(node, k, v, merge=False)
    return f"# @package _global_\n# {note}\n" + OmegaConf.to_yaml(node)


@dataclass(frozen=True)
class TrialEvaluator:
    """A trial's outputs: the AS-IS against the AS-IS with the levers set, over the fixed seeds.

    Picklable, so that a launcher's job elsewhere evaluates a trial as this process would.
    """

    base: DictConfig
    spec: OptimiseSpec
    replications: int
    seed: int
    n_jobs: int = 1  # replications in parallel (does not change the outputs)

    def __call__(self, values: dict[str, Any]) -> dict[str, float]:
        from cxsim.compare import compare

        cfg = design_config(self.base, self.spec, values, "trial")
        r = compare(
            self.base, [cfg], replications=self.replications, seed=self.seed, progress=False, n_jobs=self.n_jobs
        )
        m = r.money.iloc[0]
        _, capex, opex = design_settings(self.spec, values)
        return {
            "npv": float(m["npv"]),
            "npv_low": float(m["npv_low"]),
            "npv_high": float(m["npv_high"]),
            "dnps": float(m["delta_nps"]),
            "investment": float(m["investment"]),
            "capex": capex,
            "opex_per_day": opex,
        }


def _setup(ns: argparse.Namespace) -> tuple[DictConfig, OptimiseSpec, dict[str, Any], Path, str]:
    from cxsim.config.loading import compose_config
    from cxsim.study.command import study_folder

    data, _ = load_spec_file("optimise", ns.spec, ns.overrides)
    if ns.trials is not None:
        data["trials"] = ns.trials
    if ns.budget is not None:
        data["budget"] = ns.budget
    common = [o for o in ns.overrides if not o.lstrip("+~").startswith("scenario=")]
    base = compose_config(common, validate_it=True)
    base = compose_config([*common, f"scenario={base.compare.baseline}"], validate_it=True)
    spec = OptimiseSpec.from_dict(data, base)
    for lever in spec.levers:  # the lever's extreme settings must be valid configs
        for v in (lever.low, lever.high) if lever.kind != "switch" else (True,):
            try:
                design_config(base, spec, {lv.name: (v if lv is lever else lv.current) for lv in spec.levers}, "x")
            except ConfigError as exc:
                raise ConfigError([(f"levers.{lever.name}", f"{v} is not valid for the model: {exc}")]) from None
    # more trials: a resume; another batch size: another study (it samples other trials)
    fields = {**data, "trials": None, **({"batch": ns.batch} if ns.batch != 1 else {})}
    out, fingerprint = study_folder(ns, "optimise", spec.name, fields)
    return base, spec, data, out, fingerprint


def run_optimise(ns: argparse.Namespace) -> int:
    """``cxsim optimise`` after argument parsing (see the module docstring)."""
    from cxsim.study.command import _fail, _fmt, _print_table, _start, gated
    from cxsim.study.figures import history_figure
    from cxsim.study.launch import ray_session
    from cxsim.study.points import evaluate_points

    got = gated(_setup, ns)
    if isinstance(got, int):
        return got
    base, spec, data, out, fingerprint = got
    t0 = time.perf_counter()
    reps, seed = int(base.compare.replications), int(base.compare.seed)
    print(
        f"cxsim optimise: {len(spec.levers)} levers, {spec.trials} trials x {reps} paired replications "
        f"({base.population.size:,} people), budget {spec.budget:,.0f} {base.economics.currency}"
        + (f", ΔNPS >= {spec.min_dnps:g}" if spec.min_dnps is not None else "")
        + (f", {ns.batch} trials at a time" if ns.batch > 1 else "")
        + (f", as jobs of the {ns.launch.name} launcher" if ns.launch else ""),
        flush=True,
    )
    _start(out, fingerprint, data, ns.overrides)

    local = ns.launch is None and ns.batch == 1  # one trial at a time here: its replications in parallel
    evaluate = TrialEvaluator(base, spec, reps, seed, ns.workers if local else 1)

    def evaluate_many(numbers: list[int], values: list[dict[str, Any]]) -> list[dict[str, float]]:
        return evaluate_points(evaluate, values, out / "points", workers=ns.workers, launcher=ns.launch, keys=numbers)

    def progress(n: int) -> None:
        print(f"cxsim optimise: trial {n + 1} done ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)

    try:
        with ray_session():
            study = search(
                spec, evaluate, f"sqlite:///{(out / 'study.db').resolve()}", progress, ns.batch, evaluate_many
            )
    except ConfigError as exc:  # lever values the model refuses (finished trials are kept)
        return _fail(exc)
    except RuntimeError as exc:  # a launcher's job failed (finished trials are kept)
        print(f"cxsim: {exc}; run the same command again to continue the search", file=sys.stderr)
        return 1
    table = trials_table(study, spec)
    atomic_write_bytes(out / "trials.parquet", _parquet_bytes(table))
    cur = str(base.economics.currency)
    fig = history_figure(table, spec.objectives, cur, out / "optimise.png")
    best = best_row(table)
    wall = time.perf_counter() - t0
    name = f"{spec.name}_best"
    if best is None:
        print(f"cxsim optimise: no trial met the budget{' and the ΔNPS floor' if spec.min_dnps is not None else ''}")
    else:
        values = {lever.name: _native(best[lever.name]) for lever in spec.levers}
        kept = [o for o in ns.overrides if not o.lstrip("+~").startswith("compare.candidates=")]
        cmd = " ".join(["cxsim compare --config-dir", str(out), *kept, f"compare.candidates=[{name}]"])
        text = scenario_yaml(spec, values, name, f"written by cxsim optimise --spec {ns.spec}; run: {cmd}")
        atomic_write_text(out / "scenario" / f"{name}.yaml", text)
        print(f"\n  best design (trial {int(best['trial'])}): " + ", ".join(f"{k} = {v}" for k, v in values.items()))
        _print_table(
            ["", "value"],
            [
                ["NPV", f"{best['npv']:,.0f} {cur}"],
                [
                    f"NPV {round(100 * float(base.compare.ci_level))}% interval",
                    f"[{best['npv_low']:,.0f}, {best['npv_high']:,.0f}]",
                ],
                ["investment (discounted)", f"{best['investment']:,.0f} {cur} (budget {spec.budget:,.0f})"],
                ["ΔNPS", _fmt(float(best["dnps"]), "+.2f")],
            ],
        )
        print(f"  scenario: {out / 'scenario' / (name + '.yaml')}\n  compare it: {cmd}")
    _optimise_report(out, spec, table, best, fig, cur, wall, reps)
    record = json.loads((out / "study.json").read_text(encoding="utf-8"))
    record.update(wall_seconds=round(wall, 1), trials=len(table), complete=True)
    atomic_write_text(out / "study.json", json.dumps(record, indent=2, default=str) + "\n")
    print(f"  {len(table)} trials ({wall:.0f} s this session); outputs: {out} (report.html)")
    return 0


def _lever_text(x: Any) -> str:
    v = _native(x)
    return f"{v:.3f}" if isinstance(v, float) else str(v)


def _native(x: Any) -> Any:
    if isinstance(x, (np.bool_, bool)):
        return bool(x)
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (np.floating,)):
        return float(x)
    return x


def _optimise_report(
    out: Path, spec: OptimiseSpec, table: pd.DataFrame, best: Any, fig: Path, cur: str, wall: float, reps: int
) -> None:
    from cxsim.study.report import Section, Table, write_report

    names = [lv.name for lv in spec.levers]
    top = table.sort_values("npv", ascending=False).head(15) if not table.empty else table
    rows = [
        [str(int(r["trial"])), *[_lever_text(r[n]) for n in names], f"{r['investment']:,.0f}", f"{r['npv']:,.0f}",
         f"[{r['npv_low']:,.0f}, {r['npv_high']:,.0f}]", f"{r['dnps']:+.2f}", "yes" if r["feasible"] else "no"]
        for _, r in top.iterrows()
    ]  # fmt: skip
    para = (
        [f"Best feasible design: trial {int(best['trial'])}, NPV {best['npv']:,.0f} {cur} "
         f"[{best['npv_low']:,.0f}, {best['npv_high']:,.0f}], investment {best['investment']:,.0f} {cur}."]
        if best is not None else ["No trial met the constraints."]
    )  # fmt: skip
    sec = Section(
        "Design search",
        paragraphs=para,
        tables=[Table(["trial", *names, "investment", "NPV", "NPV interval", "ΔNPS", "feasible"], rows)],
        figure=fig,
    )
    method = [
        f"Optuna ({'TPE' if len(spec.objectives) == 1 else 'NSGA-II'}, seed {spec.seed}), {len(table)} trials, each a "
        f"paired comparison with the AS-IS over {reps} replications (common random numbers). Constraints: discounted "
        f"investment <= {spec.budget:,.0f} {cur}"
        + (f", ΔNPS >= {spec.min_dnps:g}" if spec.min_dnps is not None else "")
        + f". Wall time of the last session {wall:.0f} s.",
    ]
    write_report(
        out / "report.html", f"Design search: {spec.name}", "objective: " + ", ".join(spec.objectives), [sec], method
    )
