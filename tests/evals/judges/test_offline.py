"""The offline judge: each kind of hallucination fails, paraphrases pass, and the held-out
accuracy the issue demands holds."""

from __future__ import annotations

import pytest

from evals.judges.calibration import (
    balanced_accuracy,
    best_threshold,
    fitting_pairs,
    load_calibration,
)
from evals.judges.offline import DEFAULT_THRESHOLD, OfflineJudge
from evals.judges.overlap import OverlapJudge
from indexes.embeddings import Embedder
from tests.conftest import SAMPLE_CORPUS

PREMISE = (
    "E-701 Safety controller fault. Severity: Service. Do not reset E-701 more than twice in "
    "24 hours. Put the robot in Safety Hold in Tessel and open a support case at priority P2 or "
    "higher. The robot must be inspected by Quillmark field service or a Level 2 technician "
    "before it returns to work."
)


@pytest.mark.parametrize(
    ("sentence", "supported"),
    [
        ("Do not reset E-701 more than twice in 24 hours.", True),
        ("E-701 should not be reset more than two times within 24 hours.", True),
        ("An E-701 support case needs priority P2 or higher.", True),
        ("E-701 may be reset up to five times in 24 hours.", False),  # changed number
        ("Open a support case at priority P3 for E-701.", False),  # swapped code
        ("A Level 1 operator may return the robot to work after an E-701.", False),  # entity
        ("E-701 is a Warning-severity fault.", False),  # entity
        ("Reset E-701 more than twice in 24 hours.", False),  # negation dropped
        (
            "Do not reset E-701 more than twice in 24 hours, and always replace the lidar.",
            False,
        ),  # added claim
    ],
)
def test_verdicts(offline_judge: OfflineJudge, sentence: str, supported: bool) -> None:
    judgement = offline_judge.judge(PREMISE, sentence)
    assert judgement.supported is supported, judgement
    assert 0.0 <= judgement.score <= 1.0


@pytest.mark.parametrize(
    ("premise", "sentence", "supported"),
    [
        # A noun phrase in the place of the evidence's.
        (
            "Visitors must wear a high-visibility vest and safety footwear on the floor.",
            "Visitors must wear a hard hat on the floor.",
            False,
        ),
        # An elliptical clause negates the verb of the clause before it.
        (
            "Remote employees receive an allowance of $40 per month; hybrid employees do not.",
            "Hybrid employees receive an allowance of $40 per month.",
            False,
        ),
        (
            "Remote employees receive an allowance of $40 per month; hybrid employees do not.",
            "Remote employees get $40 a month as an allowance.",
            True,
        ),
        # "Only" restricts; "not ... unless" and "only ... if" say the same.
        (
            "The robot raises E-214 when the front or rear lidar is blocked.",
            "Only the front lidar can make the robot raise E-214.",
            False,
        ),
        (
            "Claims older than 90 days are not reimbursed unless the CFO approves an exception.",
            "Claims older than 90 days are only reimbursed if the CFO approves an exception.",
            True,
        ),
        (
            "Claims older than 90 days are not reimbursed unless the CFO approves an exception.",
            "Claims older than 90 days are never reimbursed.",
            False,
        ),
        # A negated opposite says the same, unless the opposite is the negation itself.
        ("The plan does not include dental cover.", "The plan excludes dental cover.", True),
        ("Visitors must always be escorted.", "Visitors never need to be escorted.", False),
        # A relative clause ends where the main verb comes: its negation is the sentence's.
        (
            "Staff who join after March 3 are not eligible for this year's bonus.",
            "Staff who join after March 3 can still get this year's bonus.",
            False,
        ),
        (
            "Staff who join after March 3 are not eligible for this year's bonus.",
            "Staff who join after March 3 cannot get this year's bonus.",
            True,
        ),
        # A verb after "to" is reworded freely, like any verb ("to sign up" for "to enroll").
        (
            "If you miss this deadline, you must wait until Open Season to enroll for the "
            "following calendar year.",
            "If you miss the deadline, you have to wait until Open Season to sign up for the "
            "following calendar year.",
            True,
        ),
        # "X, so Y" is two claims, each read against the clause that states it.
        (
            "Until the badge is printed, you will not be able to enter the lab. "
            "Ask the front desk to escort you to the lab until your badge is printed.",
            "You can't get into the lab until your badge is printed, so ask the front desk "
            "to escort you there.",
            True,
        ),
    ],
)
def test_phrases_polarity_and_restrictions(
    offline_judge: OfflineJudge, premise: str, sentence: str, supported: bool
) -> None:
    assert offline_judge.judge(premise, sentence).supported is supported


@pytest.mark.parametrize(
    ("premise", "sentence", "supported"),
    [
        (
            "Managers can approve short trips and should document their approval.",
            "Managers can approve short trips without documenting the approval.",
            False,
        ),
        (
            "All unused donated hours are returned to the colleagues who gave them.",
            "Donated hours you do not use go back to the colleagues who gave them.",
            True,
        ),
        (
            "The help desk answers within two business days and works 8 hours every day.",
            "The help desk answers within 20 working hours.",
            False,
        ),
        (
            # Two days of eight hours: a total the premise implies.
            "The help desk answers within two business days and works 8 hours every day.",
            "The help desk answers within 16 working hours.",
            True,
        ),
        # A number the claim calls a total may add up the premise's numbers in its units.
        (
            "Setup takes 3 days for hardware and 2 days for accounts.",
            "Setup takes 5 days in total: 3 for hardware and 2 for accounts.",
            True,
        ),
        (
            "Setup takes 3 days for hardware and 2 days for accounts.",
            "Setup takes 6 days in total: 3 for hardware and 2 for accounts.",
            False,
        ),
        # ... and only then: a number that happens to be a sum is still a changed number.
        (
            "Setup takes 3 days for hardware and 2 days for accounts.",
            "Setup takes 5 days for hardware.",
            False,
        ),
    ],
)
def test_negation_by_prefix_and_without(
    offline_judge: OfflineJudge, premise: str, sentence: str, supported: bool
) -> None:
    assert offline_judge.judge(premise, sentence).supported is supported


def test_unsupported_evidence_says_why(offline_judge: OfflineJudge) -> None:
    judgement = offline_judge.judge(PREMISE, "E-701 may be reset up to five times in 24 hours.")
    assert "not supported" in judgement.evidence and "5" in judgement.evidence


def test_supported_evidence_is_premise_text(offline_judge: OfflineJudge) -> None:
    judgement = offline_judge.judge(PREMISE, "An E-701 support case needs priority P2 or higher.")
    assert judgement.evidence in PREMISE


def test_several_passages_are_read_together(offline_judge: OfflineJudge) -> None:
    passages = ["Gifts up to $75 need no approval.", "The international per diem is $90 per day."]
    assert offline_judge.judge(passages, "The international per diem is $90 per day.").supported
    assert not offline_judge.judge(
        passages[:1], "The international per diem is $90 per day."
    ).supported


def test_no_premise_is_never_support(offline_judge: OfflineJudge) -> None:
    judgement = offline_judge.judge([], "The per diem is $90.")
    assert not judgement.supported and judgement.score == 0.0


def test_deterministic(offline_judge: OfflineJudge) -> None:
    pairs = [(PREMISE, "E-701 should not be reset more than two times within 24 hours.")] * 2
    first = offline_judge.judge_many(pairs)
    assert first == offline_judge.judge_many(list(reversed(pairs)))


def test_a_continuing_clause_must_be_stated_near_its_first_part(
    offline_judge: OfflineJudge,
) -> None:
    manual = (SAMPLE_CORPUS / "public/manuals/stacker-s4-operator-manual.md").read_text()
    wait = "The robot waits up to 120 seconds for the Release button, then raises"
    assert offline_judge.judge(manual, f"{wait} E-340.").supported
    # E-322 is in the manual, but in another section about pallet confidence.
    assert not offline_judge.judge(manual, f"{wait} E-322.").supported


def test_names_from_far_away_in_a_long_document_are_not_context(
    offline_judge: OfflineJudge,
) -> None:
    manual = (SAMPLE_CORPUS / "public/manuals/stacker-s4-operator-manual.md").read_text()
    assert not offline_judge.judge(manual, "Robots enter a handoff zone at E-214 speed.").supported


@pytest.fixture(scope="module")
def calibration_scores(offline_judge: OfflineJudge) -> dict[str, tuple[list[float], list[bool]]]:
    out = {}
    for split in ("calibration", "heldout"):
        pairs = load_calibration(split=split)
        aligned = offline_judge.align_many([(p.premise, p.sentence) for p in pairs])
        out[split] = ([offline_judge.score(a) for a in aligned], [p.supported for p in pairs])
    return out


@pytest.mark.slow
def test_heldout_balanced_accuracy_is_at_least_0_9(
    calibration_scores: dict[str, tuple[list[float], list[bool]]],
) -> None:
    scores, labels = calibration_scores["heldout"]
    accuracy = balanced_accuracy(labels, [s >= DEFAULT_THRESHOLD for s in scores])
    assert accuracy >= 0.9, f"held-out balanced accuracy {accuracy:.3f}"


@pytest.mark.slow
def test_threshold_is_the_one_the_calibration_split_gives(torch_embedder: Embedder) -> None:
    # Fitted with the reference (torch) vectors: the default ONNX int8 vectors move with their
    # batch companions (cosine > 0.98), enough to shift the best cut between near-equal ones
    # (0.615 or 0.631) with the order tests embed texts in; the held-out tests above hold the
    # default embedder to the shipped threshold.
    judge = OfflineJudge(torch_embedder)
    pairs = fitting_pairs()
    aligned = judge.align_many([(p.premise, p.sentence) for p in pairs])
    scores, labels = [judge.score(a) for a in aligned], [p.supported for p in pairs]
    assert best_threshold(scores, labels) == pytest.approx(DEFAULT_THRESHOLD, abs=1e-3)


@pytest.mark.slow
def test_it_beats_the_overlap_baseline_on_heldout(
    calibration_scores: dict[str, tuple[list[float], list[bool]]],
) -> None:
    pairs = load_calibration(split="heldout")
    baseline = OverlapJudge().judge_many([(p.premise, p.sentence) for p in pairs])
    labels = [p.supported for p in pairs]
    scores, _ = calibration_scores["heldout"]
    ours = balanced_accuracy(labels, [s >= DEFAULT_THRESHOLD for s in scores])
    theirs = balanced_accuracy(labels, [j.supported for j in baseline])
    assert ours > theirs + 0.1


NEWSLETTERS = (
    "Staff can post to these newsletters:\n\n- the Weekly Digest\n- Field Notes\n"
    "- the Lab Letter\n\nAsk your editor before you post."
)


@pytest.mark.parametrize(
    ("sentence", "supported"),
    [
        ("Staff can post to three newsletters.", True),
        (
            "Staff can post to these newsletters: the Weekly Digest; Field Notes; the Lab Letter "
            "(3 in all).",
            True,
        ),
        ("Staff can post to four newsletters.", False),
        (
            "Staff can post to these newsletters: the Weekly Digest; Field Notes; the Lab Letter "
            "(4 in all).",
            False,
        ),
        ("Ask your editor three times before you post.", False),
    ],
)
def test_a_list_states_how_many_items_it_has(
    offline_judge: OfflineJudge, sentence: str, supported: bool
) -> None:
    assert offline_judge.judge(NEWSLETTERS, sentence).supported is supported
