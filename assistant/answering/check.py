"""Check the answer against the question and its quote: the last word before it is shown.

Why: the citation check (`citations.py`) makes sure each claim's new names and
numbers are inside the quote it cites. It cannot see what the sentence *says*
about them: "The minister of economy, trade and industry is Fumio Kishida [1]"
passes on a sentence that names Prime Minister Kishida beside "export
controls", every word of the claim being in the question or the quote. Nor can
it see that a "how much" question got a sentence without an amount. So the
cited answer is checked once more, by code and by the model's scores:

- *kind*: the answer must hold what the question asks for: a date for "when",
  an amount for "how much" that the question does not already give, a number
  for "how many" (`decision.answer_type_found`, on the claim itself); and for
  a question that asks for a person, an organization or a place
  (`kinds.asked_kinds`), a name of that kind which its quote holds and the
  question does not (spaCy's tagger on the quote: `kinds.of_kinds`).
- *role*: the quote may name several of that kind ("Defence Secretary Lloyd
  Austin ... Defence Minister Yasukazu Hamada"), and the claim may pick the
  wrong one. The model is shown the cited sentence's names of the asked kind as
  numbered options (and 0, "none of them") after the selection prompt (its
  sentences and the question are already in llama.cpp's cache: about 40 new
  tokens) and its next-token probabilities over "0".."N" are read. The claim is
  kept when its name is the likeliest option. A choice among the sentence's own
  names is what the small model separates; asked yes/no whether the sentence
  states the claim (the `check` prompt, `check_threshold`), it gave 0.61-0.67
  to wrong answers and 0.41-0.98 to right ones on the eval (2026-12-03), so that
  read is off by default; with a stronger model behind the openai backend, set it.

What happens to an answer (`Check.outcome`): `kept`; `re-pointed` (its sentence
does not state it, another chosen sentence does: the citation moves there);
`quoted` (the answer is the chosen sentence itself, quoted: the citation step
made it so, which the selector chose and the decider judged, or the role read
named another of the sentence's names than the claim did, and the sentence that
holds it is quoted instead of the claim); `abstained` ("The articles don't
say.": the answer lacks what was asked, or the model says its sentence does not
answer). A claim that fails is never let through.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from assistant.answering.citations import MARKER, CheckedAnswer, citation, supports
from assistant.answering.decision import answer_type_found
from assistant.answering.evidence import with_dates
from assistant.answering.figures import figures, values_in
from assistant.answering.kinds import asked_kinds, asks_several, mentions, of_kinds
from assistant.answering.phrasing import spoken
from assistant.answering.question import Question
from assistant.answering.selection import Selection
from assistant.answering.terms import fold
from assistant.lexicon import NUMBER_WORDS
from assistant.llm import ChatModel
from assistant.llm.prompts import Prompt
from assistant.schema import Check, Citation, Evidence, Message, Usage

YES, NO = "yes", "no"
LACKS = "the answer lacks what the question asks for"
NO_NAME = "the answer names no {kinds} that its quote holds and the question does not"
NOT_STATED = "the cited sentence does not state the answer"
NOT_ANSWERED = "the model says the cited sentence names no answer"
_UNITS = {"million", "billion", "trillion", "thousand", "hundred", "dozen", "percent"}
AMOUNT = re.compile(rf"\d[\d,.]*\d|\d|\b(?:{'|'.join(sorted(NUMBER_WORDS - _UNITS))})\b", re.I)
MAX_OPTIONS = 6  # the role read's options: the cited sentences' names of the asked kind
# the least probability of another of the sentence's names for the sentence to be quoted
# as the answer in place of the claim (below it, the assistant abstains): set by hand on
# three reads, 0.58 for the right name (t01), 0.43 and 0.46 for names that answer nothing
QUOTE_LEAST = 0.5


class AnswerChecker(Protocol):
    def check(
        self,
        question: Question,
        selection: Selection,
        checked: CheckedAnswer,
        conversation: list[Message],
        usage: Usage,
    ) -> tuple[CheckedAnswer, Check]:
        """The answer to show and what the check did (`Check.outcome`: abstain when it
        says so). `conversation` is the selection conversation the answer came from
        (its sentences and the question)."""
        ...


def claim_text(text: str) -> str:
    """The answer without its markers and the dates added after it ("(“on Thursday” is ...)")."""
    return MARKER.sub("", text.split(" (“")[0]).strip()


def kind_held(question: Question, text: str) -> bool:
    """Does the answer's own wording hold the kind of thing the question asks for (an
    amount the question does not already give, for "how much")?"""
    if question.asks_money or (question.asks_number and not question.counted):
        return bool(set(amounts(text)) - set(amounts(question.text)))
    return answer_type_found(question, [Evidence(source="", start=0, end=len(text), text=text)])


def asks_figure(question: Question) -> bool:
    """A "how much" / "how many" question of one part (a figure, not a date)."""
    asks = question.asks_money or question.asks_number or question.counted is not None
    return asks and not question.parts and not question.asks_date


def amounts(text: str) -> list[str]:
    """The numbers a text gives ("58", "2.5", "two"), the units of "£58 million" aside."""
    return [fold(m.group()).replace(",", "") for m in AMOUNT.finditer(text)]


def quoting(evidence: Evidence) -> CheckedAnswer:
    """The answer that is the sentence itself, quoted and cited: “...” [1]."""
    text = f"“{' '.join(evidence.text.split())}” [1]"
    return CheckedAnswer(text, [citation(1, evidence)], True, [])


@dataclass
class Case:
    """One answer under check: the question, what the model chose from, the cited
    answer, the selection conversation it came from, and the usage to count reads in."""

    question: Question
    selection: Selection
    checked: CheckedAnswer
    conversation: list[Message]
    usage: Usage

    def numbers(self, cited: Sequence[Citation]) -> list[int]:
        """The cited sentences' numbers in the list the model read (1-based)."""
        keys = [(c.source, c.start) for c in cited]
        return [i for i, e in enumerate(self.selection.shown, start=1) if e.key in keys]


class LLMAnswerCheck:
    """Kind by code and spaCy's tagger, role by the model's choice among the quote's
    names (`role`: the prompt, None = no such read), and, when `least` > 0, relation
    by its yes/no scores (`least`: the lowest probability of "yes" that keeps a claim)."""

    def __init__(
        self, chat: ChatModel, prompt: Prompt, least: float, role: Prompt | None = None
    ) -> None:
        self.chat = chat
        self.prompt = prompt
        self.least = least
        self.role = role

    def check(
        self,
        question: Question,
        selection: Selection,
        checked: CheckedAnswer,
        conversation: list[Message],
        usage: Usage,
    ) -> tuple[CheckedAnswer, Check]:
        kinds = frozenset() if question.parts else asked_kinds(question)
        if checked.extractive:  # the chosen sentence itself, which the decider judged
            return self.check_quoted(question, checked, kinds)
        if not kind_held(question, MARKER.sub("", checked.text)):  # with the dates it resolves
            return checked, Check(outcome="abstained", reason=LACKS)
        case = Case(question, selection, checked, conversation, usage)
        named = Check(outcome="kept")
        if kinds:
            checked, named = self.check_names(case, kinds)
        elif self.role is not None and asks_figure(question):
            checked, named = self.check_figures(case)
        if named.outcome != "kept" or self.least <= 0:  # the yes/no read is off by default
            return checked, named
        return self.check_relation(case)

    @staticmethod
    def check_quoted(
        question: Question, checked: CheckedAnswer, kinds: frozenset[str]
    ) -> tuple[CheckedAnswer, Check]:
        """A quoted sentence passes the same kind check as a phrased claim: asked for a
        person, an organization, a place or a name, it must name one the question does not
        (a sentence about "a judge" does not answer "What is the judge's name?")."""
        if kinds and not any(of_kinds(c.quote, kinds, question) for c in checked.citations):
            reason = NO_NAME.format(kinds=" or ".join(sorted(kinds)))
            return checked, Check(outcome="abstained", reason=reason)
        return checked, Check(outcome="quoted")

    def check_names(self, case: Case, kinds: frozenset[str]) -> tuple[CheckedAnswer, Check]:
        """A person, organization or place was asked for: the claim must name one its
        quotes hold, and the one the model picks among them."""
        checked, question = case.checked, case.question
        claim = claim_text(checked.text)
        options: list[str] = []
        for c in checked.citations:
            options += [n for n in of_kinds(c.quote, kinds, question) if n not in options]
        named = [n for n in options if mentions(claim, n)]
        if not named and (self.role is None or not options):
            reason = NO_NAME.format(kinds=" or ".join(sorted(kinds)))
            return checked, Check(outcome="abstained", reason=reason)
        if self.role is None or asks_several(question):  # one pick cannot name several
            return checked, Check(outcome="kept")
        if named and named[0] not in options[:MAX_OPTIONS]:
            options = named[:1]

        def holder(name: str) -> Citation:
            return next(c for c in checked.citations if name in of_kinds(c.quote, kinds, question))

        return self.choose(case, options[:MAX_OPTIONS], named, holder, "name")

    def check_figures(self, case: Case) -> tuple[CheckedAnswer, Check]:
        """A figure was asked for ("how much", "how many") and the quotes give several:
        the claim's must be the one the model picks among them, each shown with the words
        that say what it counts (`figures.py`)."""
        checked, question = case.checked, case.question
        given: dict[str, Citation] = {}  # each figure's text, and the quote that gives it
        values: dict[str, str] = {}
        for c in checked.citations:
            for figure in figures(c.quote, question.text):
                if figure.value not in values.values():
                    given[figure.shown], values[figure.shown] = c, figure.value
        claimed = values_in(claim_text(checked.text))
        options = list(given)[:MAX_OPTIONS]
        named = [o for o in options if values[o] in claimed]
        if len(options) < 2 or not named:  # nothing to choose between, or a figure of its own
            return checked, Check(outcome="kept")
        return self.choose(case, options, named, given.__getitem__, "figure")

    def choose(
        self,
        case: Case,
        options: list[str],
        named: list[str],
        holder: Callable[[str], Citation],
        what: str,
    ) -> tuple[CheckedAnswer, Check]:
        """The model's pick among the quotes' names or figures: the claim is kept when it
        gives the likeliest; the sentence holding another is quoted in its place when the
        model is sure enough of it (`QUOTE_LEAST`); otherwise the answer abstains."""
        checked = case.checked
        probs = self.pick(case, options, case.numbers(checked.citations))
        if probs is None:  # a backend without scores: the kind check is all there is
            return checked, Check(outcome="kept")
        best = max(probs, key=lambda k: probs[k])
        says = round(
            max(
                (probs.get(str(i), 0.0) for i, n in enumerate(options, 1) if n in named), default=0
            ),
            4,
        )
        if best == "0":
            return checked, Check(outcome="abstained", says=says, reason=NOT_ANSWERED)
        chosen = options[int(best) - 1]
        if chosen in named:
            return checked, Check(outcome="kept", says=says)
        if probs[best] < QUOTE_LEAST:
            reason = f"the model leans to {chosen!r} ({probs[best]:.2f}), not the answer's {what}"
            return checked, Check(outcome="abstained", says=says, reason=reason)
        cited = holder(chosen)
        evidence = next(e for e in case.selection.shown if e.key == (cited.source, cited.start))
        reason = f"the model picks {chosen!r} ({probs[best]:.2f}), not the answer's {what}"
        return quoting(evidence), Check(outcome="quoted", says=says, reason=reason)

    def pick(self, case: Case, options: list[str], numbers: list[int]) -> dict[str, float] | None:
        """The model's probabilities over "0" (none) and "1".."N" (the options)."""
        assert self.role is not None
        listed = "\n".join(f"{i}. {name}" for i, name in enumerate(options, start=1))
        asked = self.role.user.format(
            question=case.question.text, numbers=spoken(numbers), options=listed
        )
        messages = [*case.conversation, {"role": "user", "content": asked}]
        labels = [str(i) for i in range(len(options) + 1)]
        scores = self.chat.label_scores(messages, labels, case.usage)
        return dict(scores.probs) if scores else None

    def check_relation(self, case: Case) -> tuple[CheckedAnswer, Check]:
        """The yes/no read: does the cited sentence state the claim (else another chosen one)?"""
        checked = case.checked
        claim = claim_text(checked.text)
        said = self.says(case.conversation, claim, case.numbers(checked.citations), case.usage)
        if said >= self.least:
            return checked, Check(outcome="kept", says=said)
        if len(checked.citations) == 1:  # one claim, one quote: another chosen one may state it
            first = checked.citations[0]
            for other in case.selection.chosen:
                if other.key == (first.source, first.start):
                    continue
                if not supports(claim, case.question.text, with_dates(other)):
                    continue
                moved = [citation(1, other)]
                again = self.says(case.conversation, claim, case.numbers(moved), case.usage)
                if again >= self.least:
                    kept = CheckedAnswer(checked.text, moved, False, checked.dropped, checked.raw)
                    return kept, Check(outcome="re-pointed", says=again)
        return checked, Check(outcome="abstained", says=said, reason=NOT_STATED)

    def says(
        self, conversation: list[Message], answer: str, numbers: list[int], usage: Usage
    ) -> float:
        """P(yes) that sentences `numbers` state `answer`."""
        asked = self.prompt.user.format(answer=answer, numbers=spoken(numbers))
        messages = [*conversation, {"role": "user", "content": asked}]
        scores = self.chat.label_scores(messages, [YES, NO], usage)
        return round(scores.probs.get(YES, 0.0), 4) if scores else 1.0
