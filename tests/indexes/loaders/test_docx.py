"""Word files rendered to Markdown in document order; broken files refused clearly."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import docx
from docx.oxml.ns import qn

from indexes.sentences import split_sentences
from tests.indexes.loaders.sample_files import load, refused, write


def docx_bytes(build: Callable[[docx.document.Document], None]) -> bytes:
    document = docx.Document()
    build(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_docx_headings_lists_and_tables_keep_document_order(tmp_path: Path) -> None:
    def build(d: docx.document.Document) -> None:
        d.add_heading("Site Survey Procedure", level=0)  # the "Title" style
        d.add_paragraph("Procedure QM-PRC-004.")
        d.add_heading("Floor", level=1)
        d.add_paragraph("Check flatness.")
        table = d.add_table(rows=2, cols=2)
        for row, values in zip(table.rows, [("Slope", "Limit"), ("Ramp", "2%")], strict=True):
            row.cells[0].text, row.cells[1].text = values
        d.add_heading("Joints", level=2)
        d.add_paragraph("Fill cracks wider than 5 mm.", style="List Bullet")
        d.add_heading("Wi-Fi", level=1)
        d.add_paragraph("Survey every aisle.")

    doc = load(write(tmp_path, "survey.docx", docx_bytes(build)))
    assert doc.title == "Site Survey Procedure"
    assert (doc.format, doc.structure) == ("docx", "markdown")
    # Title is the root, so Heading 1 sits one level below it; the table stays in "Floor".
    assert doc.text == (
        "# Site Survey Procedure\n"
        "Procedure QM-PRC-004.\n\n"
        "## Floor\n"
        "Check flatness.\n"
        "| Slope | Limit |\n"
        "|---|---|\n"
        "| Ramp | 2% |\n\n"
        "### Joints\n"
        "- Fill cracks wider than 5 mm.\n\n"
        "## Wi-Fi\n"
        "Survey every aisle.\n"
    )


def test_a_word_table_reads_each_row_with_its_column_names(tmp_path: Path) -> None:
    def build(d: docx.document.Document) -> None:
        d.add_paragraph("Leave by length of service.")
        table = d.add_table(rows=3, cols=2)
        rows = [
            ("Service", "Annual leave"),
            ("Under 3 years", "13 days"),
            ("3-15 years", "20 days"),
        ]
        for row, values in zip(table.rows, rows, strict=True):
            row.cells[0].text, row.cells[1].text = values

    doc = load(write(tmp_path, "leave.docx", docx_bytes(build)))
    assert split_sentences(doc.text)[1:] == [
        "Service: Under 3 years; Annual leave: 13 days",
        "Service: 3-15 years; Annual leave: 20 days",
    ]


def test_a_word_table_without_a_header_row_keeps_its_rows_as_written(tmp_path: Path) -> None:
    def build(d: docx.document.Document) -> None:
        table = d.add_table(rows=2, cols=2)
        for row, values in zip(
            table.rows, [("Phone", "555-0101"), ("Room", "B2 | east")], strict=True
        ):
            row.cells[0].text, row.cells[1].text = values
        look = table._tbl.tblPr.find(qn("w:tblLook"))
        look.set(qn("w:firstRow"), "0")  # "Header Row" unticked in Word's table options

    doc = load(write(tmp_path, "contacts.docx", docx_bytes(build)))
    assert doc.text == "| Phone | 555-0101 |\n| Room | B2 \\| east |\n"
    assert split_sentences(doc.text) == ["Phone | 555-0101", "Room | B2 | east"]


def test_docx_without_heading_is_titled_by_its_properties(tmp_path: Path) -> None:
    def build(d: docx.document.Document) -> None:
        d.core_properties.title = "Loading Dock Rules"
        d.add_paragraph("Chock every trailer.")

    doc = load(write(tmp_path, "dock.docx", docx_bytes(build)))
    assert doc.title == "Loading Dock Rules"
    assert doc.text == "Chock every trailer.\n"


def test_zip_garbage_named_docx_is_refused(tmp_path: Path) -> None:
    error = refused(write(tmp_path, "survey.docx", b"PK\x03\x04" + b"garbage" * 50))
    assert "not a readable DOCX file" in error.message


def test_zip_that_is_not_a_word_document_is_refused(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "hello")
    error = refused(write(tmp_path, "notes.docx", buffer.getvalue()))
    assert "not a readable DOCX file" in error.message


def test_docx_with_corrupt_xml_is_refused(tmp_path: Path) -> None:
    good = docx_bytes(lambda d: d.add_paragraph("Hello"))
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as source, zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "word/document.xml":
                data = data[: len(data) // 2]
            target.writestr(item, data)
    error = refused(write(tmp_path, "cut.docx", buffer.getvalue()))
    assert "not a readable DOCX file" in error.message
