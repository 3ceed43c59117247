"""A long table cut into several chunks, in a real Postgres: search returns the header a chunk
continues beside its exact text, and the agent quotes a row far below the header with its
column names, whether the table was written in Markdown, in a Word file, on a web page or in
a PDF (ruled, or drawn without lines).
Generation is off."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
import pytest
from fpdf import FPDF

from agent.runtime import Agent
from indexes.database import Database
from indexes.embeddings import Embedder
from indexes.ingest import IngestOptions, ingest
from indexes.search import SearchOptions, search
from indexes.tables import cells
from ragtune.principal import Principal
from tests.conftest import fresh_database_url, opened
from tests.support.agent_fixtures import agent_settings, make_agent

READER = Principal("erin")
HEADER = "| Spare part | Lead time | Minimum order | Supplier |\n|---|---|---|---|"
PARTS = (
    "drive belt",
    "caster wheel",
    "fork sensor",
    "battery pack",
    "charging plug",
    "lidar lens",
    "bumper strip",
    "brake pad",
    "steering motor",
    "mast chain",
    "hydraulic hose",
    "door seal",
    "fuse board",
    "status lamp",
    "rear camera",
    "horn unit",
    "seat cushion",
    "fan filter",
    "coolant pump",
    "key switch",
    "load roller",
    "tilt cylinder",
    "cable loom",
    "wifi module",
    "speed encoder",
    "rubber tyre",
    "side mirror",
    "emergency stop button",
    "display panel",
    "gear reducer",
)
SUPPLIERS = ("Ardent Metals", "Brookline Parts", "Corvid Supply")


def row(i: int, part: str) -> str:
    return (
        f"| {part.capitalize()} | {i % 9 + 2} weeks | {i % 4 * 5 + 5} units | {SUPPLIERS[i % 3]} |"
    )


INTRO = "Order spare parts from the supplier named for each part."
OUTRO = "Lead times are counted from the order date."


def table() -> list[list[str]]:
    return [cells(HEADER.splitlines()[0])] + [cells(row(i, p)) for i, p in enumerate(PARTS)]


def write_markdown(folder: Path) -> str:
    rows = "\n".join(row(i, part) for i, part in enumerate(PARTS))
    (folder / "spare-parts.md").write_text(
        f"# Spare parts catalogue\n\n{INTRO}\n\n## Lead times\n\n{HEADER}\n{rows}\n\n{OUTRO}\n"
    )
    return "spare-parts.md"


def write_word(folder: Path) -> str:
    document = docx.Document()
    document.add_heading("Spare parts catalogue", level=1)
    document.add_paragraph(INTRO)
    document.add_heading("Lead times", level=2)
    rows = table()
    word_table = document.add_table(rows=len(rows), cols=len(rows[0]))
    for word_row, values in zip(word_table.rows, rows, strict=True):
        for cell, value in zip(word_row.cells, values, strict=True):
            cell.text = value
    document.add_paragraph(OUTRO)
    document.save(folder / "spare-parts.docx")
    return "spare-parts.docx"


def write_web_page(folder: Path) -> str:
    head, *body = table()
    th = "".join(f"<th>{c}</th>" for c in head)
    trs = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in body)
    (folder / "spare-parts.html").write_text(
        "<html><body><h1>Spare parts catalogue</h1>"
        f"<p>{INTRO}</p><h2>Lead times</h2>"
        f"<table><thead><tr>{th}</tr></thead><tbody>{trs}</tbody></table><p>{OUTRO}</p>"
        "</body></html>"
    )
    return "spare-parts.html"


def write_pdf(folder: Path, **layout: Any) -> str:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=9)
    pdf.cell(text="Spare parts catalogue", new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 5, f"{INTRO}\nLead times", new_x="LMARGIN", new_y="NEXT")
    with pdf.table(line_height=4, **layout) as pdf_table:  # ruled, its first row bold
        for values in table():
            pdf_row = pdf_table.row()
            for value in values:
                pdf_row.cell(value)
    pdf.multi_cell(0, 5, OUTRO, new_x="LMARGIN", new_y="NEXT")
    (folder / "spare-parts.pdf").write_bytes(bytes(pdf.output()))
    return "spare-parts.pdf"


def write_aligned_pdf(folder: Path) -> str:
    # No lines drawn: the columns are parted by space alone, its first row bold.
    return write_pdf(folder, borders_layout="NONE", padding=1.5)


@pytest.fixture(
    scope="module",
    params=[write_markdown, write_word, write_web_page, write_pdf, write_aligned_pdf],
)
def catalogue(
    request: pytest.FixtureRequest,
    server_url: str,
    embedder: Embedder,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Database, str]]:
    folder = tmp_path_factory.mktemp("parts")
    name = request.param(folder)
    with fresh_database_url(server_url) as url, opened(url) as db:
        assert not ingest(db, embedder, [folder], IngestOptions(progress=False)).failed
        yield db, name


@pytest.fixture(scope="module")
def parts_db(catalogue: tuple[Database, str]) -> Database:
    return catalogue[0]


@pytest.fixture(scope="module")
def agent(
    parts_db: Database, embedder: Embedder, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Agent]:
    built = make_agent(
        agent_settings(tmp_path_factory.mktemp("state"), agent_generate=False), parts_db, embedder
    )
    yield built
    built.close()


def test_search_returns_the_header_a_chunk_continues_beside_its_exact_text(
    parts_db: Database, embedder: Embedder, tmp_path: Path
) -> None:
    found = search(parts_db, embedder, "gear reducer lead time", READER, SearchOptions(k=3))
    top = found.results[0]
    assert "| Gear reducer |" in top.text
    assert "| Spare part |" not in top.text  # the chunk starts below the header
    assert " ".join(top.table_header.split()) == " ".join(HEADER.split())
    assert found.to_json()["results"][0]["table_header"] == top.table_header


def test_a_row_far_below_the_header_is_answered_with_its_column_names(
    agent: Agent, catalogue: tuple[Database, str]
) -> None:
    answer = agent.ask("How long is the lead time for a gear reducer?", READER)
    assert not answer.abstained, answer.answer
    assert "Spare part: Gear reducer; Lead time: 4 weeks" in answer.answer
    assert answer.citations and answer.citations[0].source == catalogue[1]
    assert answer.citations[0].quote.startswith("| Spare part |")  # what the reader is shown
