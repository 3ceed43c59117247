"""Property-based requests from the OpenAPI spec (schemathesis): no input makes a 5xx.

Runs against the real agent with an admin key, so uploads and deletes are exercised too;
uploads go to collections of their own (the app's default collection is ``fuzz``), so the
sample corpus other tests read is not touched. Bounded: a few examples per operation.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode

from indexes.database import Database
from indexes.embeddings import Embedder
from tests.service.conftest import Keys, build_real_app

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def fuzz_app(
    service_db: Database, real_agent: object, embedder: Embedder, service_state_dir: Path
) -> Iterator[object]:
    app = build_real_app(
        service_db,
        real_agent,
        embedder,
        service_state_dir,
        collection="fuzz",
        service_timeout_s=30,
    )
    yield app


def _check(response: object) -> None:
    status = response.status_code  # type: ignore[attr-defined]
    assert status < 500, response.text[:300]  # type: ignore[attr-defined]
    content_type = response.headers.get("content-type", [""])  # type: ignore[attr-defined]
    content_type = content_type[0] if isinstance(content_type, list) else content_type
    if status >= 400 and content_type.startswith("application/json"):
        body = response.json()  # type: ignore[attr-defined]
        assert set(body) == {"error"} and body["error"]["message"], body


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_server_errors(fuzz_app: object, keys: Keys, mode: GenerationMode) -> None:
    api = schemathesis.openapi.from_asgi("/openapi.json", fuzz_app)
    headers = {"Authorization": f"Bearer {keys.root}"}
    operations = [result.ok() for result in api.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) >= 12
    exercised = 0
    for operation in operations:

        @given(case=operation.as_strategy(mode))
        @settings(
            max_examples=6,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def run(case: schemathesis.Case) -> None:
            response = case.call(headers=headers)
            case.validate_response(response, checks=[not_a_server_error])
            _check(response)

        try:
            run()
        except Unsatisfiable:
            # Nothing to violate: the operation takes no input (healthz, models...).
            assert mode is GenerationMode.NEGATIVE, operation.label
            continue
        exercised += 1
    assert exercised >= 8
