"""Fuzzing the config gate: every bad input is either valid or a ConfigError, never anything else.

Most cases edit a composed default config in process (``OmegaConf.update``) and run it through
:func:`cxsim.config.loading.gate`; a subset is composed through Hydra from override strings and
from broken YAML files in a user folder, and a small sample goes through the real CLI. The
corpus ``tests/fuzz_corpus.txt`` keeps the inputs that failed before the gate existed.
"""

from __future__ import annotations

import copy
import functools
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from omegaconf import DictConfig, OmegaConf, open_dict
from omegaconf.errors import OmegaConfBaseException

from cxsim.config.loading import compose_config, composition_error, gate, searchpath_override
from cxsim.config.validation import ConfigError
from cxsim.designs import design_configs

BAD_VALUES: list[Any] = [-1, 0, 1e308, float("nan"), "abc", 10**30]
CORPUS = Path(__file__).with_name("fuzz_corpus.txt")
REPO = Path(__file__).resolve().parent.parent


@functools.cache
def _base() -> DictConfig:
    return compose_config([], validate_it=False)


def _leaves(node: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(node, dict):
        return [kv for k, v in node.items() for kv in _leaves(v, f"{prefix}{k}.")]
    return [(prefix.rstrip("."), node)]


@functools.cache
def _all_leaves() -> list[tuple[str, Any]]:
    return _leaves(OmegaConf.to_container(_base(), resolve=False))


@functools.cache
def _numeric_keys() -> list[str]:
    return [k for k, v in _all_leaves() if isinstance(v, (int, float)) and not isinstance(v, bool)]


@functools.cache
def _dict_keys() -> list[str]:
    """Dotted paths of every mapping in the config (where keys can be deleted or added)."""
    out: list[str] = []

    def walk(node: Any, prefix: str) -> None:
        if isinstance(node, dict):
            out.append(prefix.rstrip("."))
            for k, v in node.items():
                walk(v, f"{prefix}{k}.")

    walk(OmegaConf.to_container(_base(), resolve=False), "")
    return [k for k in out if k]


def _outcome(mutate: Any) -> str:
    """Apply ``mutate`` to a copy of the default config and gate it: "ok" or "rejected".

    An assignment OmegaConf refuses counts as rejected through the same translation compose uses
    (a Hydra override of that value fails the same way); any other exception fails the test.
    """
    cfg = copy.deepcopy(_base())
    try:
        with open_dict(cfg):
            mutate(cfg)
    except OmegaConfBaseException as exc:
        assert isinstance(composition_error(exc), ConfigError)
        return "rejected"
    try:
        gate(cfg)
    except ConfigError as exc:
        assert exc.problems and all(k and m for k, m in exc.problems), exc.problems
        return "rejected"
    return "ok"


def _set(key: str, value: Any) -> Any:
    return lambda cfg: OmegaConf.update(cfg, key, value, merge=False, force_add=True)


def test_every_numeric_leaf_times_every_bad_value() -> None:
    """Each numeric leaf x {-1, 0, 1e308, nan, "abc", 10**30}: valid or a ConfigError naming that key."""
    keys = _numeric_keys()
    assert len(keys) > 100
    cfg = copy.deepcopy(_base())
    n = 0
    for key in keys:
        original = OmegaConf.select(cfg, key)
        for value in BAD_VALUES:
            n += 1
            try:
                OmegaConf.update(cfg, key, value, merge=False)
            except OmegaConfBaseException:
                continue  # the type refuses it (e.g. "abc" for a float): a Hydra override fails the same way
            try:
                gate(cfg)
            except ConfigError as exc:
                named = [k for k, _ in exc.problems]
                # the key itself, or the rule over its group (e.g. shares that must sum to 1)
                assert any(key == k or key.startswith(k + ".") or k.startswith(key) for k in named) or value in (
                    -1,
                    0,
                ), (key, value, exc.problems)
            else:
                bad = value == "abc" or value in (1e308, 10**30) or (isinstance(value, float) and math.isnan(value))
                assert not bad, f"{key}={value!r} passed the gate"
            finally:
                OmegaConf.update(cfg, key, original, merge=False)
    assert n >= 600
    gate(cfg)  # restored


_JUNK = st.one_of(
    st.sampled_from(BAD_VALUES),
    st.none(),
    st.booleans(),
    st.text(max_size=5),
    st.lists(st.integers(-3, 3), max_size=3),
    st.dictionaries(st.sampled_from(["a", "b"]), st.integers(0, 2), max_size=2),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(2**70), max_value=2**70),
)


def _mutation() -> st.SearchStrategy[Any]:
    leaf_keys = [k for k, _ in _all_leaves()]
    wrong_type = st.tuples(st.sampled_from(leaf_keys), _JUNK).map(lambda kv: _set(*kv))
    deleted = st.sampled_from(leaf_keys + _dict_keys()).map(lambda k: _delete(k))
    unknown = st.tuples(st.sampled_from(_dict_keys()), st.sampled_from(["nope", "sise", "x1"]), _JUNK).map(
        lambda t: _set(f"{t[0]}.{t[1]}", t[2])
    )
    step_keys = [k.rsplit(".", 1)[0] for k in leaf_keys if k.endswith(".on_resolved")]
    graph = st.tuples(
        st.sampled_from(step_keys),
        st.sampled_from(["on_resolved", "on_unresolved", "on_abandoned"]),
        st.sampled_from(["nowhere", "done", "give_up", "retry", "", "DONE"]),
    ).map(lambda t: _set(f"{t[0]}.{t[1]}", t[2]))
    tp_lists = [k for k in leaf_keys if k.endswith(".touchpoints")]
    touchpoints = st.tuples(st.sampled_from(tp_lists), st.lists(st.sampled_from(["app", "kiosk", ""]))).map(
        lambda t: _set(*t)
    )
    return st.one_of(wrong_type, deleted, unknown, graph, touchpoints)


def _delete(key: str) -> Any:
    def mutate(cfg: DictConfig) -> None:
        parent, _, leaf = key.rpartition(".")
        node = OmegaConf.select(cfg, parent) if parent else cfg
        if isinstance(node, DictConfig) and leaf in node:  # an earlier mutation may have removed it
            del node[leaf]

    return mutate


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_structural_damage_is_valid_or_a_config_error(data: st.DataObject) -> None:
    """Wrong types, deleted keys, unknown keys, broken journey graphs, in combinations of 1-3."""
    mutations = data.draw(st.lists(_mutation(), min_size=1, max_size=3))

    def apply(cfg: DictConfig) -> None:
        for m in mutations:
            m(cfg)

    assert _outcome(apply) in ("ok", "rejected")


def _override() -> st.SearchStrategy[str]:
    numeric = st.tuples(
        st.sampled_from(_numeric_keys()),
        st.sampled_from(
            [
                "-1",
                "0",
                "1e308",
                "nan",
                "abc",
                str(10**30),
                "inf",
                "${nope}",
                "${oc.env:CXSIM_UNSET_X}",
                "[1,2]",
                "{a:1}",
                "null",
                "''",
                "true",
            ]
        ),
    ).map(lambda kv: f"{kv[0]}={kv[1]}")
    structure = st.sampled_from(
        [
            "~economics", "~behaviour", "~wom", "~simulation.days", "~population.segments.mass",
            "population.segments={}", "journey.touchpoints={}", "journey.journeys={}", "+population.sise=5",
            "+journey.touchpoints.kiosk={channel:digital,staffed:false,servers:0}",
            "+journey.touchpoints.kiosk={staffed:false}", "journey.name=", "journey.title=${journey.name}",
            "journey.name=${journey.title}", "compare.candidates=[nope]", "wom=nope", "population.size=[",
            "economics.currency=''", "scenario.title=", "journey.journeys.support.steps.resolve.on_resolved=nowhere",
        ]
    )  # fmt: skip
    return st.one_of(numeric, structure)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_override(), min_size=1, max_size=3))
def test_hydra_overrides_are_valid_or_a_config_error(overrides: list[str]) -> None:
    """Composed through Hydra, as the CLI does: a valid config or one ConfigError."""
    try:
        compose_config(overrides, validate_it=True)
    except ConfigError as exc:
        assert exc.problems


_SOME_KEYS = st.sampled_from(
    ["population.size", "journey.name", "scenario.title", "wom", "+x", "~journey", "journey.touchpoints.app",
     "hydra.run.dir", "compare.candidates", "population.segments.mass", "+journey.touchpoints.k"]
)  # fmt: skip


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=12), st.tuples(_SOME_KEYS, st.text(max_size=8)).map(lambda t: f"{t[0]}={t[1]}")))
def test_arbitrary_text_as_an_override_is_valid_or_a_config_error(override: str) -> None:
    """Any string on the command line (non-ASCII, quotes, brackets, nothing): a config or a ConfigError."""
    try:
        compose_config([override], validate_it=True)
    except ConfigError as exc:
        assert exc.problems


VALID_SCENARIO = """\
# @package _global_
scenario:
  name: mine
  title: "Mine"
  capex: 1000
journey:
  touchpoints:
    app:
      p_resolve: 0.9
"""

_YAML_DAMAGE = st.sampled_from(
    [
        lambda t: t.replace("capex: 1000", "capex: [1000"),  # unclosed bracket
        lambda t: t.replace("  title", "\ttitle"),  # a tab
        lambda t: t + "scenario:\n  name: again\n",  # duplicate key
        lambda t: t.replace("1000", "!!python/object/apply:os.system [ls]"),  # unsafe tag
        lambda t: t.replace('"Mine"', '"Mine'),  # unclosed quote
        lambda t: t.replace("p_resolve: 0.9", "p_resolve: {"),
        lambda t: t + "  - a list item where a mapping was\n",
        lambda t: t.replace("name: mine", "name: [mine]"),
        lambda t: t.replace("p_resolve: 0.9", "p_resolve: nine"),
        lambda t: "\x00" + t,
        lambda t: t.replace("capex: 1000", "capex: ${nope}"),
        lambda t: t,
    ]
)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(damage=st.lists(_YAML_DAMAGE, min_size=1, max_size=2), cut=st.integers(0, len(VALID_SCENARIO)))
def test_broken_yaml_in_a_user_folder_is_a_config_error(tmp_path: Path, damage: list[Any], cut: int) -> None:
    """A user's scenario file with syntax errors: FILE:LINE and yaml's message, never a raw traceback."""
    text = VALID_SCENARIO
    for d in damage:
        text = d(text)
    if cut % 3 == 0:
        text = text[: cut or None]  # a truncated file
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    (folder / "scenario").mkdir()
    f = folder / "scenario" / "my_design.yaml"
    f.write_text(text, encoding="utf-8")
    try:
        compose_config([searchpath_override([folder]), "scenario=my_design"], validate_it=True)
    except ConfigError as exc:
        if any(str(f) in k for k, _ in exc.problems):
            assert any(
                k.startswith(f"{f}") and ("YAML syntax error" in m or "cannot read" in m) for k, m in exc.problems
            ), (text, exc.problems)


def _corpus() -> list[list[str]]:
    cases = []
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            cases.append(line.split(" && "))
    return cases


@pytest.mark.parametrize("overrides", _corpus(), ids=lambda o: " ".join(o)[:60])
def test_corpus_of_former_failures_is_a_config_error(overrides: list[str]) -> None:
    """Inputs that tracebacked or passed validate before the gate: now each is one ConfigError."""
    with pytest.raises(ConfigError):
        cfg = compose_config(overrides, validate_it=True)
        if len(cfg.compare.candidates):  # as `cxsim validate` does: the designs a comparison would run
            design_configs(overrides)


CLI_SAMPLE = [
    ["population.size=${nope}"],
    ["economics.marketing_cost_per_day=1e308"],
    ["compare.candidates=[nope]"],
    ["journey.name=${journey.title}", "journey.title=${journey.name}"],
    ["+journey.touchpoints.kiosk={staffed:false}"],
    ["+journey.touchpoints.kiosk={channel:digital,staffed:false,servers:0}"],
]


def test_cli_sample_exits_2_with_one_message() -> None:
    """A sample through the real ``cxsim validate``: exit 2 (or 0), no traceback, "cxsim: " first."""
    env = {**os.environ, "CXSIM_UNSET_X": ""}
    env.pop("CXSIM_UNSET_X")
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "cxsim.cli", "validate", *o], cwd=REPO, env=env, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        for o in CLI_SAMPLE
    ]  # fmt: skip
    for o, p in zip(CLI_SAMPLE, procs, strict=True):
        out, err = p.communicate(timeout=300)
        assert "Traceback" not in out + err, (o, err)
        if o == CLI_SAMPLE[-1]:
            assert p.returncode == 0 and "config OK" in out, (o, err)
            continue
        assert p.returncode == 2, (o, p.returncode, err)
        assert err.startswith("cxsim: "), (o, err)
        assert len(err.strip().splitlines()) == 1, (o, err)
