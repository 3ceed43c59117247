"""Health, metrics, auth, documents, adapters and feedback over HTTP (in-process app)."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

from indexes import keys as key_store
from indexes.database import Database
from indexes.embeddings import Embedder
from indexes.feedback import list_feedback
from ragtune.principal import Principal
from service.keys import create_key, hash_token
from tests.conftest import SAMPLE_CORPUS
from tests.service.conftest import HR_MARKERS, Keys, auth, build_app


def _error(response: object) -> dict[str, str]:
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"error"} and set(body["error"]) == {"message", "hint", "type"}, body
    return body["error"]


def test_health_ready_and_metrics(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["ready"] is True
    client.get("/v1/models")  # a 401, counted
    text = client.get("/metrics").text
    assert "ragtune_http_requests_total" in text
    assert 'route="/v1/models",status="401"' in text
    assert "ragtune_ready 1.0" in text


def test_readyz_is_503_while_the_agent_loads(
    service_db: Database, embedder: Embedder, tmp_path: Path, keys: Keys
) -> None:
    import threading

    from service.app import create_app
    from tests.service.conftest import service_settings

    release = threading.Event()

    def slow_factory(settings: object, db: object) -> object:
        release.wait(10)
        raise RuntimeError("no model here")

    app = create_app(
        service_settings(tmp_path),
        db=service_db,
        agent_factory=slow_factory,  # type: ignore[arg-type]
        embedder_loader=lambda: embedder,
        chat=False,
    )
    with TestClient(app) as c:
        loading = c.get("/readyz")
        assert loading.status_code == 503 and "loading" in loading.json()["detail"]
        release.set()
        app.state.service.loading.wait(10)
        failed = c.get("/readyz").json()
        assert failed["ready"] is False and "no model here" in failed["detail"]
        # Asking while the agent is not there is a clear 503, not a crash.
        r = c.post("/v1/ask", json={"question": "hi"}, headers=auth(keys.alice))
        assert r.status_code == 503 and "failed to load" in _error(r)["message"]


def test_missing_wrong_and_revoked_keys(client: TestClient, service_db: Database) -> None:
    missing = client.get("/v1/documents")
    assert missing.status_code == 401 and "API key is required" in _error(missing)["message"]
    assert missing.headers["www-authenticate"] == "Bearer"
    wrong = client.get("/v1/documents", headers=auth("rt_not-a-real-key"))
    assert wrong.status_code == 401 and _error(wrong)["type"] == "unauthorized"
    basic = client.get("/v1/documents", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert basic.status_code == 401

    made = create_key(service_db, Principal("temp"))
    assert client.get("/v1/documents", headers=auth(made.token)).status_code == 200
    key_store.revoke_key(service_db, made.record.prefix)
    revoked = client.get("/v1/documents", headers=auth(made.token))
    assert revoked.status_code == 401 and "revoked" in _error(revoked)["message"]


def test_keys_are_stored_hashed(service_db: Database) -> None:
    made = create_key(service_db, Principal("hashme", frozenset({"ops"})), admin=True)
    assert made.token.startswith("rt_") and len(made.token) > 40
    assert made.to_json() == {"key": made.token, "user": "hashme", "groups": ["ops"]}
    with service_db.administering() as conn:
        row = conn.execute(
            "SELECT key_hash, prefix FROM api_keys WHERE id = %s", (made.record.id,)
        ).fetchone()
        everything = json.dumps(conn.execute("SELECT * FROM api_keys").fetchall(), default=str)
    assert row == (hash_token(made.token), made.token[:11])
    assert made.token not in everything


def test_documents_list_only_what_the_key_may_read(client: TestClient, keys: Keys) -> None:
    plain = client.get("/v1/documents", headers=auth(keys.alice)).json()
    hr = client.get("/v1/documents", headers=auth(keys.harriet)).json()
    plain_sources = {d["source"] for d in plain["documents"]}
    hr_sources = {d["source"] for d in hr["documents"]}
    assert "salary-pay-bands.md" in hr_sources and "salary-pay-bands.md" not in plain_sources
    assert all("hr" not in d["groups"] and "finance" not in d["groups"] for d in plain["documents"])
    assert not any(m in json.dumps(plain) for m in HR_MARKERS)
    # A collection nobody ingested into is unknown, not empty: a typo must not read as "none".
    unknown = client.get("/v1/documents?collection=nothing_here", headers=auth(keys.alice))
    assert unknown.status_code == 404 and "nothing_here" in _error(unknown)["message"]
    bad = client.get("/v1/documents?collection=no%20spaces", headers=auth(keys.alice))
    assert bad.status_code == 400 and "collection" in _error(bad)["message"]


def test_upload_and_delete_need_an_admin_key(
    client: TestClient, keys: Keys, service_state_dir: Path
) -> None:
    doc = ("files", ("notice.md", b"# Notice\n\nThe canteen closes at 15:00 on Fridays.\n"))
    refused = client.post("/v1/documents", files=[doc], headers=auth(keys.harriet))
    assert refused.status_code == 403 and "admin" in _error(refused)["message"]

    source = (SAMPLE_CORPUS / "public" / "faq").glob("*.md")
    files = [
        doc,
        ("files", ("broken.pdf", b"this is not a pdf")),
        ("files", ("script.exe", b"MZ")),
        ("files", ("faq-copy.md", next(iter(source)).read_bytes())),
    ]
    made = client.post(
        "/v1/documents",
        files=files,
        data={"collection": "uploads", "groups": "ops"},
        headers=auth(keys.root),
    )
    assert made.status_code == 201, made.text
    report = made.json()
    assert report["added"] == 2 and set(report["failed"]) == {"broken.pdf", "script.exe"}
    assert "Unsupported file type .exe" in report["failed"]["script.exe"]
    ids = {d["source"]: d["id"] for d in report["documents"]}
    assert set(ids) == {"notice.md", "faq-copy.md"}

    # Uploaded for "ops": the admin key (no groups) cannot read it back, an ops key can.
    listed = client.get("/v1/documents?collection=uploads", headers=auth(keys.root)).json()
    assert listed["documents"] == []

    again = client.post(
        "/v1/documents",
        files=[doc],
        data={"collection": "uploads", "groups": "ops"},
        headers=auth(keys.root),
    ).json()
    assert again["unchanged"] == 1 and again["added"] == 0

    gone = client.delete(
        f"/v1/documents/{ids['notice.md']}?collection=uploads", headers=auth(keys.root)
    )
    assert gone.status_code == 200 and gone.json()["deleted_chunks"] >= 1
    # The uploaded file went with its document; the other upload's file stays.
    kept = {p.name for p in (service_state_dir / "uploads" / "uploads").iterdir()}
    assert kept == {"faq-copy.md"}
    twice = client.delete(
        f"/v1/documents/{ids['notice.md']}?collection=uploads", headers=auth(keys.root)
    )
    assert twice.status_code == 404 and _error(twice)["type"] == "not_found"
    assert client.delete("/v1/documents/not-a-uuid", headers=auth(keys.root)).status_code == 404
    denied = client.delete(f"/v1/documents/{ids['faq-copy.md']}", headers=auth(keys.alice))
    assert denied.status_code == 403

    nothing = client.post("/v1/documents", headers=auth(keys.root))
    assert nothing.status_code == 422


def test_adapters_lists_only_usable_ones(
    client: TestClient, keys: Keys, service_db: Database
) -> None:
    from generation.adapter_registry import register

    for name, groups in (("open-style", ["everyone"]), ("hr-style", ["hr"])):
        register(
            service_db,
            Path("/nonexistent") / name,
            {
                "name": name,
                "base_model": "smollm2-135m",
                "method": "lora",
                "allowed_groups": groups,
            },
        )
    plain = client.get("/v1/adapters", headers=auth(keys.alice)).json()["adapters"]
    hr = client.get("/v1/adapters", headers=auth(keys.harriet)).json()["adapters"]
    assert [a["name"] for a in plain] == ["open-style"]
    assert {a["name"] for a in hr} == {"open-style", "hr-style"}


def test_feedback_is_stored_for_the_callers_own_thread(
    client: TestClient, keys: Keys, service_db: Database
) -> None:
    answer = client.post(
        "/v1/ask", json={"question": "What does error E-214 mean?"}, headers=auth(keys.alice)
    ).json()
    thread = answer["thread_id"]
    made = client.post(
        "/v1/feedback",
        json={"thread_id": thread, "rating": "up", "comment": "clear", "message_id": "m1"},
        headers=auth(keys.alice),
    )
    assert made.status_code == 201, made.text
    assert made.json()["rating"] == "up"
    again = client.post(
        "/v1/feedback",
        json={"thread_id": thread, "rating": "down", "message_id": "m1"},
        headers=auth(keys.alice),
    )
    assert again.json()["id"] == made.json()["id"]  # re-rating replaces
    stored = list_feedback(service_db, thread_id=thread)
    assert [(f.user, f.rating, f.source) for f in stored] == [("alice", "down", "api")]

    other = client.post(
        "/v1/feedback", json={"thread_id": thread, "rating": "up"}, headers=auth(keys.harriet)
    )
    assert other.status_code == 403
    unknown = client.post(
        "/v1/feedback",
        json={"thread_id": "no-such-thread", "rating": "up"},
        headers=auth(keys.alice),
    )
    assert unknown.status_code == 404
    bad = client.post(
        "/v1/feedback", json={"thread_id": thread, "rating": "meh"}, headers=auth(keys.alice)
    )
    assert bad.status_code == 422 and "rating" in _error(bad)["message"]


def test_rate_limit_per_key(
    service_db: Database, embedder: Embedder, tmp_path: Path, keys: Keys
) -> None:
    app, _ = build_app(
        service_db, embedder, tmp_path, service_rate_per_minute=6, service_rate_burst=2
    )
    with TestClient(app) as c:
        codes = [c.get("/v1/models", headers=auth(keys.alice)).status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        limited = c.get("/v1/models", headers=auth(keys.alice))
        assert int(limited.headers["retry-after"]) >= 1
        assert _error(limited)["type"] == "rate_limited"
        # Another key has its own bucket.
        assert c.get("/v1/models", headers=auth(keys.harriet)).status_code == 200


def test_dev_mode_runs_keyless_requests_as_the_dev_user(
    service_db: Database, embedder: Embedder, tmp_path: Path, keys: Keys
) -> None:
    app, _ = build_app(
        service_db, embedder, tmp_path, service_dev_user="dev", service_dev_groups="hr"
    )
    with TestClient(app) as c:
        docs = c.get("/v1/documents").json()["documents"]
        assert "salary-pay-bands.md" in {d["source"] for d in docs}
        # A wrong key is still refused, and dev mode cannot upload.
        assert c.get("/v1/documents", headers=auth("rt_wrong")).status_code == 401
        assert c.post("/v1/documents", files=[("files", ("a.md", b"# a"))]).status_code == 403


def test_resumed_citations_are_reread_with_current_groups(
    service_db: Database, hr_chunk_ids: set[str]
) -> None:
    from indexes.chat_history import readable_chunks

    ids = sorted(hr_chunk_ids)[:3]
    assert readable_chunks(service_db, Principal("alice"), ids) == {}
    seen = readable_chunks(service_db, Principal("harriet", frozenset({"hr"})), ids)
    assert set(seen) == set(ids) and all(seen.values())


def test_openapi_and_offline_docs(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert {"/v1/ask", "/v1/ask/stream", "/v1/chat/completions", "/v1/models"} <= set(spec["paths"])
    page = client.get("/docs")
    assert page.status_code == 200 and "/docs-assets/swagger-ui-bundle.js" in page.text
    assert "cdn.jsdelivr" not in page.text and "unpkg" not in page.text
    assert client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200
    assert client.get("/redoc").status_code == 404


def test_readyz_waits_for_the_language_model(
    service_db: Database, embedder: Embedder, tmp_path: Path
) -> None:
    from service.app import create_app
    from tests.service.conftest import service_settings
    from tests.support.standin_agent import StandInAgent

    loads: list[str] = []

    class WithModel(StandInAgent):
        @property
        def generator(self) -> object:
            loads.append("generator")
            return object()

    app = create_app(
        service_settings(tmp_path, agent_generate=True),
        db=service_db,
        agent_factory=lambda settings, db: WithModel(db, embedder),
        embedder_loader=lambda: embedder,
        chat=False,
    )
    with TestClient(app) as c:
        assert app.state.service.loading.wait(30)
        assert c.get("/readyz").json()["ready"] is True
    assert loads == ["generator"]
