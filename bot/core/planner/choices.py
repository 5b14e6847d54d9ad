"""The closed answer sets of the /plan questions; values double as compact callback data."""

from __future__ import annotations

from enum import StrEnum


class OutputKind(StrEnum):
    """What the prompt produces; the strongest single driver of the regime."""

    LABEL = "label"
    FIELDS = "fields"
    REASONING = "reasoning"
    STYLE = "style"
    CHAT = "chat"


class QualityBar(StrEnum):
    RELAXED = "relaxed"
    MATCH = "match"
    CRITICAL = "critical"


class TraceAccess(StrEnum):
    """Whether the teacher's reasoning can be read (in its answer or a reasoning field)."""

    VISIBLE = "visible"
    HIDDEN = "hidden"


class LogitsAccess(StrEnum):
    """How much of the teacher's output distribution we can see, least to most."""

    NONE = "none"
    TOP_K = "topk"
    FULL = "full"


LOGITS_RANK: dict[LogitsAccess, int] = {
    LogitsAccess.NONE: 0,
    LogitsAccess.TOP_K: 1,
    LogitsAccess.FULL: 2,
}


class PreferenceData(StrEnum):
    HAVE = "have"
    CAN_MAKE = "can"
    NONE = "none"


class Privacy(StrEnum):
    HOSTED_OK = "hosted"
    CONTRACT = "contract"
    IN_HOUSE = "inhouse"
