"""Which drop or FAQ answer a typed question is about, matched offline against their text.

A small TF-IDF: each drop (title and body) and each FAQ entry (question and answer) is a
document; a question's words score a document by how often they occur there (damped)
times how rare they are across the course. Titles and FAQ questions count three times, as
they say what a text is about. A match needs two distinct content words in common and a
score clearly above noise; otherwise there is none.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache

from drops.model import Course

_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_STOP_WORDS = """a about above after again all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers him his how i if in into is it its itself
    just me more most my no nor not now of off on once only or other our out over own same
    she should so some such than that the their them then there these they this those
    through to too under until up very was we were what when where which while who whom why
    will with would you your yours model models use using used get gets make one two also
    like way ways much many need needs thing things really mean means tell know want"""
_STOP = frozenset(_STOP_WORDS.split())
MIN_SHARED_WORDS = 1
MIN_SCORE = 4.5


@dataclass(frozen=True)
class Match:
    """The best answer found: a drop (``drop_id``) or a FAQ entry (``faq_index``)."""

    score: float
    drop_id: str | None = None
    faq_index: int | None = None


def words(text: str) -> list[str]:
    """Content words, lower-cased, a plural's trailing s dropped."""
    found = []
    for word in _WORD.findall(text.lower()):
        if word in _STOP or len(word) < 2:
            continue
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        found.append(word)
    return found


@dataclass(frozen=True)
class _Index:
    documents: tuple[tuple[Counter[str], Match], ...]
    idf: dict[str, float]


@cache
def _index(course: Course) -> _Index:
    documents: list[tuple[Counter[str], Match]] = []
    for drop in course.drops:
        counts = Counter(words(drop.body)) + Counter(words(drop.title) * 3)
        documents.append((counts, Match(0.0, drop_id=drop.id)))
    for number, entry in enumerate(course.faq):
        counts = Counter(words(entry.answer)) + Counter(words(entry.question) * 3)
        documents.append((counts, Match(0.0, faq_index=number)))
    total = len(documents)
    seen = Counter(word for counts, _ in documents for word in counts)
    idf = {word: math.log(1 + total / df) for word, df in seen.items()}
    return _Index(tuple(documents), idf)


def best_match(course: Course, question: str) -> Match | None:
    """The drop or FAQ answer the question is most about; None when nothing clearly is."""
    index = _index(course)
    asked = set(words(question))
    best: Match | None = None
    for counts, where in index.documents:
        shared = [word for word in asked if word in counts]
        if len(shared) < MIN_SHARED_WORDS:
            continue
        score = sum(index.idf[word] * (1 + math.log(counts[word])) for word in shared)
        if score >= MIN_SCORE and (best is None or score > best.score):
            best = Match(score, where.drop_id, where.faq_index)
    return best
