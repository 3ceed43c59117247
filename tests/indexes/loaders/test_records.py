"""CSV, JSON and JSONL records as labelled spans; malformed rows and lines refused."""

from __future__ import annotations

from pathlib import Path

from tests.indexes.loaders.sample_files import load, refused, write


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
    # The question labels its record and is not part of the record's text (never quoted).
    assert [doc.text[s.start : s.end] for s in doc.spans] == [
        "answer: 2 m/s\ntags: s6, speed",
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


def test_prose_answer_is_written_without_its_key(tmp_path: Path) -> None:
    source = (
        "question,answer\n"
        '"How long is the warranty?","The warranty lasts 24 months from delivery."\n'
    )
    doc = load(write(tmp_path, "faq.csv", source))
    assert [span.label for span in doc.spans] == ["Row 2: How long is the warranty?"]
    assert doc.text == "The warranty lasts 24 months from delivery."
