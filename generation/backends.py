"""Generator backends by the name used in configuration (``generator_backend``).

Adding a backend is one module implementing generation.generator.Generator plus one line in
``BACKENDS``. The factories read the settings object they are handed (built at the entry
point) and call library constructors that take plain arguments.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from generation.generator import GenerationParams, Generator
from ragtune.choices import choose
from ragtune.settings import Settings


def _local(settings: Settings, model: str, precision: str) -> Generator:
    from generation.local_backend import load_local_generator

    state_dir = settings.resolved_state_dir()
    return load_local_generator(
        model,
        state_dir=state_dir,
        precision=precision,
        device=settings.model_device,
        allow_download=settings.allow_model_download,
        adapters_dir=adapters_dir(settings),
        max_context_tokens=settings.max_context_tokens,
    )


def _openai(settings: Settings, model: str, precision: str) -> Generator:
    from generation.openai_backend import OpenAIGenerator

    return OpenAIGenerator(
        base_url=settings.openai_base_url or "",
        model=model,
        api_key=settings.openai_api_key,
        timeout_s=settings.request_timeout_s,
        max_retries=settings.max_retries,
    )


BACKENDS: dict[str, Callable[[Settings, str, str], Generator]] = {
    "local": _local,
    "openai": _openai,
}


def adapters_dir(settings: Settings) -> Path:
    """Where named adapters live: ``adapters_dir``, or ``<state_dir>/adapters``."""
    if settings.adapters_dir is not None:
        return settings.adapters_dir.expanduser().resolve()
    return settings.resolved_state_dir() / "adapters"


def create_generator(
    settings: Settings, *, model: str | None = None, precision: str | None = None
) -> Generator:
    """The configured backend's Generator for ``model`` (default: the ``model`` setting)."""
    factory = choose(
        BACKENDS,
        settings.generator_backend,
        what="generator backend",
        setting="RAGTUNE_GENERATOR_BACKEND",
    )
    return factory(settings, model or settings.model, precision or settings.model_precision)


def params_from_settings(settings: Settings, **overrides: object) -> GenerationParams:
    """Per-request defaults from the settings; keyword arguments override them."""
    values: dict[str, object] = {
        "max_new_tokens": settings.max_new_tokens,
        "temperature": settings.temperature,
        "top_p": settings.top_p,
        "overflow": settings.context_overflow,
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    return GenerationParams(**values)  # type: ignore[arg-type]
