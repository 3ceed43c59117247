"""check_answer: the library behind `ragtune eval check`."""

from __future__ import annotations

import pytest

from evals.check import AnswerCheck, check_answer
from evals.judges.offline import OfflineJudge
from ragtune.errors import InputError

CONTEXT = (
    "Meals while travelling are covered by a daily per diem. The domestic per diem is $65 per "
    "day and the international per diem is $90 per day. On the first and last day of a trip you "
    "receive 75% of the per diem."
)


def test_every_sentence_is_judged_and_the_weakest_decides(offline_judge: OfflineJudge) -> None:
    result = check_answer(
        offline_judge,
        [CONTEXT],
        "The international per diem is $90 per day [1]. On the first day you receive 50% of it.",
    )
    assert isinstance(result, AnswerCheck)
    assert [s.supported for s in result.sentences] == [True, False]
    assert result.sentences[0].text == "The international per diem is $90 per day [1]."
    assert not result.supported
    assert result.score == min(s.score for s in result.sentences)
    assert "50" in result.sentences[1].evidence


def test_the_json_shape_is_pinned(offline_judge: OfflineJudge) -> None:
    data = check_answer(
        offline_judge, [CONTEXT], "The domestic per diem is $65 per day."
    ).model_dump()
    assert list(data) == ["supported", "score", "sentences"]
    assert list(data["sentences"][0]) == ["text", "supported", "score", "evidence"]
    assert data["supported"] is True and isinstance(data["score"], float)


@pytest.mark.parametrize(("context", "answer"), [([" "], "Fine."), ([CONTEXT], "  ")])
def test_empty_context_or_answer_is_an_input_error(
    offline_judge: OfflineJudge, context: list[str], answer: str
) -> None:
    with pytest.raises(InputError):
        check_answer(offline_judge, context, answer)
