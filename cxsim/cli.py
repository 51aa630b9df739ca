"""Command-line entry point: ``cxsim run``, ``cxsim validate``, ``cxsim --help``.

``run`` is a thin ``@hydra.main`` application around :func:`run_job` (testable without
Hydra). Before Hydra starts, every config the command would run (each point of a ``-m``
sweep) is composed and validated; a bad override or config prints one message and exits
with code 2, and nothing is written.
"""

from __future__ import annotations

import itertools
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException
from hydra.types import RunMode
from omegaconf import DictConfig

from cxsim.config.loading import compose_config, config_dir, register_schema
from cxsim.config.validation import ConfigError

__all__ = ["main", "print_summary", "run_job"]

EXIT_CONFIG = 2

# Hydra command-line flags that take a value (the value is not a config override).
_FLAGS_WITH_VALUE = {"--cfg", "-c", "--package", "-p", "--config-name", "-cn", "--config-path", "-cp",
                     "--config-dir", "-cd", "--experimental-rerun"}  # fmt: skip

USAGE = """\
usage: cxsim <command> [hydra overrides]

cxsim simulates a market of customers living through a customer journey: queues at
touchpoints, expectations and disappointment, remembered experience, NPS, word of mouth,
acquisition, churn, cost and revenue.

commands:
  run [overrides]        run one simulation and write its outputs (daily KPIs, touchpoint table,
                         summary.json, run_meta.json, kpis.png) into Hydra's output directory;
                         add -m to sweep: cxsim run -m simulation.seed=1,2,3
                         (in parallel processes: add hydra/launcher=joblib)
  compare [overrides]    the main job: AS-IS vs TO-BE designs over paired replications with common
                         random numbers; NPV, ROI and payback with confidence intervals, the ROI
                         waterfall, touchpoint deltas, figures and a self-contained report.html;
                         e.g. cxsim compare compare.candidates=[better_app] compare.replications=30
  validate [overrides]   check a config (every point of a sweep) without running it
  validate-model [--out DIR] [--quick]  check the model against theory; writes docs/validation.md
  help                   show this message (also: -h, --help)

overrides use Hydra syntax, e.g.
  cxsim run population.size=5000 simulation.days=90
  cxsim run wom=mean_field acquisition.nwom_suppression=0
  cxsim run -m hydra/launcher=joblib behaviour.loss_weight=1.5,2,3
config groups (files in {config_dir}):
{groups}
exit codes: 0 success, 2 invalid config or command line.
"""


def _groups() -> str:
    lines = []
    root = config_dir()
    for group in sorted(p for p in root.iterdir() if p.is_dir()):
        options = sorted(f.stem for f in group.glob("*.yaml"))
        if options:
            lines.append(f"  {group.name}: {', '.join(options)}")
    return "\n".join(lines)


def _usage() -> str:
    return USAGE.format(config_dir=config_dir(), groups=_groups())


def _split_args(args: list[str]) -> tuple[list[str], bool]:
    """Config overrides (Hydra's own included) and whether ``-m`` was given."""
    overrides: list[str] = []
    multirun = False
    skip = False
    for a in args:
        if skip:
            skip = False
            continue
        if a in ("-m", "--multirun"):
            multirun = True
        elif a in _FLAGS_WITH_VALUE:
            skip = True
        elif a.startswith("-"):
            continue
        else:
            overrides.append(a)
    return overrides, multirun


def expand_sweeps(overrides: list[str]) -> list[list[str]]:
    """Every combination a basic sweep over ``overrides`` would run (Hydra sweep syntax)."""
    parsed = OverridesParser.create().parse_overrides(overrides)
    choices: list[list[str]] = []
    for o in parsed:
        key = o.get_key_element()
        if o.is_sweep_override():
            values = list(o.sweep_string_iterator())
            choices.append([f"{key}={v}" for v in values])
        else:
            choices.append([o.input_line or f"{key}={o.get_value_element_as_str()}"])
    return [list(c) for c in itertools.product(*choices)] if choices else [[]]


def _check(overrides: list[str], multirun: bool, designs: bool = False) -> int:
    """Compose and validate every config the command would run. Returns an exit code."""
    try:
        combos = expand_sweeps(overrides) if multirun else [overrides]
        if not multirun:
            parsed = OverridesParser.create().parse_overrides(overrides)
            sweeps = [o.get_key_element() for o in parsed if o.is_sweep_override()]
            if sweeps:
                raise ConfigError([(sweeps[0], "sweep syntax (a,b or range) needs -m (multirun)")])
        for combo in combos:
            if designs:
                design_configs(combo)
            else:
                compose_config(combo, validate_it=True)
    except ConfigError as exc:
        print(f"cxsim: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except HydraException as exc:
        print(f"cxsim: invalid override: {str(exc).strip().splitlines()[0]}", file=sys.stderr)
        return EXIT_CONFIG
    return 0


def design_configs(overrides: list[str]) -> tuple[DictConfig, list[DictConfig]]:
    """Compose the baseline and candidate designs named by ``compare.*`` under ``overrides``.

    Each design is the same config with ``scenario=<name>``; the overrides apply to all.

    Raises:
        ConfigError: a design's config is invalid or names an unknown scenario.
    """
    common = [o for o in overrides if not o.lstrip("+~").startswith("scenario=")]
    first = compose_config(common, validate_it=True)
    names = [str(first.compare.baseline), *[str(c) for c in first.compare.candidates]]
    if len(names) < 2:
        raise ConfigError([("compare.candidates", "name at least one TO-BE scenario to compare with the baseline")])
    cfgs = []
    for name in names:
        try:
            cfgs.append(compose_config([*common, f"scenario={name}"], validate_it=True))
        except ConfigError as exc:
            key = "compare.baseline" if name == names[0] else "compare.candidates"
            if exc.problems and exc.problems[0][0] == "scenario":
                raise ConfigError([(key, f"unknown scenario {name!r} ({exc.problems[0][1]})")]) from exc
            raise
    return cfgs[0], cfgs[1:]


def print_comparison(result: Any) -> None:
    """The comparison table and the answer, on standard output."""
    from cxsim.report.html import answer_sentences

    cur = result.currency
    level = int(result.ci_level * 100)
    kpis = result.kpis.set_index(["design", "kpi"])
    head = f"{'design':<34}{'investment':>12}  {'NPV [' + str(level) + '% CI]':<32}{'ROI [CI]':<22}"
    print(head + f"{'P(ROI>0)':>9}{'payback':>10}{'dNPS':>7}")
    for r in result.money.sort_values("npv", ascending=False).to_dict("records"):
        npv = f"{r['npv']:,.0f} [{r['npv_low']:,.0f}, {r['npv_high']:,.0f}]"
        roi = (
            f"{100 * r['roi']:.0f}% [{100 * r['roi_low']:.0f}%, {100 * r['roi_high']:.0f}%]"
            if r["investment"] > 0
            else "n/a"
        )
        pb = r["payback_day"]
        payback = f"day {int(pb)}" if pb is not None and pb == pb else "-"
        dnps = kpis.loc[(r["design"], "nps_end"), "delta"]
        print(
            f"{str(r['title'])[:33]:<34}{r['investment']:>12,.0f}  {npv:<32}{roi:<22}"
            f"{100 * r['p_roi_positive']:>8.0f}%{payback:>10}{dnps:>+7.1f}"
        )
    print(f"(money in {cur}, discounted at {100 * result.discount_rate_annual:.1f}%/yr over {result.days} days; "
          f"{result.replications} paired replications)")  # fmt: skip
    print()
    for sentence in answer_sentences(result):
        print(f"  {sentence}")


def compare_job(overrides: list[str], out_dir: Path) -> dict[str, Any]:
    """Run ``cxsim compare``: compose the designs, compare, write the outputs, print the answer."""
    from cxsim.compare import compare
    from cxsim.output import write_comparison

    for name in ("MESA", "matplotlib"):
        logging.getLogger(name).setLevel(logging.WARNING)
    baseline, candidates = design_configs(overrides)
    result = compare(baseline, candidates)
    write_comparison(out_dir, result, baseline)
    print(
        f"cxsim compare: {baseline.journey.name} vs {', '.join(str(c.scenario.name) for c in candidates)}; "
        f"{baseline.population.size:,} people, {result.days} days, {result.replications} replications, "
        f"{result.wall_seconds:.0f} s"
    )
    print_comparison(result)
    print(f"  outputs: {out_dir} (report.html)")
    return result.summary()


def print_summary(summary: dict[str, Any], out_dir: Path | None, wall: float) -> None:
    """A short KPI table on standard output."""
    cur = summary.get("currency", "")

    def pct(x: Any) -> str:
        return "n/a" if x is None else f"{100 * x:.1f}%"

    def num(x: Any, fmt: str = ",.0f") -> str:
        return "n/a" if x is None else format(x, fmt)

    rows = [
        ("days simulated", num(summary["days"], "d")),
        ("customers start -> end", f"{summary['customers_start']:,} -> {summary['customers_end']:,}"),
        ("NPS (end of run)", num(summary["nps_end"], "+.1f")),
        ("CSAT (contacts)", "n/a" if summary["csat_mean"] is None else f"{summary['csat_mean']:.1f}%"),
        ("effort (1-7)", num(summary["effort_mean"], ".2f")),
        ("churn (annualised)", pct(summary["churn_rate_annual"])),
        (
            "acquired: marketing / referral",
            f"{summary['acquired_marketing_total']:,} / {summary['acquired_referral_total']:,}",
        ),
        ("contacts / abandonment", f"{summary['visits_total']:,} / {pct(summary['abandonment_rate'])}"),
        ("mean wait (staffed)", "n/a" if summary["mean_wait_min"] is None else f"{summary['mean_wait_min']:.2f} min"),
        ("revenue", f"{num(summary['revenue_total'])} {cur}"),
        ("cost to serve", f"{num(summary['cost_to_serve_total'])} {cur}"),
        ("margin", f"{num(summary['margin_total'])} {cur}"),
        ("wall time", f"{wall:.1f} s"),
    ]
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"  {k:<{width}}  {v}")
    if out_dir is not None:
        print(f"  outputs: {out_dir}")


def run_job(cfg: DictConfig, out_dir: Path) -> dict[str, Any]:
    """Simulate ``cfg``, write its outputs into ``out_dir`` and print a summary."""
    from cxsim.output import write_run
    from cxsim.simulation import simulate

    # Hydra configures the root logger at INFO; Mesa logs every step and matplotlib its font
    # cache there. Keep the job log about cxsim.
    for name in ("MESA", "matplotlib"):
        logging.getLogger(name).setLevel(logging.WARNING)
    t0 = time.perf_counter()
    result = simulate(cfg)
    wall = time.perf_counter() - t0
    write_run(out_dir, cfg, result, wall, csv=bool(cfg.simulation.csv))
    print(f"cxsim run: {cfg.journey.name}, {cfg.population.size:,} people, seed {result.seed}, engine {result.engine}")
    print_summary(result.summary, out_dir, wall)
    return result.summary


register_schema()


def _share_cores() -> None:
    """In a parallel sweep (e.g. hydra/launcher=joblib) give each worker its share of numba threads."""
    hc = HydraConfig.get()
    n_jobs = hc.launcher.get("n_jobs") if hc.mode == RunMode.MULTIRUN else None
    if not n_jobs:
        return
    import numba

    cores = os.cpu_count() or 1
    workers = cores if n_jobs < 0 else min(int(n_jobs), cores)
    numba.set_num_threads(max(1, min(numba.get_num_threads(), cores // max(workers, 1))))


@hydra.main(version_base="1.3", config_path=str(config_dir()), config_name="config")
def _hydra_run(cfg: DictConfig) -> None:
    _share_cores()
    run_job(cfg, Path(HydraConfig.get().runtime.output_dir))


@hydra.main(version_base="1.3", config_path=str(config_dir()), config_name="config")
def _hydra_compare(cfg: DictConfig) -> None:
    _share_cores()
    compare_job(list(HydraConfig.get().overrides.task), Path(HydraConfig.get().runtime.output_dir))


def _launch(args: list[str], app: Any, designs: bool) -> int:
    """Validate every config the command would run, then hand the arguments to a Hydra app."""
    if any(a in ("-h", "--help") for a in args):
        print(_usage())
        return 0
    overrides, multirun = _split_args(args)
    code = _check(overrides, multirun, designs=designs)
    if code:
        return code
    saved = sys.argv
    sys.argv = ["cxsim", *args]
    try:
        app()
    finally:
        sys.argv = saved
    return 0


def _validate(args: list[str]) -> int:
    if any(a in ("-h", "--help") for a in args):
        print(_usage())
        return 0
    overrides, multirun = _split_args(args)
    code = _check(overrides, multirun or any("," in o or "range(" in o for o in overrides))
    if code == 0:
        n = len(expand_sweeps(overrides))
        print(f"config OK ({n} configuration{'s' if n != 1 else ''} checked)")
    return code


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``cxsim`` console script."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        print(_usage())
        return 0 if args else EXIT_CONFIG
    if args[0] in ("--version", "-V"):
        from cxsim import __version__

        print(f"cxsim {__version__}")
        return 0
    command, rest = args[0], args[1:]
    if command == "run":
        return _launch(rest, _hydra_run, designs=False)
    if command == "validate":
        return _validate(rest)
    if command == "validate-model":
        from cxsim.theory_checks import main as validate_model

        return validate_model(rest)
    if command == "compare":
        return _launch(rest, _hydra_compare, designs=True)
    print(f"cxsim: unknown command {command!r} (commands: run, compare, validate, help)", file=sys.stderr)
    return EXIT_CONFIG


if __name__ == "__main__":
    sys.exit(main())
