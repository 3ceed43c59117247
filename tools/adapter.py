"""The domain-adapter tool: generate with a named LoRA adapter, or the one active for a domain,
only when the caller's groups may use it.

An adapter carries what it learned from its training pairs, so using one is a read of that
data: the registry's row-level security decides which adapters a principal can see at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from langchain_core.tools import StructuredTool
from pydantic import BaseModel, Field

from generation.adapter_registry import RegisteredAdapter, active_adapter, check_adapter_access
from generation.generator import ChatMessage, GenerationParams, GenerationResult, Generator
from indexes.database import Database
from ragtune.errors import NotFoundError
from ragtune.principal import Principal


def choose_adapter(
    db: Database, principal: Principal, name: str | None = None, domain: str | None = None
) -> RegisteredAdapter:
    """The adapter named ``name`` if ``principal`` may use it, else the active one for
    ``domain`` (or the global one). NotFoundError when there is none the caller may use;
    PermissionDeniedError when ``name`` exists but is restricted."""
    if name is not None:
        return check_adapter_access(db, principal, name)
    found = active_adapter(db, principal, domain)
    if found is None:
        raise NotFoundError(
            "No domain adapter is active for you" + (f" in domain {domain!r}" if domain else ""),
            hint="train one with `ragtune train` and run `ragtune adapters activate NAME`",
        )
    return found


@dataclass
class AdapterReply:
    """What the adapter wrote and which adapter wrote it."""

    adapter: RegisteredAdapter
    result: GenerationResult


def generate_with_adapter(
    db: Database,
    generator: Generator,
    principal: Principal,
    messages: Sequence[ChatMessage],
    params: GenerationParams,
    *,
    name: str | None = None,
    domain: str | None = None,
) -> AdapterReply:
    """Generate a reply to ``messages`` with the adapter ``principal`` may use (see
    choose_adapter); the permission check happens before any generation."""
    adapter = choose_adapter(db, principal, name, domain)
    result = generator.generate(list(messages), replace(params, adapter=adapter.name))
    return AdapterReply(adapter, result)


class AdapterToolInput(BaseModel):
    """Arguments of the adapter tool as a model sees them."""

    question: str = Field(description="The question, in the company's domain.", min_length=1)
    adapter: str | None = Field(default=None, description="Adapter name; default: the active.")
    domain: str | None = Field(default=None, description="Domain whose active adapter to use.")


def make_adapter_tool(
    db: Database, generator: Generator, principal: Principal, params: GenerationParams
) -> StructuredTool:
    """A LangChain tool bound to one caller that answers with a permitted domain adapter."""

    def run(question: str, adapter: str | None = None, domain: str | None = None) -> str:
        reply = generate_with_adapter(
            db,
            generator,
            principal,
            [ChatMessage(role="user", content=question)],
            params,
            name=adapter,
            domain=domain,
        )
        return reply.result.text

    return StructuredTool.from_function(
        func=run,
        name="ask_domain_adapter",
        description="Answer with the company's fine-tuned domain adapter: vocabulary, house "
        "style and curated standard procedures. Does not look up documents.",
        args_schema=AdapterToolInput,
    )
