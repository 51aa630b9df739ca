"""Command-line entry point: ``cxsim run``, ``compare``, ``validate``, ``help``, ...

argparse reads each command's own options (and prints its help: every config key it reads, from
:mod:`cxsim.help`); the rest of the line goes to Hydra's own parser and Hydra's app runner, as
``@hydra.main`` would hand it over, so Hydra's flags (``-m``, ``--cfg``, ``--info``,
``--shell-completion``) are Hydra's. ``run`` and ``compare`` are thin Hydra tasks around
:func:`run_job` and :func:`compare_job` (testable without Hydra). Before Hydra starts, every
config the command would run (each point of a ``-m`` sweep) is composed and validated; a bad
override or config prints one message and exits with code 2, and nothing is written.
"""

from __future__ import annotations

import argparse
import itertools
import logging
import os
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

from cxsim.interrupts import Interrupted, as_interrupted, ignore_signals, stop_on_signals, stop_while_importing

with stop_while_importing():  # Ctrl-C while the command starts: one line, not a traceback
    from hydra._internal.utils import _run_hydra, get_args_parser
    from hydra.core.hydra_config import HydraConfig
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException
    from hydra.types import RunMode
    from omegaconf import DictConfig

    from cxsim.config.loading import (
        compose_config,
        config_dir,
        new_entries,
        register_schema,
        search_dirs,
        searchpath_override,
    )
    from cxsim.config.validation import ConfigError
    from cxsim.designs import design_configs, ignored_keys
    from cxsim.runfolder import RunFolder, run_dir_of, shown_dir
    from cxsim.runfolder import plan as plan_folder
    from cxsim.sweeps.job import sweep_job
    from cxsim.sweeps.plan import plan_jobs

__all__ = ["design_configs", "main", "print_comparison", "print_summary", "run_job"]

EXIT_CONFIG = 2

COMMANDS: dict[str, str] = {
    "run": "run one simulation and write its outputs (daily KPIs, touchpoint table, summary.json, "
    "run_meta.json, kpis.png) into Hydra's output folder; add -m to sweep: cxsim run -m simulation.seed=1,2,3 "
    "(in parallel processes: add hydra/launcher=joblib)",
    "compare": "the main job: AS-IS vs TO-BE designs over paired replications with common random numbers; "
    "NPV, ROI and payback with confidence intervals, the ROI waterfall, touchpoint deltas, figures and a "
    "self-contained report.html; e.g. cxsim compare compare.candidates=[better_app] compare.replications=30",
    "validate": "check a config (every point of a sweep, every design compare would run) without running it",
    "validate-model": "check the model against theory (Erlang C/A, Bass, peak-end, NPS, retention); writes "
    "validation.md and its figures into an output folder (--update-docs: the committed docs/)",
    "collect": "gather a sweep folder into sweep.parquet (one row per job) and sweep_daily/; --by: each "
    "point's mean and confidence interval over seeds",
    "sensitivity": "which parameters matter: Morris / Sobol indices (SALib) of KPIs or of a design's NPV, and "
    "the share of plausible worlds in which each design wins (cxsim sensitivity --help)",
    "optimise": "search design levers with Optuna for the best NPV under a budget (cxsim optimise --help)",
    "help": "cxsim help KEY|GROUP|COMMAND [overrides]: one config key (meaning, unit, default, range, its value "
    "and the file or override that set it), a group of keys, the options of a config group, or a command",
}

_HYDRA_FLAGS = """\
Hydra's own options (after the command, handed to Hydra):
  -m, --multirun          sweep: every combination of the comma lists / range() / glob() values
  --cfg job|hydra|all     print the composed config instead of running (with --resolve: resolved);
                          for compare: every design it would run (`cxsim help KEY [overrides]`
                          says which file or override set a value)
  --info [defaults|...]   Hydra's information (defaults list, search path, plugins)
  -sc, --shell-completion install=bash|zsh: print a completion script (see the README)
  --hydra-help            Hydra's own help (launchers, sweepers, hydra.* keys)"""

USAGE = """\
usage: cxsim <command> [options] [KEY=VALUE ...]

cxsim simulates a market of customers living through a customer journey: queues at
touchpoints, expectations and disappointment, remembered experience, NPS, word of mouth,
acquisition, churn, cost and revenue.

commands (`cxsim COMMAND --help` lists its options and every config key it reads):
{commands}

{hydra}
  --config-dir DIR        add your own folder of configs (DIR/scenario/*.yaml, DIR/journey/*.yaml, ...);
                          its options join the built-in ones (repeatable)

overrides use Hydra syntax, e.g.
  cxsim run population.size=5000 simulation.days=90
  cxsim run wom=mean_field acquisition.nwom_suppression=0
  cxsim run -m hydra/launcher=joblib behaviour.loss_weight=1.5,2,3
  cxsim help journey.touchpoints.contact_centre.servers scenario=more_agents
config groups (files in {config_dir}):
{groups}
a sweep (-m) writes sweep.parquet into its folder and resumes when re-run with the same
hydra.sweep.dir=DIR; launchers: hydra/launcher=joblib | ray_local | ray_cluster | submitit_local | slurm
exit codes: 0 success, 1 some sweep jobs failed, 2 invalid config or command line.
"""


def _usage(overrides: list[str] | None = None) -> str:
    from cxsim.help import group_list

    commands = "\n".join(
        textwrap.fill(text, 100, initial_indent=f"  {name:<22}"[:25].ljust(25), subsequent_indent=" " * 25)
        for name, text in COMMANDS.items()
    )
    return USAGE.format(
        commands=commands, hydra=_HYDRA_FLAGS, config_dir=config_dir(), groups=group_list(overrides or [])
    )


def _command_parser(command: str, overrides: list[str]) -> argparse.ArgumentParser:
    """The options of run / compare / validate; their help lists every config key the command reads."""
    from cxsim.help import keys_help

    p = argparse.ArgumentParser(
        prog=f"cxsim {command}",
        usage=f"cxsim {command} [options] [KEY=VALUE ...]",
        description=textwrap.fill(COMMANDS[command], 100) + "\n\n" + _HYDRA_FLAGS,
        epilog=keys_help(command, overrides),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    p.add_argument("--config-dir", "-cd", action="append", default=[], metavar="DIR",
                   help="add your own folder of configs (DIR/scenario/*.yaml, ...); repeatable")  # fmt: skip
    if command in ("run", "compare"):
        p.add_argument(
            "--overwrite",
            action="store_true",
            help="replace the results already in the output folder (hydra.run.dir) instead of refusing",
        )
    return p


def _hydra_args(args: list[str]) -> argparse.Namespace:
    """Hydra's own reading of the command line (its parser, so its flags are never copied here).

    Raises:
        ConfigError: Hydra's parser refuses the arguments (its message names the flag).
    """
    parser = get_args_parser()
    parser.exit_on_error = False
    try:
        return parser.parse_intermixed_args(args)
    except (argparse.ArgumentError, SystemExit) as exc:
        raise ConfigError([("command line", str(exc) or "not understood")]) from exc


def _hydra_args_or_say(args: list[str]) -> argparse.Namespace | None:
    """:func:`_hydra_args`, or None after printing why the command line was refused."""
    try:
        return _hydra_args(args)
    except ConfigError as exc:
        print(f"cxsim: {exc}", file=sys.stderr)
        return None


def config_dir_args(args: list[str]) -> list[str]:
    """Turn ``--config-dir DIR`` (repeatable; ``-cd``) into one ``hydra.searchpath`` override.

    User folders hold the same groups as the built-in configs (``scenario/``, ``journey/``,
    ``population/``...); their options join the built-in ones for every command.

    Raises:
        ConfigError: a folder does not exist, or the flag has no value.
    """
    dirs: list[Path] = []
    rest: list[str] = []
    it = iter(range(len(args)))
    for i in it:
        a = args[i]
        if a in ("--config-dir", "-cd"):
            if i + 1 >= len(args):
                raise ConfigError([("--config-dir", "needs a folder, e.g. --config-dir mydesigns")])
            dirs.append(Path(args[i + 1]))
            next(it, None)
        elif a.startswith("--config-dir="):
            dirs.append(Path(a.split("=", 1)[1]))
        elif a.startswith("hydra.searchpath="):
            dirs += search_dirs([a])
        else:
            rest.append(a)
    for d in dirs:
        if not d.expanduser().is_dir():
            raise ConfigError([("--config-dir", f"config folder {str(d)!r} does not exist")])
    return [searchpath_override([d.expanduser() for d in dirs]), *rest] if dirs else rest


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


def _check(overrides: list[str], multirun: bool, designs: bool = False, command: str = "") -> int:
    """Compose and validate every config the command would run. Returns an exit code."""
    try:
        combos = [list(j) for j in plan_jobs(overrides).jobs] if multirun else [overrides]
        if not multirun:
            parsed = OverridesParser.create().parse_overrides(overrides)
            sweeps = [o.get_key_element() for o in parsed if o.is_sweep_override()]
            if sweeps:
                raise ConfigError([(sweeps[0], "sweep syntax (a,b or range) needs -m (multirun)")])
        notes: list[str] = []
        for i, combo in enumerate(combos):
            if designs:
                base, cands = design_configs(combo, notes if i == 0 else None)
                _check_compare_memory(base, 1 + len(cands))
                if i == 0:
                    notes += ignored_keys("compare", combo, base)
            else:
                cfg = compose_config(combo, validate_it=True)
                if i == 0 and command:
                    notes += ignored_keys(command, combo, cfg)
                if not command and len(cfg.compare.candidates):  # validate: also the designs compare would run
                    design_configs(combo)
        _notes(notes)
    except ConfigError as exc:
        print(f"cxsim: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except HydraException as exc:
        print(f"cxsim: invalid override: {str(exc).strip().splitlines()[0]}", file=sys.stderr)
        return EXIT_CONFIG
    return 0


def _check_compare_memory(base: Any, designs: int) -> None:
    from cxsim.compare import CompareSettings
    from cxsim.memory import check_compare_memory

    s = CompareSettings.from_config(base)
    check_compare_memory(base, designs, min(s.n_jobs, s.replications), s.replications, s.simulated_days)


def print_comparison(result: Any) -> None:
    """The comparison table and the answer, on standard output (aligned at any magnitude)."""
    from cxsim.report.answer import answer_sentences, payback_text, sanity_warnings, verdict
    from cxsim.report.labels import format_value
    from cxsim.report.listening import listening_lines

    cur = result.currency
    level = round(result.ci_level * 100)
    headers = ["design", f"investment ({cur})", f"NPV [{level}% CI]", "ROI [CI] / kind", "payback", "P(NPV>0)",
               "dNPS", "d lost"]  # fmt: skip
    rows = []
    for r in result.money.sort_values("npv", ascending=False).to_dict("records"):
        npv = f"{r['npv']:,.0f} [{r['npv_low']:,.0f}, {r['npv_high']:,.0f}]"
        rows.append(
            [
                str(r["title"]),
                f"{r['investment']:,.0f}",
                npv,
                verdict(r, cur).removeprefix("ROI "),
                payback_text(r),
                f"{100 * r['p_npv_positive']:.0f}%",
                format_value(r["delta_nps"], "points", signed=True).removesuffix(" pts"),
                format_value(r["delta_customers_lost"], "count", signed=True),
            ]
        )
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(headers)]
    left = {0, 3, 4}

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i in left else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    print(line(headers).rstrip())
    for row in rows:
        print(line(row).rstrip())
    print(
        f"(money in {cur}, discounted at {100 * result.discount_rate_annual:.1f}%/yr over {result.days} days after a "
        f"{result.warmup_days}-day warm-up; {result.replications} paired replications; investment includes staff "
        "the design adds or removes)"
    )
    print()
    for sentence in [*answer_sentences(result), *listening_lines(result)]:
        for i, chunk in enumerate(textwrap.wrap(sentence, 100)):
            print(("  " if i == 0 else "    ") + chunk)
    for w in sanity_warnings(result):
        print(f"  warning: the AS-IS is implausible: {w}", file=sys.stderr)


def _notes(notes: list[str]) -> None:
    for n in dict.fromkeys(notes):
        print(f"cxsim: {n}", file=sys.stderr)


def compare_job(overrides: list[str], out_dir: Path) -> dict[str, Any]:
    """Run ``cxsim compare``: compose the designs, compare, write the outputs, print the answer."""
    from cxsim.compare import CompareSettings, compare, discard_kept_replications
    from cxsim.output import write_comparison

    for name in ("MESA", "matplotlib"):
        logging.getLogger(name).setLevel(logging.WARNING)
    baseline, candidates = design_configs(overrides)  # its notes were printed before Hydra started
    s = CompareSettings.from_config(baseline)
    eta = s.estimate_seconds(int(baseline.population.size), 1 + len(candidates))
    print(
        f"cxsim compare: {1 + len(candidates)} designs x {s.replications} paired replications, "
        f"{baseline.population.size:,} people, {s.simulated_days:,} days each ({s.warmup_days} warm-up + "
        f"{s.simulated_days - s.warmup_days:,}); about {_duration(eta)} on "
        f"{min(s.n_jobs, s.replications)} worker(s) (rough estimate)",
        flush=True,
    )
    result = compare(baseline, candidates, discard_kept=False)
    write_comparison(out_dir, result, baseline)
    discard_kept_replications(result)  # the outputs are written: the kept replications are not needed
    print(
        f"cxsim compare: {baseline.journey.title or baseline.journey.name}: "
        f"{', '.join(str(c.scenario.title) for c in candidates)} against {baseline.scenario.title}; "
        f"{result.replications} replications in {_duration(result.wall_seconds)}"
    )
    print_comparison(result)
    print(f"  outputs: {shown_dir(out_dir)} (report.html)")
    return result.summary()


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


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
        ("NPS measured by surveys", _measured_nps(summary)),
        ("CSAT (contacts)", "n/a" if summary["csat_mean"] is None else f"{summary['csat_mean']:.1f}%"),
        ("effort (1-7)", num(summary["effort_mean"], ".2f")),
        ("churn (annualised)", pct(summary["churn_rate_annual"])),
        (
            "acquired: marketing / referral",
            f"{summary['acquired_marketing_total']:,} / {summary['acquired_referral_total']:,}",
        ),
        ("contacts / abandonment", f"{summary['visits_total']:,} / {pct(summary['abandonment_rate'])}"),
        ("mean wait (staffed)", "n/a" if summary["mean_wait_min"] is None else f"{summary['mean_wait_min']:.2f} min"),
        ("answered within 20 s (staffed)", pct(summary.get("service_level_20s"))),
        ("revenue", f"{num(summary['revenue_total'])} {cur}"),
        ("cost to serve", f"{num(summary['cost_to_serve_total'])} {cur}"),
        ("margin", f"{num(summary['margin_total'])} {cur}"),
        ("value of a promoter", f"{num(summary.get('value_of_promoter'))} {cur} per promoter-year"),
        ("referrals per end promoter", _distribution(summary.get("referrals_per_promoter"))),
        ("new customers via referrals of referrals", pct(summary.get("second_generation_share"))),
        ("wall time", f"{wall:.1f} s"),
    ]
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"  {k:<{width}}  {v}")
    if out_dir is not None:
        print(f"  outputs: {out_dir}")


def _distribution(counts: dict[str, int] | None) -> str:
    """``0: 812, 1: 40, 2: 3, 3+: 0`` (promoters at the end by the referrals they made)."""
    return "n/a" if not counts else ", ".join(f"{k}: {v:,}" for k, v in counts.items())


def _measured_nps(summary: dict[str, Any]) -> str:
    """``+15.1 [+3.9, +26.2], 166 answers`` (or why there is none)."""
    n = int(summary.get("survey_responses_total") or 0)
    if not n or summary.get("nps_measured") is None:
        return "no survey answers"
    lo, hi = summary.get("nps_measured_low"), summary.get("nps_measured_high")
    ci = f" [{lo:+.1f}, {hi:+.1f}]" if lo is not None and hi is not None else ""
    return f"{summary['nps_measured']:+.1f}{ci}, {n:,} answers"


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
    print_summary(result.summary, shown_dir(out_dir), wall)
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


def _run_task(cfg: DictConfig) -> None:
    _share_cores()
    out_dir = Path(HydraConfig.get().runtime.output_dir)
    sweep_job(cfg, out_dir, lambda: run_job(cfg, out_dir), kind="run")


def _compare_task(cfg: DictConfig) -> None:
    _share_cores()
    hc = HydraConfig.get()
    search = [o for o in hc.overrides.hydra if str(o).startswith("hydra.searchpath=")]  # user config folders
    out_dir = Path(hc.runtime.output_dir)
    sweep_job(cfg, out_dir, lambda: compare_job([*search, *hc.overrides.task], out_dir), kind="compare")


def _hydra_app(task: Any, args: list[str]) -> None:
    """What ``@hydra.main`` does, with the arguments given (not ``sys.argv``)."""
    parser = get_args_parser()
    ns = parser.parse_intermixed_args(args)
    ns.overrides = new_entries(list(ns.overrides))
    _run_hydra(args=ns, args_parser=parser, task_function=task, config_path=str(config_dir()), config_name="config")


def _hydra_run(args: list[str]) -> None:
    _hydra_app(_run_task, args)


def _hydra_compare(args: list[str]) -> None:
    _hydra_app(_compare_task, args)


def _show_designs(overrides: list[str], what: str, resolve: bool) -> int:
    """``cxsim compare --cfg job``: the composed config of every design the comparison runs."""
    from omegaconf import OmegaConf

    if what != "job":
        print("cxsim: compare --cfg prints the designs' job configs; use --cfg job", file=sys.stderr)
        return EXIT_CONFIG
    try:
        baseline, candidates = design_configs(overrides)
    except ConfigError as exc:
        print(f"cxsim: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    for cfg in (baseline, *candidates):
        role = "baseline" if cfg is baseline else "candidate"
        print(f"# ---- {role} design: scenario={cfg.scenario.name} ({cfg.scenario.title})")
        print(OmegaConf.to_yaml(cfg, resolve=resolve))
    return 0


def _launch(args: list[str], app: Any, designs: bool) -> int:
    """Validate every config the command would run, then hand the arguments to a Hydra app.

    A single run or comparison is staged next to its folder and moved into place at the end
    (:mod:`cxsim.runfolder`); Ctrl-C, SIGTERM and SIGHUP stop it with one line and exit code
    128 + the signal (130, 143, 129).
    """
    overwrite = "--overwrite" in args
    args = [a for a in args if a != "--overwrite"]  # the output folder's business, not Hydra's
    ns = _hydra_args_or_say(args)
    if ns is None:
        return EXIT_CONFIG
    overrides, multirun = list(ns.overrides), bool(ns.multirun)
    if ns.shell_completion or ns.info is not None or ns.hydra_help:
        try:
            app(args)  # Hydra's own services: nothing runs
        except SystemExit as exc:
            return 0 if exc.code in (0, None) else EXIT_CONFIG
        return 0
    if ns.cfg is not None and designs:
        return _show_designs(overrides, ns.cfg, bool(ns.resolve))
    if ns.cfg is not None:  # show what the overrides compose to, even a config validation would refuse
        try:
            compose_config(overrides, validate_it=False)
        except ConfigError as exc:
            print(f"cxsim: {exc}", file=sys.stderr)
            return EXIT_CONFIG
        app(args)
        return 0
    code = _check(overrides, multirun, designs=designs, command="compare" if designs else "run")
    if code:
        return code
    code = _check_output_dir(overrides, multirun)
    if code:
        return code
    folder: RunFolder | None = None
    if multirun:
        if overwrite:
            print(
                "cxsim: --overwrite: a sweep (-m) is not overwritten: it resumes in its hydra.sweep.dir; "
                "use a new hydra.sweep.dir or delete the old one",
                file=sys.stderr,
            )
            return EXIT_CONFIG
        from cxsim.sweeps.launch import finish_sweep, prepare_sweep

        args, code = prepare_sweep(args, overrides, kind="compare" if designs else "run")
        if code:
            return code
    else:
        try:
            folder = plan_folder(run_dir_of(overrides), overwrite=overwrite)
        except ConfigError as exc:
            print(f"cxsim: {exc}", file=sys.stderr)
            return EXIT_CONFIG
        args = [a for a in args if not a.lstrip("+").startswith("hydra.run.dir=")] + [folder.override()]
    try:
        with stop_on_signals():
            app(args)
    except SystemExit as exc:  # Hydra reported a failed job (or a sweep's worker died)
        if multirun:
            return finish_sweep(crashed=exc.code not in (0, None))
        _settle(folder)
        return exc.code if isinstance(exc.code, int) else 1
    except BaseException as exc:
        stop = as_interrupted(exc)
        if stop is None:
            _settle(folder)
            raise
        if multirun:
            print(f"cxsim: interrupted by {stop.name}; run the same command again to resume the sweep", file=sys.stderr)
            finish_sweep(crashed=True)
        else:
            where = _settle(folder, stop)
            kept = f"; {stop.detail}" if stop.detail else ""
            shown = f"; no results written ({where}/error.json says why)" if where else ""
            print(f"cxsim: interrupted by {stop.name}{kept}{shown}", file=sys.stderr)
        return stop.exit_code
    if multirun:
        return finish_sweep()
    _settle(folder)
    return 0


def _settle(folder: RunFolder | None, stop: Interrupted | None = None) -> Path | None:
    """Move a single run's staging folder into place (a second signal meanwhile is ignored)."""
    if folder is None:
        return None
    with ignore_signals():
        return folder.settle(stop)


def _check_output_dir(overrides: list[str], multirun: bool) -> int:
    """Exit code 2 with one message if the run or sweep folder cannot be written."""
    from cxsim.output import output_dir_problem

    key = "hydra.sweep.dir" if multirun else "hydra.run.dir"
    given = [o.split("=", 1)[1] for o in overrides if o.lstrip("+").startswith(f"{key}=")]
    # the fixed part of the folder (Hydra's default is outputs/${now:...} or multirun/${now:...})
    text = (given[-1] if given else ("multirun" if multirun else "outputs")).strip("'\"").split("${")[0]
    problem = output_dir_problem(Path(text or "."))
    if problem:
        print(f"cxsim: cannot write the outputs: {key}={given[-1] if given else text}: {problem}", file=sys.stderr)
        return EXIT_CONFIG
    return 0


def _validate(args: list[str]) -> int:
    ns = _hydra_args_or_say(args)
    if ns is None:
        return EXIT_CONFIG
    overrides, multirun = list(ns.overrides), bool(ns.multirun)
    code = _check(overrides, multirun or any("," in o or "range(" in o for o in overrides))
    if code == 0:
        n = len(plan_jobs(overrides)) if multirun or any("," in o or "range(" in o for o in overrides) else 1
        print(f"config OK ({n} configuration{'s' if n != 1 else ''} checked)")
    return code


def _help(args: list[str]) -> int:
    """``cxsim help [TOPIC] [overrides]``."""
    from cxsim.help import explain

    topics = [a for a in args if "=" not in a and not a.startswith("-")]
    overrides = [a for a in args if "=" in a]
    if not topics:
        print(_usage(overrides))
        return 0
    if topics[0] in COMMANDS:
        return main([topics[0], *overrides, "--help"])
    try:
        print(explain(topics[0], overrides))
    except ConfigError as exc:
        print(f"cxsim: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    return 0


def _completion(args: list[str]) -> int:
    """``cxsim -sc install=bash|zsh`` and the queries of the installed script (``-sc query=bash``).

    The script asks ``cxsim -sc query=bash`` with the whole line in ``COMP_LINE``; the command word
    (``run``, ``compare``...) is no config override, so it is left out of the line Hydra completes.
    """
    line = os.environ.get("COMP_LINE")
    if line is not None:
        words = line.split(" ")
        if len(words) > 1 and words[1] in COMMANDS:
            os.environ["COMP_LINE"] = " ".join([words[0], *words[2:]])
    try:
        _hydra_run(args)
    except SystemExit as exc:
        return 0 if exc.code in (0, None) else EXIT_CONFIG
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``cxsim`` console script.

    Ctrl-C, SIGTERM or SIGHUP at any point (while the configs are checked, too) end the command
    with one line and exit code 128 + the signal; a run or comparison under way also cleans up
    (see :func:`_launch`).
    """
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        with stop_on_signals():
            return _dispatch(args)
    except BaseException as exc:
        stop = as_interrupted(exc)
        if stop is None:
            raise
        print(f"cxsim: interrupted by {stop.name}", file=sys.stderr)
        return stop.exit_code


def _dispatch(args: list[str]) -> int:
    """Run the command ``args`` names."""
    if not args or args[0] in ("-h", "--help"):
        print(_usage())
        return 0 if args else EXIT_CONFIG
    if args[0] in ("--version", "-V"):
        from cxsim import __version__

        print(f"cxsim {__version__}")
        return 0
    if args[0] in ("-sc", "--shell-completion"):
        return _completion(args)
    command, rest = args[0], args[1:]
    if command not in COMMANDS:
        near = [c for c in COMMANDS if c.startswith(command[:3])] if len(command) >= 3 else []
        hint = f"; did you mean {near[0]}?" if near else ""
        print(f"cxsim: unknown command {command!r}{hint} (commands: {', '.join(COMMANDS)})", file=sys.stderr)
        return EXIT_CONFIG
    try:
        rest = new_entries(config_dir_args(rest))
    except ConfigError as exc:
        print(f"cxsim: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    if command == "help":
        return _help(rest)
    if command == "validate-model":
        from cxsim.theory_checks import main as validate_model

        return validate_model(rest)
    if command == "collect":
        from cxsim.sweeps.command import main as collect_main

        return collect_main(rest)
    if command in ("sensitivity", "optimise"):
        from cxsim.study.command import optimise_main, sensitivity_main

        return (sensitivity_main if command == "sensitivity" else optimise_main)(rest)
    try:
        ns, hydra_args = _command_parser(command, rest).parse_known_args(rest)
    except SystemExit as exc:  # --help printed (0), or a bad option of ours (2)
        return 0 if exc.code in (0, None) else EXIT_CONFIG
    if command == "validate":
        return _validate(hydra_args)
    overwrite = ["--overwrite"] if getattr(ns, "overwrite", False) else []
    return _launch(
        [*hydra_args, *overwrite], _hydra_compare if command == "compare" else _hydra_run, designs=command == "compare"
    )


if __name__ == "__main__":
    sys.exit(main())
