"""The prompts of each route. Retrieved text is fenced and declared data, never instructions.

The templates and the fenced, numbered source format are defined in
``generation.grounded_prompt``, one layer down, because RAFT-style training data must lay out
its sources exactly as the agent does (training may not import agent).
"""

from __future__ import annotations

from generation.grounded_prompt import (
    ADAPTER_SYSTEM,
    BOTH_SYSTEM,
    RAG_SYSTEM,
    STRICT_SUFFIX,
    adapter_messages,
    fence,
    grounded_messages,
)

__all__ = [
    "ADAPTER_SYSTEM",
    "BOTH_SYSTEM",
    "RAG_SYSTEM",
    "STRICT_SUFFIX",
    "adapter_messages",
    "fence",
    "grounded_messages",
]
