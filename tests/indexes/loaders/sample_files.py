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


def handbook_pdf() -> bytes:
    pdf = Handbook()
    body = "Staff earn leave every pay period and may carry some of it over. " * 3
    for page, (section, subsection) in enumerate(
        [("1. Leave", "1.1 Annual leave"), ("2. Travel", "2.1 Booking"), ("3. Pay", "3.1 Dates")]
    ):
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
        pdf.multi_cell(0, 6, f"What {subsection} says. " + body, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
