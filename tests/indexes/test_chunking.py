"""Chunking follows a document's structure, stays within the token budget, keeps exact offsets."""

from __future__ import annotations

import io
import itertools
from pathlib import Path

import docx
import pytest
from fpdf import FPDF

from indexes.chunking import MAX_REGION_CHARS, SECTION_SEPARATOR, Chunk, chunk_document
from indexes.loaders.dispatch import FORMATS, load_file
from indexes.loaders.document import LoadedDocument, Span
from indexes.loaders.markdown import markdown_title
from indexes.sentences import split_sentences
from tests.indexes.loaders.sample_files import handbook_pdf

CORPUS = Path(__file__).resolve().parents[2] / "samples" / "corpus"


def words(text: str) -> int:
    """Whitespace token counter: simple, and easy to reason about in assertions."""
    return len(text.split())


def chunk(doc: LoadedDocument, budget: int = 200, overlap: int = 0) -> list[Chunk]:
    chunks = chunk_document(doc, chunk_tokens=budget, overlap_tokens=overlap, count_tokens=words)
    assert_valid(doc, chunks, budget)
    return chunks


def assert_valid(doc: LoadedDocument, chunks: list[Chunk], budget: int) -> None:
    """What every caller relies on, whatever the format."""
    assert chunks, "a document with text must give at least one chunk"
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))
    for c in chunks:
        assert c.text == doc.text[c.start_char : c.end_char]
        assert c.text == c.text.strip()
        assert words(c.text) <= budget
    starts = [c.start_char for c in chunks]
    assert starts == sorted(starts)


def markdown(text: str, name: str = "doc") -> LoadedDocument:
    return LoadedDocument(text, markdown_title(text, name), "markdown", "markdown")


def sections(chunks: list[Chunk]) -> list[str]:
    return [c.section for c in chunks]


def uncovered_words(doc: LoadedDocument, chunks: list[Chunk]) -> list[str]:
    """Words of ``doc.text`` that no chunk contains, by position."""
    covered = [False] * len(doc.text)
    for c in chunks:
        covered[c.start_char : c.end_char] = [True] * (c.end_char - c.start_char)
    missing, start = [], None
    for i, ch in enumerate(doc.text + " "):
        if not ch.isspace() and start is None:
            start = i
        elif ch.isspace() and start is not None:
            if not all(covered[start:i]):
                missing.append(doc.text[start:i])
            start = None
    return missing


# --- Markdown sections and heading paths -------------------------------------------------


def test_nested_headings_give_full_paths_and_exact_text() -> None:
    doc = markdown(
        "# Operator Manual\n\nRead first.\n\n"
        "## Charging\n\nUse a Q-Link pad.\n\n"
        "### Manual charging\n\nPush the robot onto the pad.\n\n"
        "### Automatic charging\n\nTessel sends it.\n\n"
        "## Loads\n\nEUR pallets only.\n"
    )
    chunks = chunk(doc)
    assert sections(chunks) == [
        "Operator Manual",
        "Operator Manual > Charging",
        "Operator Manual > Charging > Manual charging",
        "Operator Manual > Charging > Automatic charging",
        "Operator Manual > Loads",
    ]
    assert chunks[2].text == "### Manual charging\n\nPush the robot onto the pad."
    assert chunks[4].text == "## Loads\n\nEUR pallets only."


def test_skipped_heading_level_pops_back_to_the_right_parent() -> None:
    doc = markdown("# Guide\n\n### Deep\n\nd\n\n## Mid\n\nm\n\n# Next Part\n\nn\n")
    assert sections(chunk(doc)) == ["Guide > Deep", "Guide > Mid", "Next Part"]


def test_headings_inside_code_fences_are_not_sections() -> None:
    doc = markdown(
        "# Setup\n\n## Install\n\n```bash\n# update first\napt update\n```\n\n"
        "~~~\n## not a heading either\n~~~\n\n"
        "````md\n```\n# still code\n```\n````\n\n"
        "## Verify\n\nRun it.\n"
    )
    chunks = chunk(doc)
    assert sections(chunks) == ["Setup > Install", "Setup > Verify"]
    assert "# update first" in chunks[0].text
    assert "## not a heading either" in chunks[0].text
    assert "# still code" in chunks[0].text


def test_front_matter_title_is_the_root_when_there_is_no_h1() -> None:
    doc = markdown(
        "---\ntitle: >-\n  Travel and\n  Expense Policy\nowner: finance\n---\n"
        "Intro paragraph.\n\n## Meals\n\nUp to $60.\n\n### Alcohol\n\nNot refunded.\n"
    )
    chunks = chunk(doc)
    assert sections(chunks) == [
        "Travel and Expense Policy",
        "Travel and Expense Policy > Meals",
        "Travel and Expense Policy > Meals > Alcohol",
    ]
    assert all("owner: finance" not in c.text for c in chunks)
    assert chunks[0].text == "Intro paragraph."


def test_front_matter_root_survives_a_comment_in_code() -> None:
    doc = markdown("---\ntitle: Agent Setup\n---\n```sh\n# install\n```\n\n## Verify\n\nok\n")
    assert sections(chunk(doc)) == ["Agent Setup", "Agent Setup > Verify"]


def test_h1_is_the_root_even_with_a_front_matter_title() -> None:
    doc = markdown("---\ntitle: Short Title\n---\n# Full Title\n\nx\n\n## Part\n\ny\n")
    assert sections(chunk(doc)) == ["Full Title", "Full Title > Part"]


def test_front_matter_without_title_adds_no_root() -> None:
    doc = markdown("---\nowner: hr\n---\n## Leave\n\nTen days.\n", name="pto-policy")
    assert sections(chunk(doc)) == ["Leave"]


def test_text_between_leading_thematic_breaks_is_not_dropped_as_front_matter() -> None:
    doc = markdown("---\n\nThe quick summary.\n\n---\n\n## Details\n\nMore text.\n")
    chunks = chunk(doc)
    assert chunks[0].text == "---\n\nThe quick summary.\n\n---"
    assert sections(chunks) == ["", "Details"]


def test_heading_markup_is_cleaned_in_paths() -> None:
    doc = markdown(
        "# [Tessel](https://tessel.example) Guide {#top}\n\n"
        "## _Users_ and **Roles** {#roles}\n\nText.\n\n"
        "## `api_key` \\*rotation\\*\n\nText.\n"
    )
    chunks = chunk(doc)
    assert sections(chunks) == [
        "Tessel Guide > Users and Roles",
        "Tessel Guide > api_key *rotation*",
    ]
    assert chunks[0].text.startswith("## _Users_ and **Roles** {#roles}")


def test_heading_without_body_lives_on_in_the_next_path() -> None:
    doc = markdown("# Manual\n\n## Safety\n\n### Stops\n\nPress a red button.\n")
    chunks = chunk(doc)
    assert sections(chunks) == ["Manual > Safety > Stops"]
    assert chunks[0].text == "### Stops\n\nPress a red button."


def test_text_before_the_first_heading_has_an_empty_section() -> None:
    chunks = chunk(markdown("Preface text.\n\n## First\n\nBody.\n"))
    assert [(c.section, c.text) for c in chunks] == [
        ("", "Preface text."),
        ("First", "## First\n\nBody."),
    ]


def test_heading_written_with_a_tab_keeps_its_section() -> None:
    doc = markdown("# Top\n\nintro\n\n##\tReturns\n\nShip it back within 30 days.\n")
    chunks = chunk(doc)
    assert sections(chunks) == ["Top", "Top > Returns"]
    assert "Ship it back within 30 days." in chunks[1].text


def test_windows_line_endings_keep_sections_and_offsets() -> None:
    doc = markdown("# Policy\r\n\r\nIntro.\r\n\r\n## Scope\r\n\r\nAll staff.\r\n")
    chunks = chunk(doc)
    assert [(c.section, c.text) for c in chunks] == [
        ("Policy", "# Policy\r\n\r\nIntro."),
        ("Policy > Scope", "## Scope\r\n\r\nAll staff."),
    ]


# --- Splitting long sections within the token budget --------------------------------------


def long_section(sentences: int) -> str:
    body = " ".join(
        f"Sentence {i} says the robot {['stops', 'turns', 'lifts', 'waits'][i % 4]} "
        f"at marker {i * 7} on lane {i % 5}."
        for i in range(sentences)
    )
    return f"# Manual\n\nIntro.\n\n## Lanes\n\n{body}\n\n## After\n\nShort tail.\n"


@pytest.mark.parametrize(("budget", "overlap"), [(40, 0), (40, 15), (13, 3), (100, 25)])
def test_long_section_is_split_within_budget_with_exact_offsets(budget: int, overlap: int) -> None:
    doc = markdown(long_section(80))
    chunks = chunk(doc, budget=budget, overlap=overlap)  # checks budget and offsets
    lanes = [c for c in chunks if c.section == "Manual > Lanes"]
    assert len(lanes) >= words(doc.text) // budget
    assert lanes[0].text.startswith("## Lanes\n\nSentence 0 says")
    assert lanes[-1].text.endswith("at marker 553 on lane 4.")
    assert sections(chunks) == ["Manual", *["Manual > Lanes"] * len(lanes), "Manual > After"]
    assert uncovered_words(doc, chunks) == []
    shared = [
        words(doc.text[after.start_char : before.end_char])
        for before, after in itertools.pairwise(lanes)
    ]
    assert max(shared) <= overlap
    # Sentences here are 12 words; the splitter overlaps whole sentences only.
    if overlap >= 12:
        assert min(shared) > 0, "overlap asked for, none given"


def test_split_pieces_prefer_sentence_ends() -> None:
    doc = markdown(long_section(40))
    lanes = [c for c in chunk(doc, budget=60) if c.section == "Manual > Lanes"]
    assert len(lanes) > 1
    assert all(c.text.endswith(".") for c in lanes)


def opens_mid_sentence(doc: LoadedDocument, c: Chunk) -> bool:
    before = doc.text[: c.start_char]
    return not before.endswith("\n") and not before.rstrip(" ").endswith((".", ";", ":"))


def closes_mid_sentence(doc: LoadedDocument, c: Chunk) -> bool:
    after = doc.text[c.end_char :]
    return not after.startswith("\n") and not c.text.endswith((".", ";", ":"))


@pytest.mark.parametrize(("budget", "overlap"), [(60, 20), (80, 30), (50, 25)])
def test_chunks_of_a_long_list_open_and_close_where_a_line_or_sentence_does(
    budget: int, overlap: int
) -> None:
    # Bullets with no full stop, each longer than a clause: the splitter cuts them at commas,
    # and its overlap used to open a chunk mid-item ("gov](mailto:...) requesting ...").
    items = "\n".join(
        f"- Team {i} owns the {['lab', 'desk', 'dock'][i % 3]} rota, the spare keys, "
        f"the visitor log and the [inbox](mailto:team{i}@example.gov), answering within {i} days"
        for i in range(30)
    )
    doc = markdown(f"# Rota\n\nWho owns what.\n\n## Owners\n\n{items}\n")
    chunks = chunk(doc, budget=budget, overlap=overlap)  # checks budget and offsets
    owners = [c for c in chunks if c.section == "Rota > Owners"]
    assert len(owners) > 3
    assert [c.text[:40] for c in owners[1:] if opens_mid_sentence(doc, c)] == []
    assert [c.text[-40:] for c in owners[:-1] if closes_mid_sentence(doc, c)] == []
    assert uncovered_words(doc, chunks) == []
    shared = [
        words(doc.text[after.start_char : before.end_char])
        for before, after in itertools.pairwise(owners)
    ]
    assert max(shared) <= overlap


@pytest.mark.parametrize("overlap", [0, 20])
def test_repetitive_text_pieces_are_placed_where_they_were_cut(overlap: int) -> None:
    # Every piece's words also occur earlier; each must still point at its own stretch.
    text = " ".join(f"w{i % 7}" for i in range(503))
    doc = LoadedDocument(text, "loop", "text", "plain")
    chunks = chunk(doc, budget=100, overlap=overlap)
    assert chunks[0].start_char == 0
    assert chunks[-1].end_char == len(text)
    assert uncovered_words(doc, chunks) == []


def test_plain_text_fits_in_one_chunk_when_short() -> None:
    doc = LoadedDocument("  Stage 1: canary.\nStage 2: all.\n\n", "rollout", "text", "plain")
    chunks = chunk(doc)
    assert [(c.section, c.page, c.text) for c in chunks] == [
        ("", None, "Stage 1: canary.\nStage 2: all.")
    ]
    assert (chunks[0].start_char, chunks[0].end_char) == (2, 32)


# --- Pages and records ---------------------------------------------------------------------


def test_pdf_chunks_carry_their_page_numbers(tmp_path: Path) -> None:
    pdf = FPDF()
    pdf.set_font("helvetica", size=10)
    for page, sentences in [(1, 2), (2, 40), (3, 2)]:
        pdf.add_page()
        pdf.multi_cell(0, 5, " ".join(f"Page {page} rule {i} applies." for i in range(sentences)))
    path = tmp_path / "rules.pdf"
    path.write_bytes(bytes(pdf.output()))
    doc = load_file(path, max_bytes=1_000_000)
    chunks = chunk(doc, budget=50)
    assert sorted({c.page for c in chunks}) == [1, 2, 3]
    assert [c.page for c in chunks] == sorted(c.page for c in chunks)
    assert sum(c.page == 2 for c in chunks) >= 4  # the long page was split
    for c in chunks:
        assert f"Page {c.page} rule" in c.text
        assert c.section == ""


def test_each_record_is_its_own_chunk_labelled_by_it() -> None:
    records = [f"sku: A{i}\nname: Part {i}\nprice: {i}0" for i in range(1, 4)]
    text = "\n\n".join(records)
    spans, cursor = [], 0
    for i, record in enumerate(records, start=1):
        spans.append(Span(cursor, cursor + len(record), label=f"Row {i + 1}: A{i}"))
        cursor += len(record) + 2
    doc = LoadedDocument(text, "parts", "csv", "records", spans)
    chunks = chunk(doc, budget=100)  # all three would fit in one chunk; none is packed
    assert [(c.section, c.text) for c in chunks] == [
        ("Row 2: A1", records[0]),
        ("Row 3: A2", records[1]),
        ("Row 4: A3", records[2]),
    ]


def test_question_answer_records_quote_only_the_answer(tmp_path: Path) -> None:
    path = tmp_path / "faq.jsonl"
    path.write_text(
        '{"question": "What does E-7 mean?", "answer": "E-7 means the pad is too hot to charge."}\n'
        '{"question": "What does E-9 mean?", "answer": "E-9 means the door is open."}\n'
    )
    chunks = chunk(load_file(path, max_bytes=1_000_000), budget=100)
    assert [(c.section, c.text) for c in chunks] == [
        ("Line 1: What does E-7 mean?", "E-7 means the pad is too hot to charge."),
        ("Line 2: What does E-9 mean?", "E-9 means the door is open."),
    ]


def test_record_larger_than_budget_is_split_and_keeps_its_label(tmp_path: Path) -> None:
    long_answer = " ".join(f"Step {i} is done." for i in range(60))
    path = tmp_path / "faq.jsonl"
    path.write_text(
        '{"question": "Short?", "answer": "Yes."}\n'
        f'{{"question": "How to reset?", "answer": "{long_answer}"}}\n'
    )
    doc = load_file(path, max_bytes=1_000_000)
    chunks = chunk(doc, budget=30)
    assert (chunks[0].section, chunks[0].text) == ("Line 1: Short?", "answer: Yes.")
    assert len(chunks) > 3
    assert {c.section for c in chunks[1:]} == {"Line 2: How to reset?"}
    assert uncovered_words(doc, chunks) == []


def test_csv_file_chunks_are_row_labelled(tmp_path: Path) -> None:
    path = tmp_path / "robots.csv"
    path.write_text("model,speed\nS4,1.5\nS6,2.0\n")
    doc = load_file(path, max_bytes=1_000_000)
    assert [(c.section, c.text) for c in chunk(doc)] == [
        ("Row 2: S4", "model: S4\nspeed: 1.5"),
        ("Row 3: S6", "model: S6\nspeed: 2.0"),
    ]


# --- Converted formats: HTML and DOCX chunk by their headings --------------------------------


def test_html_chunks_follow_its_headings(tmp_path: Path) -> None:
    path = tmp_path / "guide.html"
    path.write_text(
        "<html><head><title>T</title></head><body><h1>Tessel Guide</h1><p>Intro.</p>"
        "<section><h2>Zones</h2><p>Draw zones.</p><h3>Speed zones</h3><p>Max 1 m/s.</p>"
        "</section><h2>Maps</h2><pre># not a heading</pre></body></html>"
    )
    doc = load_file(path, max_bytes=1_000_000)
    chunks = chunk(doc)
    assert sections(chunks) == [
        "Tessel Guide",
        "Tessel Guide > Zones",
        "Tessel Guide > Zones > Speed zones",
        "Tessel Guide > Maps",
    ]
    assert "Max 1 m/s." in chunks[2].text


def test_docx_chunks_follow_title_and_headings(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_heading("Site Survey", level=0)
    document.add_paragraph("Overview.")
    document.add_heading("Floor", level=1)
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "Slope", "2% max"
    document.add_heading("Wi-Fi", level=1)
    document.add_paragraph("Measure -67 dBm or better.")
    buffer = io.BytesIO()
    document.save(buffer)
    path = tmp_path / "survey.docx"
    path.write_bytes(buffer.getvalue())
    chunks = chunk(load_file(path, max_bytes=1_000_000))
    assert [(c.section, c.text) for c in chunks] == [
        ("Site Survey", "# Site Survey\nOverview."),
        ("Site Survey > Floor", "## Floor\n| Slope | 2% max |"),
        ("Site Survey > Wi-Fi", "## Wi-Fi\nMeasure -67 dBm or better."),
    ]


# --- The sample corpus: every file loads and chunks sensibly ---------------------------------

CORPUS_FILES = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix.lower() in FORMATS)


def test_sample_corpus_has_every_kind_of_file() -> None:
    assert {p.suffix for p in CORPUS_FILES} >= {".md", ".txt", ".pdf", ".html", ".docx", ".csv"}
    assert {p.suffix for p in CORPUS_FILES} >= {".jsonl"}


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: str(p.relative_to(CORPUS)))
def test_sample_corpus_file_loads_and_chunks(path: Path) -> None:
    doc = load_file(path, max_bytes=10_000_000)
    assert doc.title.strip()
    chunks = chunk(doc, budget=120, overlap=20)
    assert uncovered_words(doc, chunks) == [] or doc.structure == "markdown"
    if doc.format == "pdf":
        pages = sorted({c.page for c in chunks})
        assert pages == list(range(1, len(pages) + 1)) and len(pages) > 1
        assert doc.title == "Stacker S6 Safety Manual"
    elif doc.format in ("html", "docx"):
        assert all(c.section for c in chunks), "every chunk sits under a heading"
        assert any(SECTION_SEPARATOR in c.section for c in chunks), "headings are nested"
    elif doc.format == "csv":
        assert all(c.section.startswith("Row ") for c in chunks)
    elif doc.format == "jsonl":
        assert all(c.section.startswith("Line ") for c in chunks)
    elif doc.format == "markdown":
        # Every sample Markdown file opens with its title as H1: the root of every path.
        assert all(c.section.split(SECTION_SEPARATOR)[0] == doc.title for c in chunks)
    if doc.format != "pdf":
        assert all(c.page is None for c in chunks)


def corpus_facts() -> list[tuple[str, str, str, str]]:
    """(id, answer, file, section) rows of samples/corpus/FACTS.md."""
    facts = CORPUS / "FACTS.md"
    if not facts.exists():
        return []
    rows = []
    for line in facts.read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 6 and cells[0].startswith("F") and cells[0][1:].isdigit():
            rows.append((cells[0], cells[2], cells[3], cells[4]))
    return rows


def readable(text: str) -> str:
    """Text as FACTS.md quotes it: Markdown emphasis and line wrapping ignored."""
    return " ".join(text.replace("*", "").replace("`", "").split())


@pytest.mark.parametrize(
    ("fact", "answer", "file", "section"),
    [
        pytest.param(*row, id=row[0])
        for row in corpus_facts()
        if Path(row[2]).suffix in (".md", ".html", ".docx")
    ],
)
def test_sample_fact_is_in_the_section_its_citation_names(
    fact: str, answer: str, file: str, section: str
) -> None:
    doc = load_file(CORPUS / file, max_bytes=10_000_000)
    chunks = [c for c in chunk(doc, budget=120, overlap=20) if c.section == section]
    assert chunks, f"{fact}: no chunk has section {section!r}"
    text = readable(doc.text[chunks[0].start_char : chunks[-1].end_char])
    for part in answer.split("; "):
        assert readable(part) in text, f"{fact}: {part!r} not under {section!r}"


@pytest.mark.parametrize(
    ("fact", "page", "heading"),
    [
        (row[0], int(row[3].split()[1]), row[3].split("(", 1)[1].rstrip(")"))
        for row in corpus_facts()
        if row[2].endswith(".pdf")
    ],
)
def test_sample_pdf_fact_pages_carry_their_heading(fact: str, page: int, heading: str) -> None:
    doc = load_file(CORPUS / "public/manuals/stacker-s6-safety-manual.pdf", max_bytes=10_000_000)
    on_page = [c for c in chunk(doc, budget=120, overlap=20) if c.page == page]
    assert on_page, f"{fact}: no chunk on page {page}"
    assert heading in readable(" ".join(c.text for c in on_page))


def test_chunks_cut_from_a_long_table_carry_its_header() -> None:
    rows = "\n".join(f"| Depot {i} | {i + 2} days | {i % 5 + 1} pallets |" for i in range(60))
    header = "| Depot | Delivery time | Daily limit |\n|---|---|---|"
    doc = markdown(f"# Depots\n\nEach depot's terms.\n\n{header}\n{rows}\n\nAsk the desk.\n")
    chunks = chunk(doc, budget=60, overlap=10)
    in_table = [c for c in chunks if "| Depot " in c.text]
    assert len(in_table) > 3
    assert in_table[0].table_header == ""  # it holds the header itself
    for c in in_table[1:]:
        assert c.table_header == header
        assert c.text == doc.text[c.start_char : c.end_char]  # the header is not in the text
        first = split_sentences(c.readable)[0]
        assert first.startswith("Depot: Depot ") and "; Delivery time: " in first
    assert all(c.table_header == "" for c in chunks if "| Depot " not in c.text)


def test_pdf_chunks_are_named_by_the_headings_they_sit_under_across_pages(tmp_path: Path) -> None:
    path = tmp_path / "handbook.pdf"
    path.write_bytes(handbook_pdf())
    chunks = chunk(load_file(path, max_bytes=10_000_000), budget=200, overlap=20)
    named = [(c.page, c.section) for c in chunks]
    assert (1, "Staff Handbook > 1. Leave > 1.1 Annual leave") in named
    assert (2, "Staff Handbook > 2. Travel") in named
    assert (3, "Staff Handbook > 3. Pay > 3.1 Dates") in named
    travel = next(c for c in chunks if c.section == "Staff Handbook > 2. Travel > 2.1 Booking")
    assert travel.page == 2 and "travel desk 14 days before you fly" in travel.text
    for c in chunks:
        assert c.text == c.text.strip() and c.page is not None


@pytest.mark.parametrize(
    ("items", "budget", "overlap"), [(8, 40, 10), (8, 40, 20), (10, 40, 20), (12, 50, 10)]
)
def test_a_curly_closing_quote_ends_a_sentence_for_the_cuts_as_a_straight_one_does(
    items: int, budget: int, overlap: int
) -> None:
    # Quoted sentences longer than a chunk, so the splitter cuts at commas and the cuts are
    # moved to where a sentence opens or closes. indexes/sentences.py ends a sentence after
    # ".”" as after '."', and the chunker must agree, or a chunk opens mid-sentence.
    def said(close: str) -> str:
        return " ".join(
            f"Lead {i} said {close}the rota, "
            + ", ".join(f"item {j} of {i}" for j in range(items))
            + f", checked every {i + 2} days.{close}"
            for i in range(12)
        )

    def cuts(close: str) -> list[tuple[int, int]]:
        doc = markdown(f"# Rota\n\nWho checks what.\n\n## Checks\n\n{said(close)}\n")
        return [(c.start_char, c.end_char) for c in chunk(doc, budget=budget, overlap=overlap)]

    assert cuts("”") == cuts('"')


@pytest.mark.parametrize("paragraphs", [True, False])
def test_a_text_longer_than_one_region_is_chunked_whole_in_parts(paragraphs: bool) -> None:
    # A plain text file is one piece; past MAX_REGION_CHARS it is cut at a paragraph break
    # (else a line or a space) before the sentence splitter sees it, and nothing is lost.
    sentences = [
        f"Bay {i} holds lot {i * 7} and is checked every {i % 9 + 2} days." for i in range(2500)
    ]
    joiner = "\n\n" if paragraphs else " "
    text = joiner.join(" ".join(sentences[i : i + 5]) for i in range(0, len(sentences), 5))
    assert len(text) > 3 * MAX_REGION_CHARS
    doc = LoadedDocument(text, "ledger", "text", "plain")
    chunks = chunk(doc, budget=120, overlap=10)
    assert uncovered_words(doc, chunks) == []
    assert all(c.end_char - c.start_char <= MAX_REGION_CHARS for c in chunks)
    quoted = " ".join(c.text for c in chunks)
    assert all(s in quoted for s in sentences[::50])
