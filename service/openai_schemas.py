"""The OpenAI-compatible request body for ``/v1/chat/completions`` and the model list.

Unknown OpenAI parameters (temperature, max_tokens, tools...) are accepted and ignored, so any
OpenAI client can talk to ragtune; the agent decides how it generates.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from service.schemas import THREAD_ID_PATTERN

MODEL_ROUTES: dict[str, str] = {
    "ragtune": "auto",
    "ragtune-rag": "rag",
    "ragtune-adapter": "adapter",
    "ragtune-both": "both",
}
MODEL_DESCRIPTIONS = {
    "ragtune": "the agent chooses: documents, the domain adapter, both, or abstain",
    "ragtune-rag": "answer from the documents you may read, with citations",
    "ragtune-adapter": "answer with the domain adapter, without document lookup",
    "ragtune-both": "retrieved facts written by the domain adapter, with citations",
}


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: str
    text: str | None = None


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None
    name: str | None = None

    def text(self) -> str:
        """The message's text (text parts joined; other parts ignored)."""
        if self.content is None:
            return ""
        if isinstance(self.content, str):
            return self.content
        return "".join(p.text or "" for p in self.content if p.type == "text")


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")

    include_usage: bool = False


class ChatCompletionRequest(BaseModel):
    """``POST /v1/chat/completions``: the last user message is the question."""

    model_config = ConfigDict(extra="allow")

    model: str = Field(description="ragtune, ragtune-rag, ragtune-adapter or ragtune-both.")
    messages: list[ChatMessage] = Field(min_length=1, max_length=200)
    stream: bool = False
    stream_options: StreamOptions | None = None
    n: int = Field(default=1, ge=1, le=1, description="Only one choice is supported.")
    thread_id: str | None = Field(
        default=None,
        pattern=THREAD_ID_PATTERN,
        description="ragtune extension: continue this thread instead of matching the history.",
    )
    collection: str | None = Field(
        default=None,
        max_length=63,
        description="ragtune extension: the collection to search (the SDK's extra_body); "
        "unset: the configured default.",
    )
    user: str | None = Field(
        default=None, max_length=256, description="Your end user's id; recorded, not trusted."
    )


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "ragtune"
    description: str = ""


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


def usage(prompt: str, completion: str) -> dict[str, Any]:
    """Approximate token counts (words), for clients that expect a usage block."""
    p, c = len(prompt.split()), len(completion.split())
    return {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}
