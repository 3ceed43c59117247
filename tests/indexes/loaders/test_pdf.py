"""PDF files: pages become spans; broken, locked and image-only PDFs are refused clearly."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from fpdf import FPDF
from fpdf.fonts import FontFace

from indexes.sentences import split_sentences
from tests.indexes.loaders.sample_files import handbook_pdf, load, refused, write


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


def table_pdf(
    rows: list[list[str]], *, bold_header: bool = True, before: str, after: str, **layout: Any
) -> bytes:
    """A one-page PDF with a table between two lines of text: ruled (every cell bordered)
    unless ``layout`` says otherwise (``borders_layout="NONE"``: columns parted by space)."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    pdf.multi_cell(0, 6, before, new_x="LMARGIN", new_y="NEXT")
    style = "B" if bold_header else ""
    with pdf.table(
        headings_style=FontFace(emphasis=style), first_row_as_headings=True, **layout
    ) as table:
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


def aligned_pdf(rows: list[list[str]], *, before: str, after: str, **layout: Any) -> bytes:
    """A one-page PDF with a table drawn without lines (columns parted by space only)."""
    unruled: dict[str, Any] = {"borders_layout": "NONE", "padding": 2, "v_align": "TOP"}
    return table_pdf(rows, before=before, after=after, **unruled, **layout)


def test_a_pdf_table_drawn_without_lines_reads_each_row_with_its_column_names(
    tmp_path: Path,
) -> None:
    data = aligned_pdf(LEAVE, before="Leave accrues each pay period.", after="Ask HR.")
    doc = load(write(tmp_path, "leave.pdf", data))
    assert split_sentences(doc.text) == [
        "Leave accrues each pay period.",
        "Length of service: Under 3 years; Annual leave: 13 days; Carry-over: 30 days",
        "Length of service: 3 to 15 years; Annual leave: 20 days; Carry-over: 30 days",
        "Length of service: Over 15 years; Annual leave: 26 days; Carry-over: 45 days",
        "Ask HR.",
    ]


def test_a_wrapped_cell_of_a_table_without_lines_stays_in_its_row(tmp_path: Path) -> None:
    rows = [
        ["Priority", "First response", "Who is paged"],
        ["P1", "15 minutes", "The on-call engineer and the duty manager for the affected region"],
        ["P2", "1 hour", "The on-call engineer"],
        ["P3", "1 business day", "Nobody; the queue owner picks it up"],
    ]
    data = aligned_pdf(
        rows,
        before="Response targets by priority.",
        after="Escalate when a target is missed.",
        col_widths=(20, 30, 60),
        text_align=("LEFT", "RIGHT", "LEFT"),  # figures set flush right, as they often are
    )
    doc = load(write(tmp_path, "targets.pdf", data))
    sentences = split_sentences(doc.text)
    assert (
        "Priority: P1; First response: 15 minutes; Who is paged: The on-call engineer and the"
        " duty manager for the affected region" in sentences
    )
    assert (
        "Priority: P3; First response: 1 business day; Who is paged: Nobody; the queue owner"
        " picks it up" in sentences
    )
    assert sentences[-1] == "Escalate when a target is missed."


def test_prose_set_in_two_columns_is_not_read_as_a_table(tmp_path: Path) -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    policy = (
        "Book flights through the travel desk at least two weeks ahead. Hotels must stay "
        "under the local rate. Receipts are needed for any single expense over 75 dollars. "
    )
    with pdf.text_columns(ncols=2, text_align="J") as columns:
        columns.write(policy * 30)  # the first column full, the second half full
    doc = load(write(tmp_path, "travel.pdf", bytes(pdf.output())))
    assert "|" not in doc.text
    assert "Hotels must stay under the local rate." in split_sentences(doc.text)


def test_a_bulleted_list_is_not_read_as_a_table(tmp_path: Path) -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    pdf.cell(text="Before you travel:", new_x="LMARGIN", new_y="NEXT")
    for item in ("Book through the travel desk.", "Get approval.", "Pack your badge."):
        pdf.cell(10, 6, "-")
        pdf.cell(text=item, new_x="LMARGIN", new_y="NEXT")
    doc = load(write(tmp_path, "list.pdf", bytes(pdf.output())))
    assert "|" not in doc.text
    assert "Get approval." in doc.text


@pytest.mark.parametrize("ruled", [True, False], ids=["ruled", "without-lines"])
@pytest.mark.parametrize("repeated", [False, True], ids=["header-once", "header-each-page"])
def test_a_table_cut_by_a_page_break_reads_its_rows_on_the_next_page_with_its_header(
    tmp_path: Path, ruled: bool, repeated: bool
) -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    pdf.multi_cell(0, 6, "Parts and their lead times.", new_x="LMARGIN", new_y="NEXT")
    rows = [["Part", "Lead time", "Supplier"]] + [
        [f"Part {n}", f"{n % 7 + 1} weeks", "Ardent Metals"] for n in range(1, 41)
    ]
    layout = {} if ruled else {"borders_layout": "NONE", "padding": 1.5}
    with pdf.table(repeat_headings=int(repeated), **layout) as table:  # 40 rows: two pages
        for values in rows:
            row = table.row()
            for value in values:
                row.cell(value)
    doc = load(write(tmp_path, "parts.pdf", bytes(pdf.output())))
    assert [span.page for span in doc.spans] == [1, 2]
    second = doc.text[doc.spans[1].start : doc.spans[1].end]
    assert second.startswith("| Part | Lead time | Supplier |\n|---|---|---|\n")
    assert second.count("| Part | Lead time | Supplier |") == 1
    assert "Part: Part 40; Lead time: 6 weeks; Supplier: Ardent Metals" in split_sentences(second)


def test_pdf_headings_are_read_from_their_fonts_and_running_lines_dropped(
    tmp_path: Path,
) -> None:
    doc = load(write(tmp_path, "handbook.pdf", handbook_pdf()))
    lines = doc.text.splitlines()
    assert doc.title == "Staff Handbook"
    assert [line for line in lines if line.startswith("#")] == [
        "# Staff Handbook",
        "## 1. Leave",
        "### 1.1 Annual leave",
        "## 2. Travel",
        "### 2.1 Booking",
        "## 3. Pay",
        "### 3.1 Dates",
    ]
    assert "WARNING" in lines  # a bold line of body size, not numbered: text
    assert not any("Revision 4" in line or "of 3" in line for line in lines)
    assert [span.page for span in doc.spans] == [1, 2, 3]


def test_a_line_on_only_two_pages_is_not_a_running_line(tmp_path: Path) -> None:
    pdf = pdf_bytes([["Memo", "Sales grew."], ["Memo", "Costs fell."]])
    doc = load(write(tmp_path, "memo.pdf", pdf))
    assert doc.text.splitlines().count("Memo") == 2


def test_a_heading_on_two_lines_is_one_and_a_passage_set_large_is_none(tmp_path: Path) -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", "B", 16)
    pdf.cell(text="Leave, holidays and the rules for", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(text="carrying leave over", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=10)
    pdf.multi_cell(0, 5, "Staff earn leave every pay period. " * 12, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=13)  # a lead paragraph, set larger than the body
    pdf.multi_cell(
        0,
        6,
        "Our people make this place what it is, and rest matters. " * 4,
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font("helvetica", size=10)
    pdf.multi_cell(0, 5, "Ask your manager before you book. " * 12, new_x="LMARGIN", new_y="NEXT")
    doc = load(write(tmp_path, "leave.pdf", bytes(pdf.output())))
    headings = [line for line in doc.text.splitlines() if line.startswith("#")]
    assert headings == ["# Leave, holidays and the rules for carrying leave over"]
    assert "Our people make this place what it is" in doc.text


def test_a_word_a_hyphen_broke_across_two_lines_is_whole_again(tmp_path: Path) -> None:
    lines = [
        "Submit each reimbursement claim in Concur.",
        "Claims for travel reim-",
        "bursement are due within 5 days. Use the self-",
        "service kiosk in the lobby.",
    ]
    doc = load(write(tmp_path, "claims.pdf", pdf_bytes([lines])))
    sentences = split_sentences(doc.text)
    assert "Claims for travel reimbursement are due within 5 days." in sentences
    # Nowhere written whole: a compound broken at its own hyphen keeps it.
    assert "Use the self-service kiosk in the lobby." in sentences


def test_a_table_row_that_ends_every_page_is_not_a_running_line(tmp_path: Path) -> None:
    rows = [["Day", "Hours"], ["Monday", "8"], ["Tuesday", "8"], ["Total", "16"]]
    pdf = FPDF()
    for week in (1, 2, 3):
        pdf.add_page()
        pdf.set_font("helvetica", size=11)
        pdf.multi_cell(0, 6, f"Timesheet, week {week}.", new_x="LMARGIN", new_y="NEXT")
        with pdf.table(headings_style=FontFace(emphasis="B")) as table:
            for values in rows:
                row = table.row()
                for value in values:
                    row.cell(value)
    doc = load(write(tmp_path, "weeks.pdf", bytes(pdf.output())))
    assert doc.text.count("| Total | 16 |") == 3


def test_a_table_drawn_without_lines_whose_header_leaves_its_first_cell_empty(
    tmp_path: Path,
) -> None:
    plans = [
        ["", "Basic plan", "Family plan"],
        ["Monthly premium", "$120", "$310"],
        ["Deductible", "$1,500", "$3,000"],
        ["Dental", "No", "Yes"],
    ]
    doc = load(write(tmp_path, "plans.pdf", aligned_pdf(plans, before="Plans.", after="End.")))
    assert "Basic plan: $1,500; Family plan: $3,000" in " ".join(split_sentences(doc.text))
    assert "|  | Basic plan | Family plan |" in doc.text.splitlines()
