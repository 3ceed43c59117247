"""The local Generator: transformers + peft in this process, streaming from a worker thread.

One loaded base serves every request; each request names its adapter (or none) and holds the
model for its duration (see AdapterSet.use). ``generate`` runs ``model.generate`` in a thread
that feeds a queue through a streamer; the same code path serves whole replies, sync streams
and async streams, so their text and counts agree.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from generation.adapters import AdapterSet
from generation.base_models import LoadedModel, load_model
from generation.context_window import FittedPrompt, fit_context
from generation.generator import ChatMessage, GenerationParams, Messages, as_messages
from generation.likelihood import question_likelihoods
from generation.result import GenerationResult, Timer
from generation.streaming import (
    AsyncGenerationStream,
    GenerationStream,
    StopTrimmer,
    StreamControl,
    collect,
)
from ragtune.errors import ModelLoadError

# End-of-turn tokens of the chat formats we know (ChatML, Phi-3, Llama 3). Each counts as an
# end only if the tokenizer has it as a token: Phi-3 ends a turn with <|end|> while its
# tokenizer's eos is <|endoftext|>, and stopping only at eos would run past the turn.
END_OF_TURN = ("<|im_end|>", "<|end|>", "<|eot_id|>", "<|endoftext|>")
_END = object()


def end_token_ids(model: Any, tokenizer: Any) -> list[int]:
    """Every token id that ends the assistant's turn for this model."""
    ids: set[int] = set()
    configured = getattr(model.generation_config, "eos_token_id", None)
    if isinstance(configured, int):
        ids.add(configured)
    elif configured:
        ids.update(int(i) for i in configured)
    if tokenizer.eos_token_id is not None:
        ids.add(int(tokenizer.eos_token_id))
    vocab = tokenizer.get_vocab()
    ids.update(vocab[token] for token in END_OF_TURN if token in vocab)
    return sorted(ids)


class _Streamer:
    """A transformers streamer: counts tokens, timestamps the first, decodes incrementally,
    cuts stop strings, and queues text pieces."""

    def __init__(self, tokenizer: Any, trimmer: StopTrimmer, out: queue.Queue[Any], timer: Timer):
        self.tokenizer = tokenizer
        self.trimmer = trimmer
        self.out = out
        self.timer = timer
        self.ids: list[int] = []
        self.emitted = 0
        self.prompt_seen = False
        self.ended = False
        self.parts: list[str] = []

    def _emit(self, text: str) -> None:
        if text:
            self.parts.append(text)
            self.out.put(text)

    def put(self, value: Any) -> None:
        if not self.prompt_seen:  # generate() hands the prompt over first
            self.prompt_seen = True
            return
        self.timer.first_token()
        self.ids.extend(int(t) for t in value.reshape(-1).tolist())
        text = self.tokenizer.decode(self.ids, skip_special_tokens=True)
        if text.endswith("\ufffd"):  # a multi-byte character is still incomplete
            return
        new, self.emitted = text[self.emitted :], len(text)
        self._emit(self.trimmer.feed(new))

    def end(self) -> None:
        if self.ended:
            return
        self.ended = True
        text = self.tokenizer.decode(self.ids, skip_special_tokens=True)
        self._emit(self.trimmer.feed(text[self.emitted :]))
        self._emit(self.trimmer.flush())


def _halt_criteria(control: StreamControl, trimmer: StopTrimmer) -> Any:
    import torch
    from transformers import StoppingCriteria, StoppingCriteriaList

    class Halt(StoppingCriteria):
        """Stop on cancellation or once a stop string has appeared."""

        def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
            done = control.cancelled or trimmer.hit
            return torch.full(
                (input_ids.shape[0],), done, dtype=torch.bool, device=input_ids.device
            )

    return StoppingCriteriaList([Halt()])


@dataclass
class _Run:
    """One generation: the worker thread's queue of pieces (then _END) and its result."""

    pieces: queue.Queue[Any] = field(default_factory=queue.Queue)
    thread: threading.Thread | None = None
    result: GenerationResult | None = None

    def alive(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    def join(self) -> None:
        if self.thread is not None:
            self.thread.join()


class LocalGenerator:
    """Generator over a base loaded in this process, with its LoRA adapters."""

    backend = "local"

    def __init__(
        self,
        base: LoadedModel,
        *,
        adapters_dir: Path | None = None,
        max_context_tokens: int | None = None,
    ) -> None:
        if not getattr(base.tokenizer, "chat_template", None):
            raise ModelLoadError(
                f"Model {base.name!r} has no chat template, so chat messages cannot be rendered",
                hint="use an instruct/chat model for RAGTUNE_MODEL",
            )
        self.base = base
        self.name = base.name
        self.adapters = AdapterSet(base, adapters_dir)
        self.window = min(base.context_window, max_context_tokens or base.context_window)
        self.eos_ids = end_token_ids(base.model, base.tokenizer)
        tokenizer = base.tokenizer
        self.pad_id = (
            tokenizer.pad_token_id if tokenizer.pad_token_id is not None else self.eos_ids[0]
        )

    def question_likelihoods(self, question: str, passages: Sequence[str]) -> list[float]:
        """Mean log-probability of ``question`` after each passage (generation/likelihood.py),
        read by the bare base: every question is scored alike, whatever adapter a request
        uses, and a generation with an adapter waits rather than losing it mid-reply."""
        with self.adapters.use(None) as model:
            return question_likelihoods(model, self.base.tokenizer, question, passages)

    def render(self, messages: list[ChatMessage]) -> list[int]:
        """Token ids of the chat, in the model's own template, ready for the reply."""
        return list(
            self.base.tokenizer.apply_chat_template(
                [m.model_dump() for m in messages],
                add_generation_prompt=True,
                tokenize=True,
                return_dict=False,
            )
        )

    def prompt_text(self, messages: Messages) -> str:
        """The rendered prompt as text (to see what the template does)."""
        return str(
            self.base.tokenizer.apply_chat_template(
                [m.model_dump() for m in as_messages(messages)],
                add_generation_prompt=True,
                tokenize=False,
            )
        )

    def _prepare(self, messages: Messages, params: GenerationParams) -> FittedPrompt:
        tokenizer = self.base.tokenizer
        if params.adapter is not None:
            self.adapters.load(params.adapter)  # refusals surface before streaming starts
        return fit_context(
            as_messages(messages),
            window=self.window,
            max_new_tokens=params.max_new_tokens,
            render=self.render,
            encode=lambda text: tokenizer.encode(text, add_special_tokens=False),
            decode=lambda ids: tokenizer.decode(ids, skip_special_tokens=False),
            overflow=params.overflow,
        )

    def _start(
        self, prompt: FittedPrompt, params: GenerationParams, control: StreamControl
    ) -> _Run:
        run = _Run()
        run.thread = threading.Thread(
            target=self._work, args=(run, prompt, params, control), daemon=True, name="generate"
        )
        run.thread.start()
        return run

    def _work(
        self, run: _Run, prompt: FittedPrompt, params: GenerationParams, control: StreamControl
    ) -> None:
        import torch
        from transformers import GenerationConfig

        timer = Timer()
        trimmer = StopTrimmer(params.stop)
        streamer = _Streamer(self.base.tokenizer, trimmer, run.pieces, timer)
        sampling: dict[str, Any] = (
            {
                "do_sample": True,
                "temperature": params.temperature,
                "top_p": params.top_p,
                "top_k": 0,
            }
            if params.sampling
            else {"do_sample": False}
        )
        config = GenerationConfig(
            max_new_tokens=params.max_new_tokens,
            eos_token_id=self.eos_ids,
            pad_token_id=self.pad_id,
            **sampling,
        )
        device = self.base.model.device
        input_ids = torch.tensor([prompt.ids], dtype=torch.long, device=device)
        try:
            with self.adapters.use(params.adapter) as model, torch.inference_mode():
                if params.seed is not None:
                    torch.manual_seed(params.seed)
                model.generate(
                    input_ids=input_ids,
                    attention_mask=torch.ones_like(input_ids),
                    generation_config=config,
                    streamer=streamer,
                    stopping_criteria=_halt_criteria(control, trimmer),
                )
        except Exception as exc:  # noqa: BLE001 - handed to the consumer, which re-raises it
            run.pieces.put(exc)
        finally:
            streamer.end()
            timer.end()
            n = len(streamer.ids)
            if trimmer.hit or (streamer.ids and streamer.ids[-1] in self.eos_ids):
                finish = "stop"
            elif control.cancelled:
                finish = "cancelled"
            else:
                finish = "length" if n >= params.max_new_tokens else "stop"
            ttft, rate, total = timer.figures(n)
            run.result = GenerationResult(
                text="".join(streamer.parts),
                model=self.name,
                adapter=params.adapter,
                prompt_tokens=len(prompt.ids),
                completion_tokens=n,
                ttft_ms=ttft,
                tokens_per_s=rate,
                finish_reason=finish,  # type: ignore[arg-type]
                truncated_tokens=prompt.truncated_tokens,
                total_ms=total,
            )
            run.pieces.put(_END)

    def _produce(
        self, prompt: FittedPrompt, params: GenerationParams, control: StreamControl
    ) -> Iterator[str]:
        run = self._start(prompt, params, control)
        try:
            while True:
                item = run.pieces.get()
                if item is _END:
                    break
                if isinstance(item, Exception):
                    raise item
                yield item
        finally:
            if run.alive():
                control.cancel()
            run.join()
            control.result = run.result

    async def _aproduce(
        self, prompt: FittedPrompt, params: GenerationParams, control: StreamControl
    ) -> AsyncIterator[str]:
        run = self._start(prompt, params, control)
        try:
            while True:
                # A getter left waiting by a cancelled task still ends: the worker always
                # queues _END.
                item = await asyncio.to_thread(run.pieces.get)
                if item is _END:
                    break
                if isinstance(item, Exception):
                    raise item
                yield item
        finally:
            if run.alive():
                control.cancel()
            await asyncio.to_thread(run.join)
            control.result = run.result

    def stream(
        self, messages: Messages, params: GenerationParams | None = None
    ) -> GenerationStream:
        params = params or GenerationParams()
        prompt = self._prepare(messages, params)
        return GenerationStream(lambda control: self._produce(prompt, params, control))

    def astream(
        self, messages: Messages, params: GenerationParams | None = None
    ) -> AsyncGenerationStream:
        params = params or GenerationParams()
        prompt = self._prepare(messages, params)
        return AsyncGenerationStream(lambda control: self._aproduce(prompt, params, control))

    def generate(
        self, messages: Messages, params: GenerationParams | None = None
    ) -> GenerationResult:
        return collect(self.stream(messages, params))

    def close(self) -> None:
        """Nothing to release eagerly: the model is freed with the last reference."""


@lru_cache(maxsize=2)
def load_local_generator(
    name: str,
    *,
    state_dir: Path,
    precision: str = "fp32",
    device: str = "cpu",
    allow_download: bool = False,
    adapters_dir: Path | None = None,
    max_context_tokens: int | None = None,
) -> LocalGenerator:
    """Load (once per process and configuration) a base model and wrap it as a Generator, so
    the agent's tools and the eval judges share one copy in memory."""
    base = load_model(
        name, state_dir=state_dir, precision=precision, device=device, allow_download=allow_download
    )
    return LocalGenerator(base, adapters_dir=adapters_dir, max_context_tokens=max_context_tokens)
