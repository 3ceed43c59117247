"""``ragtune serve`` refuses dev mode off loopback before it starts anything."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from ragtune.cli import app
from ragtune.errors import InputError
from service.cli import _loopback


def test_loopback_hosts() -> None:
    assert _loopback("127.0.0.1") and _loopback("::1") and _loopback("localhost")
    assert not _loopback("0.0.0.0") and not _loopback("10.1.2.3") and not _loopback("example")


def test_dev_mode_is_refused_on_a_public_interface(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("RAGTUNE_SERVICE_DEV_USER", "RAGTUNE_SERVICE_DEV_GROUPS"):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0", "--dev-user", "dana"])
    assert result.exit_code != 0
    assert isinstance(result.exception, InputError)
    assert "Dev mode" in result.exception.message
    monkeypatch.delenv("RAGTUNE_SERVICE_DEV_USER", raising=False)
