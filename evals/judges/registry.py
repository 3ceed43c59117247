"""The judge registry: configured name -> factory. Adding a judge is one module plus one line."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from evals.judges.cache import CachedJudge, JudgementCache
from evals.judges.protocol import Judge
from ragtune.choices import choose
from ragtune.errors import ConfigError

if TYPE_CHECKING:
    from evals.judges.llm import Generator
    from indexes.embeddings import Embedder
    from ragtune.settings import Settings


@dataclass(frozen=True)
class JudgeOptions:
    """What the judges may need; each factory reads its own fields."""

    threshold: float | None = None  # None: the judge's calibrated default
    embedder: Embedder | None = None  # offline: None loads the bundled MiniLM
    nli_model: str | None = None
    nli_entailment_label: str | None = None
    batch_size: int = 16
    device: str = "cpu"
    allow_download: bool = False
    generator: Generator | None = None  # llm
    generator_model: str = "unknown"


def _offline(options: JudgeOptions) -> Judge:
    from evals.judges.offline import DEFAULT_THRESHOLD, OfflineJudge
    from indexes.embeddings import load_embedder
    from ragtune.settings import BUNDLED_EMBED_MODEL

    embedder = options.embedder or load_embedder(BUNDLED_EMBED_MODEL)
    if embedder.name != BUNDLED_EMBED_MODEL:
        raise ConfigError(
            f"The offline judge is calibrated for {BUNDLED_EMBED_MODEL}, not {embedder.name}",
            hint="pass the bundled embedder, or recalibrate (python -m evals.judges.calibration)",
        )
    threshold = DEFAULT_THRESHOLD if options.threshold is None else options.threshold
    return OfflineJudge(embedder, threshold=threshold)


def _overlap(options: JudgeOptions) -> Judge:
    from evals.judges.overlap import DEFAULT_THRESHOLD, OverlapJudge

    threshold = DEFAULT_THRESHOLD if options.threshold is None else options.threshold
    return OverlapJudge(threshold=threshold)


def _nli(options: JudgeOptions) -> Judge:
    from evals.judges.nli import NliJudge

    return NliJudge(
        options.nli_model,
        threshold=0.5 if options.threshold is None else options.threshold,
        batch_size=options.batch_size,
        device=options.device,
        entailment_label=options.nli_entailment_label,
        allow_download=options.allow_download,
    )


def _llm(options: JudgeOptions) -> Judge:
    from evals.judges.llm import LlmJudge

    if options.generator is None:
        raise ConfigError(
            "The llm judge needs a generator and none was given",
            hint="run it where the model runtime is available, or choose --judge offline or nli",
        )
    return LlmJudge(options.generator, model=options.generator_model)


JudgeFactory = Callable[[JudgeOptions], Judge]

REGISTRY: dict[str, JudgeFactory] = {
    "offline": _offline,
    "nli": _nli,
    "llm": _llm,
    "overlap": _overlap,
}


def build_judge(
    name: str, options: JudgeOptions | None = None, *, cache: JudgementCache | None = None
) -> Judge:
    """The judge called ``name``, wrapped in ``cache`` (a fresh in-memory one by default)."""
    factory = choose(REGISTRY, name, what="judge", setting="RAGTUNE_JUDGE (or --judge)")
    judge = factory(options or JudgeOptions())
    return CachedJudge(judge, cache if cache is not None else JudgementCache())


def judge_from_settings(
    settings: Settings,
    name: str | None = None,
    *,
    embedder: Embedder | None = None,
    generator: Generator | None = None,
) -> Judge:
    """Build the configured judge (or ``name``) at an entry point, with its cache."""
    chosen = name or settings.judge
    if chosen == "llm" and generator is None:
        # The same model runtime the agent and training use, from the same settings.
        from generation.backends import create_generator

        generator = create_generator(settings)
    options = JudgeOptions(
        threshold=settings.judge_threshold,
        embedder=embedder,
        nli_model=settings.nli_model,
        nli_entailment_label=settings.nli_entailment_label,
        batch_size=settings.judge_batch_size,
        device=settings.embed_device,
        allow_download=settings.allow_model_download,
        generator=generator,
        generator_model=settings.model,
    )
    cache = JudgementCache(directory=settings.judge_cache_dir)
    return build_judge(chosen, options, cache=cache)
