"""Who may use an adapter: whoever may read every restricted pair it learned."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from ragtune.errors import InputError
from training.data.records import QAPair
from training.manifest import allowed_groups


def _data(*groups: tuple[str, ...]) -> Any:
    pairs = [QAPair(f"p{i}", "q?", "a.", i, groups=g) for i, g in enumerate(groups)]
    return SimpleNamespace(train=pairs[:-1], validation=pairs[-1:])


def test_public_pairs_make_a_public_adapter() -> None:
    assert allowed_groups(_data((), ())) == ["everyone"]


def test_restricted_pairs_restrict_the_adapter_to_the_groups_they_share() -> None:
    assert allowed_groups(_data((), ("hr",), ("hr",))) == ["hr"]
    assert allowed_groups(_data(("hr", "finance"), ("hr",))) == ["hr"]


def test_pairs_no_single_group_may_read_are_refused() -> None:
    # A union would let finance use what the adapter learned from hr's pairs.
    with pytest.raises(InputError, match="no one group may read all"):
        allowed_groups(_data(("hr",), ("finance",)))
