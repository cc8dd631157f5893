"""The answer is shown a checked sentence at a time: unsupported text never appears."""

from __future__ import annotations

from assistant.answering.citations import CheckedStream, cite
from assistant.answering.question import Question
from assistant.schema import Evidence

QUESTION = "Where did Biden and Kishida meet a day before the G7 summit?"
QUOTE = "At their talks in Hiroshima a day before the Group of Seven summit opens"
EVIDENCE = [Evidence(source="002.txt", start=10, end=10 + len(QUOTE), text=QUOTE)]


def shown_while_writing(reply: str) -> tuple[list[str], str, CheckedStream]:
    stream = CheckedStream(Question.parse(QUESTION), EVIDENCE, EVIDENCE)
    pieces = [p for i in range(0, len(reply), 3) if (p := stream.feed(reply[i : i + 3]))]
    rest, checked = stream.end()
    return [*pieces, rest] if rest else pieces, checked.text, stream


def test_a_sentence_is_shown_once_finished_and_supported() -> None:
    reply = "They met in Hiroshima [1]. The capital of Japan is Osaka [1]. It was in Hiroshima."
    pieces, final, stream = shown_while_writing(reply)
    assert pieces[0] == "They met in Hiroshima [1]."  # before the model wrote the rest
    assert "Osaka" not in "".join(pieces) and "Osaka" not in final
    assert "".join(pieces) == final == "They met in Hiroshima [1]. It was in Hiroshima [1]."
    assert stream.raw == reply


def test_the_answer_is_the_same_as_checking_the_whole_reply() -> None:
    for reply in (
        "They met in Hiroshima [2][0].",
        "The articles don't say.",
        "We will move the capital to Osaka next week [1].",
        "Hiroshima",
    ):
        pieces, final, _ = shown_while_writing(reply)
        assert final == cite(reply, Question.parse(QUESTION), EVIDENCE, EVIDENCE).text
        assert "".join(pieces) == final


def test_nothing_unchecked_is_shown_before_a_late_refusal() -> None:
    pieces, final, _ = shown_while_writing("Osaka is the capital. The sentences do not say.")
    assert final.startswith("“At their talks in Hiroshima") and final.endswith("[1]")
    assert "Osaka" not in "".join(pieces)
