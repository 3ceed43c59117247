"""The documentation names every setting, so a new field cannot go undocumented."""

from __future__ import annotations

from ragtune.settings import Settings
from tests.conftest import REPO


def test_every_setting_is_documented() -> None:
    text = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    missing = [name for name in Settings.model_fields if f"`{name}`" not in text]
    assert missing == [], f"add these settings to docs/configuration.md: {missing}"
