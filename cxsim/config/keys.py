"""What every config key means: read once from the schema's field comments.

The schema (:mod:`cxsim.config.schema`) documents each field on its own line, e.g.
``size: int = 20000  # people in the market (prospects + customers), ≥ 1``. :func:`key_docs`
turns those comments into one :class:`KeyDoc` per key path (``journey.touchpoints.*.servers``
for the entries of a dict), adding the upper bound :data:`~cxsim.config.validation.LIMITS` sets.
``cxsim <command> --help`` and ``cxsim help KEY`` print them; ``tests/test_help.py`` checks that
validation refuses a value just outside every documented range, so the two cannot drift apart.
:func:`suggest` offers the closest valid names for a typo.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import inspect
import re
import typing
from dataclasses import dataclass
from enum import Enum
from typing import Any

from cxsim.config import schema
from cxsim.config.schema import CxConfig
from cxsim.config.validation import LIMITS, MAX_ABS_NUMBER

__all__ = ["GROUPS", "KeyDoc", "bounds", "find_key", "key_docs", "suggest", "suggest_key"]

# The config groups in the order help lists them.
GROUPS = (
    "population",
    "journey",
    "behaviour",
    "wom",
    "acquisition",
    "economics",
    "simulation",
    "scenario",
    "compare",
    "voc",
)

_RANGE = re.compile(
    r"(?:[\[(][^\[\]()]*?\d[^\[\]()]*?,[^\[\]()]*?[\])]|[\[(][^\[\]()]*?,[^\[\]()]*?\d[^\[\]()]*?[\])])"
    r"|(?:(?:≥|>=|>|≤|<=|<)\s?-?[\w.*]+)"
)
_UNITS = ("minutes", "days", "currency per server per opening day", "currency per new customer",
          "currency per referred customer", "currency/day", "currency", "per day", "per year")  # fmt: skip


@dataclass(frozen=True)
class KeyDoc:
    """One config key: its dotted path (``*`` for an entry of a dict), type and documentation."""

    path: str
    type: str
    meaning: str  # the schema comment without its range
    range: str  # e.g. "[0, 1]", "≥ 1"; "" when the comment names none
    unit: str  # e.g. "minutes", "currency"; "" for a pure number or a label
    schema_default: Any
    limit: int | None = None  # the upper bound of LIMITS, if any

    @property
    def range_text(self) -> str:
        """The documented range with the upper limit validation enforces."""
        limit = f"≤ {self.limit:,}" if self.limit is not None else ""
        return ", ".join(x for x in (self.range, limit) if x)

    def line(self) -> str:
        """``meaning; unit; range`` as help prints it after the key."""
        parts = [self.meaning] if self.meaning else []
        if self.unit and self.unit not in self.meaning:
            parts.append(self.unit)
        if (self.range_text and self.range not in self.meaning) or self.limit is not None:
            parts.append(f"range {self.range_text}")
        return "; ".join(parts)


def _field_comments(cls: type) -> dict[str, str]:
    """``field name -> comment`` of a dataclass, from the comment on the field's own line."""
    try:
        lines = inspect.getsource(cls).splitlines()
    except (OSError, TypeError):
        return {}
    out: dict[str, str] = {}
    for ln in lines:
        m = re.match(r"\s+(\w+):\s[^#]*?#\s?(.*)$", ln)
        if m and not ln.strip().startswith("#"):
            out[m.group(1)] = m.group(2).strip()
    return out


def _type_name(t: Any) -> str:
    if isinstance(t, type) and issubclass(t, Enum):
        return " | ".join(m.value for m in t)
    if isinstance(t, type):
        return t.__name__
    return str(t).replace("typing.", "")


def _split(comment: str) -> tuple[str, str, str]:
    """``(meaning, range, unit)`` of a schema comment."""
    ranges = [m.group(0) for m in _RANGE.finditer(comment)]
    meaning = comment
    for r in reversed(ranges):  # a range at the end of the comment is shown apart; one inside it stays
        if meaning.rstrip().endswith(r):
            meaning = meaning.rstrip()[: -len(r)].rstrip(" ,;")
    unit = next((u for u in _UNITS if re.search(rf"\b{re.escape(u)}\b", comment)), "")
    return meaning, ", ".join(r.replace(">=", "≥").replace("<=", "≤") for r in ranges), unit


def _limit(path: str) -> int | None:
    leaf = path.rsplit(".", 1)[-1]
    return LIMITS.get(path, LIMITS.get(leaf) if "*" in path else None)


def _walk(cls: type, prefix: str, out: dict[str, KeyDoc]) -> None:
    hints = typing.get_type_hints(cls)
    comments = _field_comments(cls)
    for f in dataclasses.fields(cls):
        t = hints[f.name]
        path = f"{prefix}{f.name}"
        meaning, rng, unit = _split(comments.get(f.name, ""))
        default: Any = f.default if f.default is not dataclasses.MISSING else None
        if isinstance(default, Enum):
            default = default.value
        limit = _limit(path)
        origin = typing.get_origin(t)
        if dataclasses.is_dataclass(t):
            own = inspect.getdoc(t) or ""
            generated = own.startswith(f"{getattr(t, '__name__', '')}(")  # dataclass's own signature
            doc = comments.get(f.name) or ("" if generated else own.splitlines()[0])
            out[path] = KeyDoc(path, "group", doc, "", "", None, None)
            _walk(t, f"{path}.", out)  # type: ignore[arg-type]
        elif origin is dict and dataclasses.is_dataclass(typing.get_args(t)[1]):
            element = typing.get_args(t)[1]
            out[path] = KeyDoc(path, f"dict of {element.__name__}", meaning, rng, unit, None, limit)
            _walk(element, f"{path}.*.", out)
        else:
            out[path] = KeyDoc(path, _type_name(t), meaning, rng, unit, default, limit)


@functools.cache
def key_docs() -> dict[str, KeyDoc]:
    """Every key of the schema, in schema order, with its documentation."""
    out: dict[str, KeyDoc] = {}
    _walk(CxConfig, "", out)
    return out


def find_key(path: str) -> KeyDoc | None:
    """The doc of a concrete key (``journey.touchpoints.phone.servers``) or of a pattern."""
    docs = key_docs()
    if path in docs:
        return docs[path]
    parts = path.split(".")
    for pattern, doc in docs.items():
        pp = pattern.split(".")
        if len(pp) == len(parts) and all(a == "*" or a == b for a, b in zip(pp, parts, strict=True)):
            return doc
    return None


def bounds(doc: KeyDoc) -> tuple[float | None, bool, float | None, bool]:
    """``(low, low inclusive, high, high inclusive)`` the documented range of a numeric key states.

    ``None`` where the range gives no bound (a bound naming another key, such as
    ``< population.size``, is left out). Numbers without a range are within ±1e12.
    """
    lo: float | None = None
    hi: float | None = None
    lo_in = hi_in = True
    for part in re.findall(_RANGE, doc.range):
        m = re.fullmatch(r"([\[(])\s*([-\w.*]+)\s*,\s*([-\w.*]+)\s*([\])])", part)
        if m:
            a, b = _number(m.group(2)), _number(m.group(3))
            if a is not None:
                lo, lo_in = a, m.group(1) == "["
            if b is not None:
                hi, hi_in = b, m.group(4) == "]"
            continue
        m = re.fullmatch(r"(≥|>=|>|≤|<=|<)\s?([-\w.*]+)", part)
        if m and (v := _number(m.group(2))) is not None:
            if m.group(1) in ("≥", ">=", ">"):
                lo, lo_in = v, m.group(1) != ">"
            else:
                hi, hi_in = v, m.group(1) != "<"
    if doc.limit is not None and (hi is None or doc.limit < hi):
        hi, hi_in = float(doc.limit), True
    return lo, lo_in, hi, hi_in


def _number(text: str) -> float | None:
    text = text.replace(",", "")
    if re.fullmatch(r"2\*\*(\d+)", text):
        return float(2 ** int(text[3:]))
    try:
        return float(text)
    except ValueError:
        return None


def suggest(name: str, candidates: typing.Iterable[str], n: int = 3) -> list[str]:
    """The valid names closest to ``name`` (edit distance), best first."""
    pool = list(dict.fromkeys(candidates))
    close = difflib.get_close_matches(name, pool, n=n, cutoff=0.6)
    if not close and "." in name:  # compare the last part among the keys of the same parent
        parent, leaf = name.rsplit(".", 1)
        siblings = [c for c in pool if "." in c and c.rsplit(".", 1)[0] == parent]  # a group itself has no leaf
        close = [f"{parent}.{c}" for c in difflib.get_close_matches(leaf, [s.rsplit(".", 1)[1] for s in siblings],
                                                                      n=n, cutoff=0.5)]  # fmt: skip
    if not close:
        return close
    score = [difflib.SequenceMatcher(None, name, c).ratio() for c in close]
    return [c for c, r in zip(close, score, strict=True) if r >= score[0] - 0.03]  # only the clear favourites


def suggest_key(path: str, extra: typing.Iterable[str] = ()) -> list[str]:
    """The schema keys closest to a mistyped dotted ``path`` (entry names such as a touchpoint's kept)."""
    docs = key_docs()
    parts = path.split(".")
    # the part after a dict key is the entry's name: fold it into the pattern
    folded: list[str] = []
    it = iter(range(len(parts)))
    entry_names: list[str] = []
    for i in it:
        folded.append(parts[i])
        doc = docs.get(".".join(folded))
        if doc is not None and doc.type.startswith("dict of") and i + 1 < len(parts):
            entry_names.append(parts[i + 1])
            folded.append("*")
            next(it, None)
    out = []
    for match in suggest(".".join(folded), [*docs, *extra]):
        filled = iter(entry_names)
        out.append(".".join(next(filled, "*") if p == "*" else p for p in match.split(".")))
    return out


# numbers without a documented range are still bounded (validation's magnitude rule)
NUMBER_NOTE = f"every number is finite with |x| ≤ {MAX_ABS_NUMBER:g}"
_ = schema  # the module the comments are read from
