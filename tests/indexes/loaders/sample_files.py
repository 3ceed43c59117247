"""Write sample files and load them the way ingestion does, for the loader tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from fpdf import FPDF

from indexes.loaders.dispatch import load_file
from indexes.loaders.document import LoadedDocument, LoadError

MAX_BYTES = 1_000_000


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def load(path: Path, max_bytes: int = MAX_BYTES) -> LoadedDocument:
    return load_file(path, max_bytes=max_bytes)


def refused(path: Path, max_bytes: int = MAX_BYTES) -> LoadError:
    """The LoadError for ``path``, checked to name the file so the user knows which one."""
    with pytest.raises(LoadError) as caught:
        load_file(path, max_bytes=max_bytes)
    assert str(path) in caught.value.message
    return caught.value


class Handbook(FPDF):
    """A PDF with a running header and a numbered footer on every page."""

    def header(self) -> None:
        self.set_font("helvetica", size=8)
        self.cell(text="Staff Handbook - Revision 4", new_x="LMARGIN", new_y="NEXT")

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("helvetica", size=8)
        self.cell(text=f"Page {self.page_no()} of 3")


# (section, subsection, what the subsection says): one page each.
HANDBOOK_PAGES = (
    ("1. Leave", "1.1 Annual leave", "Full-time staff earn 20 days of annual leave a year."),
    ("2. Travel", "2.1 Booking", "Book flights through the travel desk 14 days before you fly."),
    ("3. Pay", "3.1 Dates", "Salaries are paid on the last working day of each month."),
)


def handbook_pdf() -> bytes:
    """A three-page handbook: a title, a numbered section and subsection a page, running
    lines, and a bold "WARNING" of body size that is no heading."""
    pdf = Handbook()
    body = "Ask your manager if anything here is unclear for your situation. " * 3
    for page, (section, subsection, rule) in enumerate(HANDBOOK_PAGES):
        pdf.add_page()
        if page == 0:
            pdf.set_font("helvetica", "B", 20)
            pdf.cell(text="Staff Handbook", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("helvetica", "B", 15)
        pdf.cell(text=section, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("helvetica", size=11)
        pdf.multi_cell(0, 6, body, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("helvetica", "B", 11)
        pdf.cell(text=subsection, new_x="LMARGIN", new_y="NEXT")
        pdf.cell(text="WARNING", new_x="LMARGIN", new_y="NEXT")  # bold, but no heading
        pdf.set_font("helvetica", size=11)
        pdf.multi_cell(0, 6, f"{rule} " + body, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
