"""The run report: one self-contained HTML file that renders offline."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from apmlab.report.html import Section, page


def write_report(path: Path, title: str, subtitle: str, sections: Sequence[Section]) -> Path:
    path.write_text(page(title, subtitle, sections), encoding="utf-8")
    return path


__all__ = ["Section", "write_report"]
