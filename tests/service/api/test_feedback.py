"""POST /v1/feedback with the real agent: a rating given over HTTP reaches the review queue
with the answer it rated, and a correction becomes a candidate pair, as a chat rating does."""

from __future__ import annotations

from fastapi.testclient import TestClient

from indexes.database import Database
from tests.service.conftest import Keys, auth
from training.feedback_export import build_export, review_queue


def test_an_api_rating_keeps_the_rated_answer_for_review_and_export(
    real_client: TestClient, keys: Keys, service_db: Database
) -> None:
    h = auth(keys.alice)
    first = real_client.post("/v1/ask", json={"question": "What does error E-214 mean?"}, headers=h)
    thread = first.json()["thread_id"]
    # A follow-up in the same thread: the rating is of the latest answer.
    latest = real_client.post(
        "/v1/ask",
        json={"question": "How many vacation days carry over?", "thread_id": thread},
        headers=h,
    ).json()
    rated = real_client.post(
        "/v1/feedback",
        json={"thread_id": thread, "rating": "down", "comment": "Five days carry over."},
        headers=h,
    )
    assert rated.status_code == 201, rated.text
    item = next(i for i in review_queue(service_db) if i.feedback_id == rated.json()["id"])
    assert item.question == "How many vacation days carry over?"
    assert item.answer == latest["answer"] and item.route == latest["route"]
    cited = [(c["source"], c["chunk_id"]) for c in item.citations]
    assert cited == [(c["source"], c["chunk_id"]) for c in latest["citations"]]
    assert all("quote" not in c and "text" not in c for c in item.citations)  # no passage text

    export = build_export(service_db, [item], "qa")
    assert [r["answer"] for r in export.records] == ["Five days carry over."], export.skipped
    assert export.records[0]["question"] == "How many vacation days carry over?"


def test_someone_elses_thread_is_refused_with_a_hint(real_client: TestClient, keys: Keys) -> None:
    asked = real_client.post(
        "/v1/ask", json={"question": "What does error E-214 mean?"}, headers=auth(keys.alice)
    )
    thread = asked.json()["thread_id"]
    other = real_client.post(
        "/v1/feedback", json={"thread_id": thread, "rating": "up"}, headers=auth(keys.harriet)
    )
    assert other.status_code == 403 and "your own threads" in other.json()["error"]["hint"]
