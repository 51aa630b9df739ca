"""The study's small self-contained HTML report (figures embedded), rendered with Jinja2."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined

from cxsim.output import atomic_write_text

__all__ = ["Section", "Table", "write_report"]

_ENV = Environment(loader=PackageLoader("cxsim.study", "templates"), autoescape=True, undefined=StrictUndefined)


@dataclass
class Table:
    columns: list[str]
    rows: list[list[str]]


@dataclass
class Section:
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figure: Path | None = None


def write_report(path: Path, title: str, subtitle: str, sections: list[Section], method: list[str]) -> Path:
    """Write ``report.html`` with each section's paragraphs, tables and figure."""
    rendered = [
        {
            "heading": s.heading,
            "paragraphs": s.paragraphs,
            "tables": s.tables,
            "figure": base64.b64encode(s.figure.read_bytes()).decode("ascii") if s.figure else "",
        }
        for s in sections
    ]
    html = _ENV.get_template("study.html.j2").render(title=title, subtitle=subtitle, sections=rendered, method=method)
    atomic_write_text(path, html)
    return path
