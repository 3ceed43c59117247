"""PDF files: pages become spans; broken, locked and image-only PDFs are refused clearly."""

from __future__ import annotations

import time
from pathlib import Path

from fpdf import FPDF

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
