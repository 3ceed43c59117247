"""Loading each supported format into text + structure, and refusing bad files clearly."""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import docx
import pytest
from fpdf import FPDF

from indexes.loaders import LoadedDocument, LoadError, load_file, markdown_headings
from ragtune.errors import InputError

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


def docx_bytes(build: Callable[[docx.document.Document], None]) -> bytes:
    document = docx.Document()
    build(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- Markdown and plain text ------------------------------------------------------------


def test_markdown_text_is_kept_verbatim_and_titled_by_its_first_h1(tmp_path: Path) -> None:
    source = "Intro line.\n\n# Expense Policy\n\n## Meals\n\nUp to $60 a day.\n\n# Appendix\n"
    doc = load(write(tmp_path, "policy.md", source))
    assert doc.text == source
    assert doc.title == "Expense Policy"
    assert (doc.format, doc.structure) == ("markdown", "markdown")


def test_markdown_title_prefers_front_matter_over_h1(tmp_path: Path) -> None:
    source = "---\ntitle: Travel &amp; Expenses\nowner: finance\n---\n# Heading One\n\nBody.\n"
    doc = load(write(tmp_path, "travel.md", source))
    assert doc.title == "Travel & Expenses"
    assert doc.text == source


def test_folded_multi_line_front_matter_title_is_joined(tmp_path: Path) -> None:
    source = "---\ntitle: >-\n  Remote Work\n  and Hybrid\n  Policy\n---\n## Scope\n\nEveryone.\n"
    assert load(write(tmp_path, "remote.md", source)).title == "Remote Work and Hybrid Policy"


def test_title_ignores_comment_lines_in_front_matter_and_code(tmp_path: Path) -> None:
    source = (
        "---\n# reviewed yearly\nowner: it\n---\n"
        "Install it:\n\n```bash\n# install the agent\napt install agent\n```\n\n"
        "# Agent Setup\n\nDone.\n"
    )
    assert load(write(tmp_path, "setup.md", source)).title == "Agent Setup"


def test_h1_title_is_shown_without_markdown_markup(tmp_path: Path) -> None:
    source = "# [Tessel](https://tessel.example) _Admin_ **Guide** {#top}\n\nText.\n"
    assert load(write(tmp_path, "guide.md", source)).title == "Tessel Admin Guide"


def test_hash_inside_a_heading_name_is_kept_but_closing_hashes_are_not(tmp_path: Path) -> None:
    assert load(write(tmp_path, "a.md", "# Using C#\n\nText.\n")).title == "Using C#"
    assert load(write(tmp_path, "b.md", "# Release Notes ##\n\nText.\n")).title == "Release Notes"


def test_markdown_without_title_or_h1_is_titled_by_file_name(tmp_path: Path) -> None:
    doc = load(write(tmp_path, "meeting-notes.md", "## Attendees\n\nAna, Raj.\n"))
    assert doc.title == "meeting-notes"


def test_leading_thematic_break_is_not_mistaken_for_front_matter(tmp_path: Path) -> None:
    source = "---\n\nThe quick summary.\n\n---\n\nMore text.\n"
    doc = load(write(tmp_path, "notes.md", source))
    assert doc.text == source
    assert doc.title == "notes"


def test_plain_text_is_kept_verbatim_and_titled_by_file_name(tmp_path: Path) -> None:
    source = "FIRMWARE ROLLOUT\n\nStage 1: canary.\nStage 2: everyone.\n"
    doc = load(write(tmp_path, "firmware-rollout.txt", source))
    assert doc.text == source
    assert (doc.title, doc.format, doc.structure, doc.spans) == (
        "firmware-rollout",
        "text",
        "plain",
        [],
    )


def test_utf8_byte_order_mark_is_dropped(tmp_path: Path) -> None:
    doc = load(write(tmp_path, "bom.md", b"\xef\xbb\xbf# Caf\xc3\xa9 Menu\n\nCr\xc3\xa8me.\n"))
    assert doc.text == "# Café Menu\n\nCrème.\n"
    assert doc.title == "Café Menu"


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_with_byte_order_mark_is_accepted(tmp_path: Path, encoding: str) -> None:
    bom = b"\xff\xfe" if encoding == "utf-16-le" else b"\xfe\xff"
    data = bom + "# Müller GmbH\n\nZürich office.\n".encode(encoding)
    doc = load(write(tmp_path, "utf16.md", data))
    assert doc.text == "# Müller GmbH\n\nZürich office.\n"
    assert doc.title == "Müller GmbH"


# --- PDF -------------------------------------------------------------------------------


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


# --- HTML --------------------------------------------------------------------------------


def test_html_becomes_markdown_with_headings_lists_and_tables(tmp_path: Path) -> None:
    page = """<!DOCTYPE html><html><head><title>Tessel Guide</title>
    <style>body { color: red; }</style><script>alert("x")</script></head>
    <body><nav><a href="#a">Skip me</a></nav>
    <h1>Tessel Admin Guide</h1>
    <p>Applies to   <strong>Tessel 3.8</strong>.<br>Published 2024.</p>
    <h2>Roles</h2>
    <ul><li>Fleet Admin</li><li>Viewer</li></ul>
    <table><tr><th>Role</th><th>Can do</th></tr><tr><td>Viewer</td><td>Read only</td></tr></table>
    <!-- an HTML comment -->
    </body></html>"""
    doc = load(write(tmp_path, "guide.html", page))
    assert doc.title == "Tessel Guide"
    assert (doc.format, doc.structure) == ("html", "markdown")
    assert doc.text == (
        "# Tessel Admin Guide\n"
        "Applies to Tessel 3.8. Published 2024.\n\n"
        "## Roles\n"
        "- Fleet Admin\n"
        "- Viewer\n"
        "Role | Can do\n"
        "Viewer | Read only\n"
    )


def test_html_text_outside_paragraphs_is_not_lost(tmp_path: Path) -> None:
    page = "<body><h1>Notice</h1><div class='note'>Gate B closes at <b>18:00</b>.</div></body>"
    doc = load(write(tmp_path, "notice.html", page))
    assert doc.text == "# Notice\nGate B closes at 18:00.\n"


def test_html_code_and_hash_lines_do_not_become_headings(tmp_path: Path) -> None:
    page = (
        "<h1>Install</h1><pre>apt update\n# comment in code\napt install agent</pre>"
        "<p>\n# of robots per pad: 4</p>"
    )
    doc = load(write(tmp_path, "install.html", page))
    assert "```\napt update\n# comment in code\napt install agent\n```" in doc.text
    assert "\\# of robots per pad: 4" in doc.text
    assert [name for _, _, name in markdown_headings(doc.text)] == ["Install"]


def test_html_without_title_tag_is_titled_by_its_h1(tmp_path: Path) -> None:
    doc = load(write(tmp_path, "page.htm", "<h1>Zones</h1><p>Draw zones on the map.</p>"))
    assert doc.title == "Zones"


# --- DOCX --------------------------------------------------------------------------------


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
        "Slope | Limit\n"
        "Ramp | 2%\n\n"
        "### Joints\n"
        "- Fill cracks wider than 5 mm.\n\n"
        "## Wi-Fi\n"
        "Survey every aisle.\n"
    )


def test_docx_without_heading_is_titled_by_its_properties(tmp_path: Path) -> None:
    def build(d: docx.document.Document) -> None:
        d.core_properties.title = "Loading Dock Rules"
        d.add_paragraph("Chock every trailer.")

    doc = load(write(tmp_path, "dock.docx", docx_bytes(build)))
    assert doc.title == "Loading Dock Rules"
    assert doc.text == "Chock every trailer.\n"


# --- Records: CSV, JSON, JSONL --------------------------------------------------------------


def test_csv_rows_become_labelled_records(tmp_path: Path) -> None:
    source = "model,payload_kg,notes\nStacker S4,1000,\nStacker S6,1500,cold store ok\n"
    doc = load(write(tmp_path, "specs.csv", source))
    assert (doc.title, doc.format, doc.structure) == ("specs", "csv", "records")
    assert [span.label for span in doc.spans] == ["Row 2: Stacker S4", "Row 3: Stacker S6"]
    records = [doc.text[s.start : s.end] for s in doc.spans]
    # Empty cells are left out rather than rendered as "notes: ".
    assert records == [
        "model: Stacker S4\npayload_kg: 1000",
        "model: Stacker S6\npayload_kg: 1500\nnotes: cold store ok",
    ]


def test_csv_delimiter_and_quotes_are_detected(tmp_path: Path) -> None:
    source = 'name;city\n"Quillmark; Inc.";Dayton\nAcme;Ohio\n'
    doc = load(write(tmp_path, "partners.csv", source))
    assert doc.text[doc.spans[0].start : doc.spans[0].end] == "name: Quillmark; Inc.\ncity: Dayton"
    assert len(doc.spans) == 2


def test_jsonl_records_are_labelled_by_line_and_flattened(tmp_path: Path) -> None:
    source = (
        '{"question": "How fast is the S6?", "answer": "2 m/s", "tags": ["s6", "speed"]}\n'
        "\n"
        '{"id": 7, "meta": {"owner": "support", "reviewed": true}}\n'
    )
    doc = load(write(tmp_path, "faq.jsonl", source))
    assert (doc.format, doc.structure) == ("jsonl", "records")
    assert [span.label for span in doc.spans] == ["Line 1: How fast is the S6?", "Line 3: 7"]
    assert [doc.text[s.start : s.end] for s in doc.spans] == [
        "question: How fast is the S6?\nanswer: 2 m/s\ntags: s6, speed",
        "id: 7\nmeta.owner: support\nmeta.reviewed: True",
    ]


def test_jsonl_string_with_unicode_line_separator_is_one_record(tmp_path: Path) -> None:
    source = '{"q": "first\u2028second"}\n{"q": "third"}\n'
    doc = load(write(tmp_path, "sep.jsonl", source))
    assert [doc.text[s.start : s.end] for s in doc.spans] == ["q: first\u2028second", "q: third"]


def test_json_list_under_one_key_becomes_records(tmp_path: Path) -> None:
    source = '{"items": [{"name": "QL-3", "watts": 900}, {"name": "QL-3C", "watts": 950}]}'
    doc = load(write(tmp_path, "pads.json", source))
    assert (doc.format, doc.structure) == ("json", "records")
    assert [span.label for span in doc.spans] == ["Record 1: QL-3", "Record 2: QL-3C"]
    assert doc.text == "name: QL-3\nwatts: 900\n\nname: QL-3C\nwatts: 950"


# --- Bad input: every refusal names the file and says what is wrong -----------------------


def test_load_errors_are_input_errors_for_the_cli_and_service() -> None:
    assert issubclass(LoadError, InputError)


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


def test_latin1_text_is_refused_with_the_bad_byte_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "menu.txt", "Menu\nCafé au lait\n".encode("latin-1"))
    error = refused(path)
    assert "not valid UTF-8 (byte 0xe9 at offset 8, line 2)" in error.message
    assert "iconv" in error.hint


def test_binary_bytes_in_a_text_file_are_refused(tmp_path: Path) -> None:
    error = refused(write(tmp_path, "image.txt", b"GIF89a\x00\x01\x00\x00"))
    assert "binary file (NUL bytes)" in error.message


def test_nul_byte_deep_in_a_text_file_is_refused(tmp_path: Path) -> None:
    # PostgreSQL text cannot hold NUL, so a late one must be caught here, not at insert time.
    error = refused(write(tmp_path, "log.md", b"# Log\n" + b"ok\n" * 5000 + b"\x00"))
    assert "NUL bytes" in error.message


def test_empty_file_is_refused(tmp_path: Path) -> None:
    assert "empty file" in refused(write(tmp_path, "empty.md", b"")).message


def test_whitespace_only_file_is_refused(tmp_path: Path) -> None:
    assert "no extractable text" in refused(write(tmp_path, "blank.txt", "  \n\n\t\n")).message


@pytest.mark.parametrize("ending", ["\n", "", "\n\n  \n"])
def test_markdown_with_only_front_matter_is_refused(tmp_path: Path, ending: str) -> None:
    path = write(tmp_path, "stub.md", "---\ntitle: Coming soon\n---" + ending)
    assert "only front matter, no body text" in refused(path).message


def test_oversize_file_is_refused_with_readable_sizes(tmp_path: Path) -> None:
    error = refused(write(tmp_path, "big.md", "# Big\n" + "x" * 494), max_bytes=100)
    assert "too large (500 bytes > 100 bytes)" in error.message
    assert "RAGTUNE_MAX_FILE_MB" in error.hint


def test_malformed_jsonl_line_is_refused_with_its_line_number(tmp_path: Path) -> None:
    source = '{"q": "one"}\n{"q": "two"}\n{"q": "three",}\n{"q": "four"}\n'
    error = refused(write(tmp_path, "faq.jsonl", source))
    assert "line 3 is not valid JSON" in error.message


def test_invalid_json_is_refused_with_its_position(tmp_path: Path) -> None:
    error = refused(write(tmp_path, "data.json", '{\n  "a": 1,\n  "b": \n}'))
    assert "not valid JSON" in error.message
    assert "line 4" in error.message


def test_csv_row_with_too_many_fields_is_refused(tmp_path: Path) -> None:
    source = "sku,name\nA1,Pad\nA2,Robot,extra\n"
    error = refused(write(tmp_path, "parts.csv", source))
    assert "line 3 has more fields than the header" in error.message


def test_csv_with_repeated_column_name_is_refused(tmp_path: Path) -> None:
    error = refused(write(tmp_path, "prices.csv", "sku,price,price\nA1,10,12\n"))
    assert "repeats column price" in error.message


def test_csv_with_unnamed_column_is_refused(tmp_path: Path) -> None:
    error = refused(write(tmp_path, "x.csv", "sku,,name\nA1,1,Pad\n"))
    assert "header row naming every column" in error.message


@pytest.mark.parametrize("name", ["slides.pptx", "README", "archive.tar.gz"])
def test_unsupported_extension_is_refused_with_the_supported_list(
    tmp_path: Path, name: str
) -> None:
    error = refused(write(tmp_path, name, "text"))
    assert "unsupported format" in error.message
    assert ".md" in error.hint and ".pdf" in error.hint


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


def test_missing_file_and_directory_are_refused(tmp_path: Path) -> None:
    assert "no such file" in refused(tmp_path / "gone.md").message
    (tmp_path / "folder.md").mkdir()
    assert "is a directory" in refused(tmp_path / "folder.md").message
