"""Word files rendered to Markdown in document order; broken files refused clearly."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import docx
import docx.enum.style
import docx.shared
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


def set_paragraph(d: docx.document.Document, text: str, *, size: float, bold: bool) -> None:
    """A Normal paragraph whose look is set by hand, as authors often make their headings."""
    run = d.add_paragraph().add_run(text)
    run.bold = bold
    run.font.size = docx.shared.Pt(size)


def test_headings_set_by_hand_in_a_document_without_heading_styles(tmp_path: Path) -> None:
    def build(d: docx.document.Document) -> None:
        set_paragraph(d, "Staff Handbook", size=20, bold=True)
        set_paragraph(d, "2. Travel", size=14, bold=True)
        set_paragraph(d, "Book flights through the travel desk.", size=11, bold=False)
        set_paragraph(d, "2.1 Booking", size=11, bold=True)  # numbered: a heading
        set_paragraph(d, "Important", size=11, bold=True)  # bold, not numbered: text
        set_paragraph(d, "Book 14 days before you fly.", size=11, bold=False)

    doc = load(write(tmp_path, "handbook.docx", docx_bytes(build)))
    assert doc.text.splitlines() == [
        "# Staff Handbook",
        "",
        "## 2. Travel",
        "Book flights through the travel desk.",
        "",
        "### 2.1 Booking",
        "Important",
        "Book 14 days before you fly.",
    ]


def test_house_heading_styles_and_outline_levels_are_headings(tmp_path: Path) -> None:
    def build(d: docx.document.Document) -> None:
        house = d.styles.add_style("Policy Heading", docx.enum.style.WD_STYLE_TYPE.PARAGRAPH)
        house.base_style = d.styles["Heading 2"]
        d.add_heading("Leave", level=1)
        d.add_paragraph("Annual leave", style="Policy Heading")
        d.add_paragraph("Staff earn 20 days a year.")
        outlined = d.add_paragraph("Sick leave")
        level = outlined._p.get_or_add_pPr().makeelement(qn("w:outlineLvl"), {qn("w:val"): "1"})
        outlined._p.get_or_add_pPr().append(level)
        d.add_paragraph("Call your manager before 9 am.")
        set_paragraph(d, "Bold and large, in a styled document", size=18, bold=True)

    doc = load(write(tmp_path, "leave.docx", docx_bytes(build)))
    headings = [line for line in doc.text.split("\n") if line.startswith("#")]
    assert headings == ["# Leave", "## Annual leave", "## Sick leave"]
    assert "Bold and large, in a styled document" in doc.text.split("\n")
