"""When two texts count as the same: normalisation, the guards on similarity, MinHash."""

from __future__ import annotations

from indexes.embeddings import Embedder
from training.data.similarity import (
    MinHasher,
    answers_agree,
    key_tokens,
    negated,
    normalise,
    question_form,
    same_question,
    similar_pairs,
    text_hash,
)


def test_normalised_hash_ignores_case_punctuation_and_spacing() -> None:
    assert normalise("  What is a DARK robot?? ") == "what is a dark robot"
    assert text_hash("What is a dark robot?") == text_hash("what is a  dark robot")
    assert text_hash("What is a dark robot?") != text_hash("What is a soft stop?")


def test_key_tokens_keep_codes_models_and_numbers_apart() -> None:
    assert key_tokens("Does E-214 stop a Stacker S6-C at 15%?") == {"e-214", "s6-c", "15"}
    assert not same_question("What does E-214 mean?", "What does E-219 mean?")


def test_question_form_separates_what_is_asked() -> None:
    assert question_form("When is a PIP used?") == "when"
    assert question_form("In which state is the map?") == "what"
    assert question_form("How often are buttons tested?") == "how often"
    assert question_form("Define hypercare.") is None
    assert not same_question("When is a PIP used?", "What does a PIP contain?")
    assert not same_question("How long is hypercare?", "How often is hypercare?")
    assert same_question("What is a dark robot?", "Define dark robot.")


def test_answers_agree_needs_same_numbers_and_polarity() -> None:
    a = "The faulty part must be returned within 15 days."
    assert answers_agree(a, "the faulty part must be returned within 15 days", 0.5, 0.85)
    assert not answers_agree(a, "The faulty part must be returned within 30 days.", 0.97, 0.85)
    assert negated("Robots must not enter.") and not negated("Robots must enter.")
    assert not answers_agree("Robots must enter.", "Robots must not enter.", 0.95, 0.85)
    assert answers_agree("Robots stop.", "The robots stop.", 0.9, 0.85)


def test_embedding_similarity_finds_paraphrases(embedder: Embedder) -> None:
    texts = [
        "What is a dark robot?",
        "What is a handoff zone?",
        "What does the term dark robot mean?",
    ]
    vectors = embedder.embed(texts)
    assert [(i, j) for i, j, _ in similar_pairs(vectors, vectors, 0.9, same=True)] == [(2, 0)]


def test_minhash_is_deterministic_and_finds_near_copies() -> None:
    texts = [
        "How are dead-on-arrival items replaced?",
        "How often are emergency stop buttons tested?",
        "How are dead on arrival items replaced ?",
        "How are dead-on-arrival items being replaced?",
    ]
    first = MinHasher().similar_pairs(texts, 0.6)
    assert first == MinHasher().similar_pairs(texts, 0.6)
    assert {(i, j) for i, j, _ in first} == {(2, 0), (3, 0), (3, 2)}
    sig = MinHasher().signature
    unrelated = (sig(texts[0]) == sig(texts[1])).mean()
    assert unrelated < 0.2
