"""The NLI judge: an entailment cross-encoder (MNLI-style or HHEM-style) loaded with transformers.

The model is a sequence-classification model read from a local directory (or a hub id when
downloads are allowed on purpose). Its labels decide the score:

- one output (HHEM-style consistency score): ``sigmoid(logit)``;
- several: the softmax probability of the entailment label, found in ``config.id2label`` by
  name ("entailment", "entail", "supported", "consistent"), or named by ``entailment_label``
  (a label name or an index) when the model only has generic names such as ``LABEL_1``.

A premise longer than the model's input is cut into windows of whole sentences; the sentence is
judged against each and the best window is the evidence (support from one window is support).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evals.citations import split_sentences, strip_markers
from evals.judges.protocol import BatchJudge, Judgement, Pair, as_premises
from ragtune.errors import ConfigError, ModelLoadError

SETTING_HINT = (
    "set RAGTUNE_NLI_MODEL (nli_model) to a local directory holding an NLI or HHEM-style "
    "sequence-classification model"
)
_ENTAILMENT_NAMES = ("entailment", "entail", "entailed", "supported", "consistent", "factual")


def resolve_model(model: str | None, *, allow_download: bool) -> str:
    """The path (or, when downloads are allowed, hub id) to load; a clear error otherwise."""
    if not model:
        raise ConfigError("The nli judge needs a model and none is configured", hint=SETTING_HINT)
    path = Path(model).expanduser()
    if path.is_dir():
        return str(path.resolve())
    if allow_download:
        return model
    raise ModelLoadError(
        f"NLI model {model!r} is not a local directory and downloads are off",
        hint=f"{SETTING_HINT}, or set RAGTUNE_ALLOW_MODEL_DOWNLOAD=true to fetch a hub id",
    )


def entailment_index(id2label: dict[int, str], configured: str | None) -> int | None:
    """Index of the entailment class; None for a single-output (sigmoid) model."""
    if len(id2label) == 1:
        return None
    if configured is not None:
        if configured.isdigit() and int(configured) in id2label:
            return int(configured)
        for index, label in id2label.items():
            if label.lower() == configured.lower():
                return int(index)
        raise ConfigError(
            f"NLI label {configured!r} is not one of the model's labels "
            f"{sorted(id2label.values())}",
            hint="set RAGTUNE_NLI_ENTAILMENT_LABEL (nli_entailment_label) to one of them or its "
            "index",
        )
    for index, label in id2label.items():
        if label.lower() in _ENTAILMENT_NAMES:
            return int(index)
    raise ConfigError(
        f"Cannot tell which of the NLI model's labels {sorted(id2label.values())} means entailment",
        hint="set RAGTUNE_NLI_ENTAILMENT_LABEL (nli_entailment_label) to that label or its index",
    )


class NliJudge(BatchJudge):
    """Cross-encoder entailment with sentence windows over long premises."""

    name = "nli"

    def __init__(
        self,
        model: str | None,
        *,
        threshold: float = 0.5,
        batch_size: int = 16,
        device: str = "cpu",
        entailment_label: str | None = None,
        max_length: int = 512,
        allow_download: bool = False,
    ) -> None:
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        source = resolve_model(model, allow_download=allow_download)
        try:
            self.tokenizer: Any = AutoTokenizer.from_pretrained(
                source, local_files_only=not allow_download
            )
            self.model: Any = AutoModelForSequenceClassification.from_pretrained(
                source, local_files_only=not allow_download
            )
        except (OSError, ValueError) as exc:
            raise ModelLoadError(
                f"Could not load NLI model {model!r}: {exc}", hint=SETTING_HINT
            ) from exc
        self.model.to(device).eval()
        self._torch = torch
        self.source = model or ""
        self.device = device
        self.threshold = threshold
        self.batch_size = batch_size
        id2label = {int(k): str(v) for k, v in self.model.config.id2label.items()}
        if self.model.config.num_labels != len(id2label):
            id2label = {i: f"LABEL_{i}" for i in range(self.model.config.num_labels)}
        self.entail = entailment_index(id2label, entailment_label)
        model_max = getattr(self.tokenizer, "model_max_length", max_length) or max_length
        self.max_length = min(max_length, int(model_max))

    @property
    def fingerprint(self) -> str:
        return f"nli:v1:{self.source}:e{self.entail}:t{self.threshold:.4f}"

    def windows(self, premises: Sequence[str], sentence: str) -> list[str]:
        """Premise text in windows of whole sentences that fit beside ``sentence``."""
        budget = self.max_length - len(self.tokenizer.encode(sentence)) - 4
        out: list[str] = []
        for passage in premises:
            current: list[str] = []
            used = 0
            for s in split_sentences(passage) or [passage]:
                n = len(self.tokenizer.encode(s, add_special_tokens=False))
                if current and used + n > budget:
                    out.append(" ".join(current))
                    current, used = [], 0
                current.append(s)
                used += n
            if current:
                out.append(" ".join(current))
        return out

    def _scores(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
        torch = self._torch
        scores: list[float] = []
        for start in range(0, len(pairs), self.batch_size):
            batch = pairs[start : start + self.batch_size]
            encoded = self.tokenizer(
                [p for p, _ in batch],
                [h for _, h in batch],
                truncation="only_first",
                max_length=self.max_length,
                padding=True,
                return_tensors="pt",
            ).to(self.device)
            with torch.inference_mode():
                logits = self.model(**encoded).logits.float()
            if self.entail is None:
                scores += torch.sigmoid(logits[:, 0]).tolist()
            else:
                scores += torch.softmax(logits, dim=-1)[:, self.entail].tolist()
        return scores

    def judge_many(self, pairs: Sequence[Pair]) -> list[Judgement]:
        flat: list[tuple[str, str]] = []
        owners: list[int] = []
        for n, (premises, sentence) in enumerate(pairs):
            claim = strip_markers(sentence)
            for window in self.windows(as_premises(premises), claim):
                flat.append((window, claim))
                owners.append(n)
        scores = self._scores(flat)
        best: list[tuple[float, str]] = [(0.0, "no premise text")] * len(pairs)
        for owner, (window, _), score in zip(owners, flat, scores, strict=True):
            if score > best[owner][0] or best[owner][1] == "no premise text":
                best[owner] = (score, window)
        return [
            Judgement(supported=score >= self.threshold, score=round(score, 4), evidence=window)
            for score, window in best
        ]
