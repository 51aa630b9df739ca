"""The driver of a ready-made study in ``experiments/``: run its sweep, draw its figure.

Each study is a folder with a README, a Hydra experiment (``configs/experiment/<name>.yaml``,
whose ``hydra.sweeper.params`` are the sweep) and a ``study.py`` that defines
``figure(table, by_point) -> Figure`` and hands it to :func:`study_main`::

    python experiments/<name>/study.py            # full size: the sweep, then figure.png beside the script
    python experiments/<name>/study.py --quick    # a tiny version of the same sweep (what CI runs)
    python experiments/<name>/study.py --from DIR # only the figure, from a finished sweep folder

Extra arguments are Hydra overrides for the sweep (e.g. ``hydra/launcher=joblib``).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from cxsim.sweeps.dataset import BY_POINT, TABLE

__all__ = ["FigureFn", "load_sweep", "points", "study_main"]

FigureFn = Callable[[pd.DataFrame, pd.DataFrame | None], Figure]


def load_sweep(sweep_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """``sweep.parquet`` (sorted by job) and ``sweep_by_point.parquet`` (None if the seed is not swept)."""
    sweep_dir = Path(sweep_dir)
    table = pd.read_parquet(sweep_dir / TABLE).sort_values("job").reset_index(drop=True)
    bp = pd.read_parquet(sweep_dir / BY_POINT) if (sweep_dir / BY_POINT).is_file() else None
    return table, bp


def points(table: pd.DataFrame, bp: pd.DataFrame | None) -> pd.DataFrame:
    """The by-point table, or, when the seed was not swept (e.g. ``--quick``), one "point" per finished job.

    Either way: the swept keys, ``kpi``, ``n``, ``mean``, ``low``, ``high`` (NaN without seeds).
    """
    if bp is not None:
        return bp
    ok = table[table["status"] == "ok"]
    fixed = {"job", "seed", "status", "message"}
    keys = [c for c in table.columns[: list(table.columns).index("seed")] if c not in fixed]
    kpis = [c for c in ok.columns if c not in fixed and c not in keys and pd.api.types.is_float_dtype(ok[c])]
    long = ok.melt(id_vars=keys, value_vars=kpis, var_name="kpi", value_name="mean")
    return long.assign(n=1, low=float("nan"), high=float("nan"))


def study_main(
    argv: Sequence[str],
    *,
    experiment: str,
    figure: FigureFn,
    here: Path,
    quick: Sequence[str],
    command: str = "run",
) -> int:
    """Run the study ``experiment`` (unless ``--from``) and write its figure; returns an exit code.

    Args:
        argv: the script's arguments.
        experiment: the name of ``configs/experiment/<experiment>.yaml``.
        figure: turns (sweep table, by-point table) into the study's figure.
        here: the study's folder (the full-size figure is written there as ``figure.png``).
        quick: overrides of the tiny version (``--quick``).
        command: ``run`` or ``compare``.
    """
    p = argparse.ArgumentParser(prog=f"{here.name}/study.py", description=f"cxsim study {experiment!r}")
    p.add_argument("--quick", action="store_true", help="a tiny version of the sweep (seconds)")
    p.add_argument("--from", dest="source", type=Path, help="only draw the figure from this finished sweep folder")
    p.add_argument("--sweep-dir", type=Path, help="where the sweep writes (default: multirun/<study>-<time>)")
    p.add_argument(
        "--out",
        type=Path,
        help="the figure's PNG (default: figure.png beside the script; --quick: in the sweep folder)",
    )
    ns, overrides = p.parse_known_args(list(argv))
    if ns.source is not None:
        sweep_dir = ns.source
    else:
        from cxsim.cli import main as cxsim_main

        sweep_dir = ns.sweep_dir or Path("multirun") / f"{experiment}-{time.strftime('%Y%m%d-%H%M%S')}"
        sweep_dir = sweep_dir.resolve()
        args = [command, "-m", f"+experiment={experiment}", *(quick if ns.quick else []), *overrides]
        code = cxsim_main([*args, f"hydra.sweep.dir={sweep_dir}"])
        if code:
            return code
    table, bp = load_sweep(sweep_dir)
    out = ns.out or (sweep_dir / "figure.png" if ns.quick else here / "figure.png")
    fig = figure(table, bp)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    print(f"figure: {out}")
    return 0
