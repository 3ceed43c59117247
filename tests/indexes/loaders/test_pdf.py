"""PDF files: pages become spans; broken, locked and image-only PDFs are refused clearly."""

from __future__ import annotations

import time
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

from indexes.sentences import split_sentences
from tests.indexes.loaders.sample_files import load, refused, write


def pdf_bytes(pages: list[list[str]], title: str | None = None, password: str = "") -> bytes:
    """A PDF with one page per entry, each page holding the given lines."""
    pdf = FPDF()
    if title:
        pdf.set_title(title)
    for lines in pages:
        pdf.add_page()
        pdf.set_font("helvetica", size=12)
        for line in lines:
            pdf.cell(text=line, new_x="LMARGIN", new_y="NEXT")
    if password:
        pdf.set_encryption(owner_password="owner", user_password=password)
    return bytes(pdf.output())


def test_pdf_pages_become_spans_with_page_numbers(tmp_path: Path) -> None:
    data = pdf_bytes(
        [["Safety Manual", "Wear boots."], ["Emergency stop", "Press the red button."]],
        title="Stacker Safety Manual",
    )
    doc = load(write(tmp_path, "safety.pdf", data))
    assert (doc.format, doc.structure) == ("pdf", "pages")
    assert doc.title == "Stacker Safety Manual"
    assert [span.page for span in doc.spans] == [1, 2]
    first, second = (doc.text[s.start : s.end] for s in doc.spans)
    assert "Wear boots." in first and "red button" not in first
    assert "Press the red button." in second and "Wear boots" not in second


def test_pdf_without_metadata_title_is_titled_by_its_first_line(tmp_path: Path) -> None:
    doc = load(write(tmp_path, "memo.pdf", pdf_bytes([["Quarterly Memo", "Sales grew."]])))
    assert doc.title == "Quarterly Memo"


def test_blank_pdf_page_keeps_later_page_numbers_true(tmp_path: Path) -> None:
    data = pdf_bytes([["Cover page"], [], ["Third page text"]])
    doc = load(write(tmp_path, "gap.pdf", data))
    assert [span.page for span in doc.spans] == [1, 3]
    assert doc.text[doc.spans[1].start : doc.spans[1].end] == "Third page text"


def test_corrupt_pdf_is_refused_quickly(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 20)
    started = time.perf_counter()
    error = refused(path)
    assert time.perf_counter() - started < 5
    assert "not a readable PDF" in error.message


def test_truncated_pdf_is_refused(tmp_path: Path) -> None:
    data = pdf_bytes([["Page one"], ["Page two"]])
    error = refused(write(tmp_path, "half.pdf", data[: len(data) // 2]))
    assert "not a readable PDF" in error.message


def test_non_pdf_bytes_with_pdf_extension_are_refused(tmp_path: Path) -> None:
    error = refused(write(tmp_path, "scan.pdf", b"\x89PNG\r\n\x1a\n not a pdf at all"))
    assert "not a PDF file (no %PDF header)" in error.message


def test_password_protected_pdf_is_refused(tmp_path: Path) -> None:
    error = refused(write(tmp_path, "locked.pdf", pdf_bytes([["Secret"]], password="pw")))
    assert "password-protected" in error.message


def test_pdf_with_no_text_is_refused(tmp_path: Path) -> None:
    error = refused(write(tmp_path, "scanned.pdf", pdf_bytes([[], []])))
    assert "no extractable text" in error.message


def table_pdf(rows: list[list[str]], *, bold_header: bool, before: str, after: str) -> bytes:
    """A one-page PDF with a ruled table (every cell bordered) between two lines of text."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    pdf.multi_cell(0, 6, before, new_x="LMARGIN", new_y="NEXT")
    style = "B" if bold_header else ""
    with pdf.table(headings_style=FontFace(emphasis=style), first_row_as_headings=True) as table:
        for values in rows:
            row = table.row()
            for value in values:
                row.cell(value)
    pdf.multi_cell(0, 6, after, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


LEAVE = [
    ["Length of service", "Annual leave", "Carry-over"],
    ["Under 3 years", "13 days", "30 days"],
    ["3 to 15 years", "20 days", "30 days"],
    ["Over 15 years", "26 days", "45 days"],
]


def test_a_ruled_pdf_table_reads_each_row_with_its_column_names(tmp_path: Path) -> None:
    data = table_pdf(LEAVE, bold_header=True, before="Leave accrues each pay period.",
                     after="Ask HR about exceptions.")  # fmt: skip
    doc = load(write(tmp_path, "leave.pdf", data))
    assert (doc.format, doc.structure) == ("pdf", "pages")
    assert split_sentences(doc.text) == [
        "Leave accrues each pay period.",
        "Length of service: Under 3 years; Annual leave: 13 days; Carry-over: 30 days",
        "Length of service: 3 to 15 years; Annual leave: 20 days; Carry-over: 30 days",
        "Length of service: Over 15 years; Annual leave: 26 days; Carry-over: 45 days",
        "Ask HR about exceptions.",
    ]


def test_a_pdf_table_without_a_bold_first_row_keeps_its_rows_as_written(tmp_path: Path) -> None:
    data = table_pdf(LEAVE[1:], bold_header=False, before="Leave by service.", after="End.")
    doc = load(write(tmp_path, "leave.pdf", data))
    assert "| Under 3 years | 13 days | 30 days |" in doc.text.splitlines()
    assert "Under 3 years | 13 days | 30 days" in split_sentences(doc.text)
