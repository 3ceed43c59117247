"""Run reports: ``run.json``, ``junit.xml``, ``summary.md`` and a self-contained ``report.html``."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from evals.reports.html_report import render_html
from evals.reports.json_report import render_json
from evals.reports.junit_report import render_junit
from evals.reports.markdown_report import render_markdown
from evals.runs.record import RunRecord

RENDERERS = {
    "run.json": render_json,
    "junit.xml": render_junit,
    "summary.md": render_markdown,
    "report.html": render_html,
}


def _write_atomic(path: Path, text: str) -> None:
    # A CI job that reads junit.xml while a re-run writes it must see old or new, never half.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(tmp, 0o644)  # mkstemp makes it private; reports are meant to be shared
    os.replace(tmp, path)


def write_reports(run: RunRecord, out_dir: Path) -> dict[str, Path]:
    """Write every report of ``run`` into ``out_dir`` (created); return name -> path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, render in RENDERERS.items():
        path = out_dir / name
        _write_atomic(path, render(run))
        written[name] = path
    return written


__all__ = [
    "render_html",
    "render_json",
    "render_junit",
    "render_markdown",
    "write_reports",
]
