"""RAFT items as ``ragtune data raft`` builds them, on the sample corpus in a real PostgreSQL:
the agent's own source format, the oracle cited and quoted, distractor-only items that say the
sources do not cover it, and passages restricted like the pairs they serve."""

from __future__ import annotations

import json
import re
from pathlib import Path

from generation.grounded_prompt import BOTH_SYSTEM, grounded_messages
from indexes.database import Database
from indexes.embeddings import Embedder
from indexes.feedback import cited_chunks
from tests.support.train_data import SAMPLE_QA
from training.data.raft import NOT_COVERED, Numbered, build_raft, cite, target_answer

_SOURCE = re.compile(r"<source n=(\d+) from=")


def _pairs(tmp_path: Path, wanted: list[str]) -> Path:
    rows = [json.loads(line) for line in SAMPLE_QA.read_text().splitlines() if line.strip()]
    path = tmp_path / "pairs.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows if r["id"] in wanted))
    return path


def _hr_ids(n: int) -> list[str]:
    rows = [json.loads(line) for line in SAMPLE_QA.read_text().splitlines() if line.strip()]
    return [r["id"] for r in rows if r.get("groups")][:n]


PUBLIC = ["qm-glo-001", "qm-glo-021", "qm-prd-018", "qm-prd-022"]


def test_items_are_the_agents_prompt_with_the_oracle_cited_and_quoted(
    sample_db: Database, embedder: Embedder, tmp_path: Path
) -> None:
    build = build_raft(
        sample_db,
        embedder,
        _pairs(tmp_path, PUBLIC),
        collection="default",
        distractors=3,
        p_oracle=1.0,
    )
    assert not build.skipped and len(build.records) == 4 and build.with_oracle == 4
    for record in build.records:
        system, _user, assistant = record["messages"]
        numbers = [int(n) for n in _SOURCE.findall(system["content"])]
        assert numbers == [1, 2, 3, 4]  # the oracle among K=3 distractors, numbered in order
        assert system["content"].startswith(BOTH_SYSTEM + "\n\nSources:\n")
        n = record["raft"]["oracle"]
        assert f"[{n}]" in assistant["content"] and 'The source says: "' in assistant["content"]
        # Exactly the prompt the agent's "both" route writes for these passages.
        chunks = [record["raft"]["oracle_chunk"], *record["raft"]["distractor_chunks"]]
        assert len(set(chunks)) == 4
        quoted = assistant["content"].split('The source says: "')[1].rsplit('"', 1)[0]
        oracle_block = system["content"].split(f"<source n={n} ")[1].split("</source>")[0]
        assert quoted.replace("'", '"')[:40] in oracle_block.replace("\n", " ")


def test_the_layout_matches_grounded_messages_exactly(
    sample_db: Database, embedder: Embedder, tmp_path: Path
) -> None:
    from indexes.search import search
    from indexes.search.options import SearchOptions
    from ragtune.principal import Principal

    build = build_raft(
        sample_db,
        embedder,
        _pairs(tmp_path, ["qm-glo-001"]),
        collection="default",
        distractors=2,
        p_oracle=1.0,
    )
    record = build.records[0]
    order = [record["raft"]["oracle_chunk"], *record["raft"]["distractor_chunks"]]
    found = search(
        sample_db,
        embedder,
        record["messages"][1]["content"],
        Principal("x"),
        SearchOptions(k=30),
    ).results
    by_id = {r.chunk_id: r for r in found}
    n_of = {int(n): None for n in _SOURCE.findall(record["messages"][0]["content"])}
    assert len(n_of) == 3
    # Rebuild the prompt from the same passages in the item's order: it must be identical.
    system = record["messages"][0]["content"]
    positions = sorted(order, key=lambda cid: system.index(by_id[cid].text[:30]))
    rebuilt = grounded_messages(
        record["messages"][1]["content"],
        [Numbered(i, by_id[cid]) for i, cid in enumerate(positions, start=1)],
        route="both",
    )
    assert rebuilt[0].content == system


def test_distractor_only_items_say_the_sources_do_not_cover_it(
    sample_db: Database, embedder: Embedder, tmp_path: Path
) -> None:
    build = build_raft(
        sample_db,
        embedder,
        _pairs(tmp_path, PUBLIC),
        collection="default",
        distractors=2,
        p_oracle=0.0,
    )
    assert build.with_oracle == 0 and len(build.records) == 4
    for record in build.records:
        assert record["messages"][2]["content"] == NOT_COVERED
        assert record["raft"]["oracle"] is None
        assert record["raft"]["oracle_chunk"] not in record["raft"]["distractor_chunks"]


def test_passages_are_restricted_like_the_pair(
    sample_db: Database, embedder: Embedder, tmp_path: Path
) -> None:
    hr = _hr_ids(3)
    build = build_raft(
        sample_db,
        embedder,
        _pairs(tmp_path, [*PUBLIC, *hr]),
        collection="default",
        distractors=4,
        p_oracle=1.0,
    )
    ids = {r["id"]: r for r in build.records}
    for record in build.records:
        chunk_ids = [record["raft"]["oracle_chunk"], *record["raft"]["distractor_chunks"]]
        groups = {g for c in cited_chunks(sample_db, chunk_ids).values() for g in c["groups"]}
        if record["id"] in hr:
            assert record["groups"] == ["hr"]
            assert "finance" not in groups  # an hr pair never shows finance text
        else:
            assert record["groups"] == [] and groups == {"everyone"}
    assert any(r in ids for r in hr)


def test_targets_cite_every_sentence() -> None:
    assert cite("Draft, Validated and Published. Only a Fleet Admin can publish.", 2) == (
        "Draft, Validated and Published [2]. Only a Fleet Admin can publish [2]."
    )
    assert target_answer("It is 20%", 'The default is "20%".', 1) == (
        "It is 20% [1]. The source says: \"The default is '20%'\" [1]."
    )


def test_unaccepted_feedback_records_are_refused(
    sample_db: Database, embedder: Embedder, tmp_path: Path
) -> None:
    import pytest

    from ragtune.errors import InputError

    path = tmp_path / "fb.jsonl"
    path.write_text(
        json.dumps(
            {"id": "fb-1", "question": "What is a lane map?", "answer": "A map.", "accepted": False}
        )
        + "\n"
    )
    with pytest.raises(InputError, match="not accepted by a reviewer"):
        build_raft(sample_db, embedder, path, collection="default")


def test_feedback_ids_travel_with_the_items(
    sample_db: Database, embedder: Embedder, tmp_path: Path
) -> None:
    rows = [json.loads(line) for line in _pairs(tmp_path, PUBLIC).read_text().splitlines()]
    rows[0] |= {"accepted": True, "accepted_by": "lee", "feedback_ids": ["f-1"]}
    path = tmp_path / "with_feedback.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    build = build_raft(sample_db, embedder, path, collection="default", distractors=1)
    by_id = {r["id"]: r for r in build.records}
    assert by_id[rows[0]["id"]]["feedback_ids"] == ["f-1"]
    assert "feedback_ids" not in by_id[rows[1]["id"]]


def test_contact_details_in_passages_are_masked_and_the_items_pass_the_data_check(
    sample_db: Database, embedder: Embedder, tmp_path: Path
) -> None:
    from training.data.checks import DataCheckOptions, check_data
    from training.data.pii import find_pii
    from training.feedback_export import write_jsonl

    # A passage that names a support address and phone number, asked about in its own words.
    with sample_db.administering() as conn:
        row = conn.execute(
            "SELECT c.text, d.source FROM chunks c JOIN documents d ON d.id = c.document_id"
            " WHERE c.text LIKE '%support@%' AND c.text LIKE '%555%' ORDER BY d.source LIMIT 1"
        ).fetchone()
    assert row is not None
    passage, source = row
    path = tmp_path / "contact.jsonl"
    pair = {
        "id": "contact-1",
        "question": passage[:300],
        "answer": "Contact Support by email or by phone.",
        "source": source,
    }
    path.write_text(json.dumps(pair) + "\n")
    build = build_raft(sample_db, embedder, path, collection="default", p_oracle=1.0)
    assert len(build.records) == 1
    record = build.records[0]
    text = "\n".join(m["content"] for m in record["messages"])
    # Both are masked, in the sources and in the quoted target alike.
    assert record["raft"]["pii_masked"] >= 2 and "[email]" in text and "[phone]" in text
    assert find_pii(text) == []
    written = tmp_path / "raft.jsonl"
    write_jsonl(build.records, written)
    report = check_data(written, embedder, DataCheckOptions(min_split_pairs=1)).report
    assert report.counts.pii_findings == 0 and report.counts.kept == 1, report.summary()
