"""The chat frontend (Chainlit), mounted at /chat by service/chat/mount.py.

Sign in with your user name and an API key as the password (``ragtune keys create``); every
message runs as that key's principal, looked up again on each message so a revoked key stops
working at once. Answers stream in, the route is shown above them, and each [n] in the text
opens the cited passage (source, section, page) in the side panel. Conversations persist per
user (service/chat/data_layer.py) and resume where they left off.
"""

from __future__ import annotations

from typing import Any

import chainlit as cl
from chainlit.types import ThreadDict
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers

from agent.answer import caveat
from indexes.chat_history import readable_chunks
from indexes.keys import get_key
from ragtune.answer_contract import AskResponse
from ragtune.errors import NotFoundError, RagtuneError
from ragtune.principal import Principal
from service import keys
from service.answering import answer_events, error_from_event
from service.chat.citations import citation_text
from service.chat.data_layer import RagtuneDataLayer
from service.chat.mount import chat_path, chat_state
from service.errors import UnauthorizedError

ROUTE_LABELS = {
    "rag": "documents",
    "adapter": "domain adapter",
    "both": "documents + domain adapter",
    "none": "no answer",
}


@cl.data_layer
def data_layer() -> RagtuneDataLayer:
    return RagtuneDataLayer(chat_state())


@cl.password_auth_callback
async def sign_in(username: str, password: str) -> cl.User | None:
    """The password is an API key; the user name must be the key's user."""
    state = chat_state()
    key = await run_in_threadpool(keys.authenticate, state.db, password.strip())
    if key is None or username.strip() != key.user:
        return None
    return cl.User(
        identifier=key.user,
        display_name=key.user,
        metadata={"key_id": key.id, "groups": list(key.groups), "provider": "api-key"},
    )


if chat_state().dev_principal is not None:

    @cl.header_auth_callback
    async def dev_sign_in(headers: Headers) -> cl.User | None:
        """Local dev mode only: everyone who opens the page is the dev user."""
        dev = chat_state().dev_principal
        if dev is None:
            return None
        return cl.User(identifier=dev.user, metadata={"dev": True, "groups": sorted(dev.groups)})


async def current_principal() -> Principal:
    """The signed-in user's principal now (a revoked key is refused)."""
    state = chat_state()
    user = cl.user_session.get("user")
    meta: dict[str, Any] = dict(getattr(user, "metadata", None) or {})
    if meta.get("dev") and state.dev_principal is not None:
        return state.dev_principal
    key_id = meta.get("key_id")
    if not key_id or user is None:
        raise UnauthorizedError("You are not signed in with an API key", hint="sign in again")
    try:
        key = await run_in_threadpool(get_key, state.db, str(key_id))
    except NotFoundError:
        key = None
    if key is None or key.revoked or key.user != user.identifier:
        raise UnauthorizedError("Your API key was revoked", hint="sign out and in with a new key")
    return key.principal


def citation_elements(citations: list[dict[str, Any]], quotes: dict[str, str]) -> list[cl.Text]:
    return [
        cl.Text(
            name=f"[{c['n']}]",
            content=citation_text(c, quotes.get(str(c.get("chunk_id")), c.get("quote", ""))),
            display="side",
        )
        for c in citations
        if str(c.get("chunk_id")) in quotes or c.get("quote")
    ]


def route_line(route: str, reason: str) -> str:
    label = ROUTE_LABELS.get(route, route)
    return f"*Route: {label}*" + (f" — {reason}" if reason else "") + "\n\n"


@cl.on_message
async def on_message(message: cl.Message) -> None:
    state = chat_state()
    try:
        principal = await current_principal()
    except RagtuneError as exc:
        await cl.ErrorMessage(content=f"{exc.message}. {exc.hint}").send()
        return
    reply = cl.Message(content="", author="ragtune")
    header = ""
    try:
        async for event in answer_events(
            state,
            message.content,
            principal,
            thread_id=cl.context.session.thread_id,
            route="auto",
        ):
            if event is None:
                continue
            if event.type == "route":
                header = route_line(str(event.data.get("route")), str(event.data.get("reason", "")))
                await reply.stream_token(header)
            elif event.type == "token":
                await reply.stream_token(str(event.data.get("text", "")))
            elif event.type == "error":
                raise error_from_event(event.data)
            elif event.type == "done":
                answer = event.data
                header = route_line(str(answer["route"]), str(answer.get("route_reason", "")))
                citations = list(answer.get("citations") or [])
                note = caveat(AskResponse.model_validate(answer))
                reply.content = header + str(answer.get("answer", ""))
                reply.content += f"\n\n*{note}*" if note else ""
                reply.elements = citation_elements(  # type: ignore[assignment]
                    citations, {str(c["chunk_id"]): str(c["quote"]) for c in citations}
                )
                reply.metadata = {
                    "route": answer["route"],
                    "thread_id": answer.get("thread_id"),
                    # Chunk ids only: the quoted text is read again, with the reader's
                    # current groups, when the conversation is resumed.
                    "citations": [
                        {k: c.get(k) for k in ("n", "source", "section", "page", "chunk_id")}
                        for c in citations
                    ],
                }
    except RagtuneError as exc:
        await cl.ErrorMessage(content=f"{exc.message}. {exc.hint}".strip()).send()
        return
    await reply.send()


@cl.on_chat_resume
async def on_chat_resume(thread: ThreadDict) -> None:
    """Re-attach each answer's citations, re-read with the user's current permissions.

    Chainlit sends the thread to the page right after this returns, so the citations are
    added to the thread itself (elements sent from here would be replaced by its list).
    """
    state = chat_state()
    try:
        principal = await current_principal()
    except RagtuneError as exc:
        await cl.ErrorMessage(content=f"{exc.message}. {exc.hint}").send()
        return
    elements = list(thread.get("elements") or [])
    for step in thread.get("steps", []):
        cited = list((step.get("metadata") or {}).get("citations") or [])
        if not cited:
            continue
        ids = [str(c["chunk_id"]) for c in cited]
        quotes = await run_in_threadpool(readable_chunks, state.db, principal, ids)
        for element in citation_elements(cited, quotes):
            element.for_id = str(step["id"])
            element.thread_id = thread["id"]
            stored = await cl.context.session.persist_file(
                name=element.name, mime="text/plain", content=str(element.content)
            )
            element.chainlit_key = stored["id"]
            element.mime = "text/plain"
            # A resumed thread's elements are shown as sent: they need their address.
            element.url = (
                f"{chat_path()}/project/file/{stored['id']}?session_id={cl.context.session.id}"
            )
            elements.append(element.to_dict())
    thread["elements"] = elements
