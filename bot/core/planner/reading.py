"""Reading a pasted prompt: languages, output fields and their kinds, input length, examples.

Heuristics over the text, no model and no network. What is found is shown to the learner
(`fact_lines`) and replaces a question; what is not found is asked.

Token counts are a documented estimate, not a tokenizer (tiktoken would download its BPE
files at first use, which the bot may not do). For OpenAI's o200k/cl100k vocabularies,
English prose averages about 4 characters or 0.75 words per token; German and French run
about 20–30% more tokens; Chinese, Japanese and Korean about one token per character; other
non-Latin scripts about 2.5 characters per token. The estimate is within ±15% for English
prose and says so in the plan.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import StrEnum

from bot.core.planner.choices import OutputKind

CHARS_PER_TOKEN = 4
WORDS_PER_TOKEN = 0.75
SPOKEN_WORDS_PER_MINUTE = 150
WORDS_PER_PAGE = 500


class FieldKind(StrEnum):
    LABEL = "label"  # one of a closed set
    NUMBER = "number"
    SHORT_TEXT = "short text"  # a name, a date, an id
    FREE_TEXT = "free text"  # a summary, a reason, a reply


@dataclass(frozen=True)
class OutputField:
    name: str
    kind: FieldKind
    labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class PromptFacts:
    languages: tuple[str, ...]
    fields: tuple[OutputField, ...]
    json_output: bool
    output_kind: OutputKind | None
    output_cue: str
    input_tokens: int | None
    input_basis: str
    output_tokens: int | None
    examples: int
    prompt_tokens: int

    @property
    def multilingual(self) -> bool:
        return len(self.languages) > 1 or any(lang != "English" for lang in self.languages)

    @property
    def label_fields(self) -> tuple[OutputField, ...]:
        return tuple(field for field in self.fields if field.kind is FieldKind.LABEL)

    @property
    def all_labels(self) -> tuple[str, ...]:
        return tuple(label for field in self.label_fields for label in field.labels)


def estimate_tokens(text: str) -> int:
    """Tokens in `text` by the documented rule of thumb (see the module docstring)."""
    cjk = sum(1 for char in text if _is_cjk(char))
    other = sum(1 for char in text if ord(char) > 0x2FF and not _is_cjk(char))
    latin = len(text) - cjk - other
    return math.ceil(latin / CHARS_PER_TOKEN + other / 2.5 + cjk)


def words_to_tokens(words: int) -> int:
    return math.ceil(words / WORDS_PER_TOKEN)


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return 0x3040 <= code <= 0x30FF or 0x4E00 <= code <= 0x9FFF or 0xAC00 <= code <= 0xD7AF


_LANGUAGES = {
    "english": "English", "german": "German", "deutsch": "German", "french": "French",
    "français": "French", "spanish": "Spanish", "español": "Spanish", "italian": "Italian",
    "portuguese": "Portuguese", "dutch": "Dutch", "polish": "Polish", "russian": "Russian",
    "ukrainian": "Ukrainian", "chinese": "Chinese", "mandarin": "Chinese",
    "japanese": "Japanese", "korean": "Korean", "arabic": "Arabic", "hindi": "Hindi",
    "turkish": "Turkish", "swedish": "Swedish", "danish": "Danish", "norwegian": "Norwegian",
    "finnish": "Finnish", "czech": "Czech", "greek": "Greek", "hebrew": "Hebrew",
}  # fmt: skip
_LANGUAGE_WORD = re.compile(r"\b(" + "|".join(_LANGUAGES) + r")\b", re.IGNORECASE)
_ISO_LIST = re.compile(r"\b(?:EN|DE|FR|ES|IT|PT|NL|PL)(?:\s*[/,]\s*(?:EN|DE|FR|ES|IT|PT|NL|PL))+\b")
LANGUAGE_CODES = {"English": "EN", "German": "DE", "French": "FR", "Spanish": "ES",
                  "Italian": "IT", "Portuguese": "PT", "Dutch": "NL", "Polish": "PL",
                  "Russian": "RU", "Chinese": "ZH", "Japanese": "JA", "Korean": "KO"}  # fmt: skip
_ISO = {"EN": "English", "DE": "German", "FR": "French", "ES": "Spanish", "IT": "Italian",
        "PT": "Portuguese", "NL": "Dutch", "PL": "Polish"}  # fmt: skip
_STOPWORDS = {
    "German": {"der", "die", "das", "und", "ist", "nicht", "mit", "eine", "ein", "für", "sie"},
    "French": {"le", "la", "les", "et", "est", "une", "des", "pour", "avec", "vous", "pas"},
    "Spanish": {"el", "los", "las", "y", "es", "una", "para", "con", "por", "que", "usted"},
}


def find_languages(prompt: str) -> tuple[str, ...]:
    """Languages the prompt names, or writes in; English alone when nothing says otherwise."""
    found: list[str] = []
    for match in _LANGUAGE_WORD.finditer(prompt):
        name = _LANGUAGES[match.group(1).casefold()]
        # "programming language" words like "English" in "plain English" still count.
        if name not in found:
            found.append(name)
    for match in _ISO_LIST.finditer(prompt):
        for code in re.findall(r"[A-Z]{2}", match.group(0)):
            if _ISO[code] not in found:
                found.append(_ISO[code])
    words = re.findall(r"[^\W\d_]+", prompt.casefold())
    for language, stop in _STOPWORDS.items():
        if sum(1 for word in words if word in stop) >= 4 and language not in found:
            found.append(language)
    if any(_is_cjk(char) for char in prompt) and not {"Chinese", "Japanese", "Korean"} & set(found):
        found.append("Chinese/Japanese/Korean")
    if re.search(r"[\u0400-\u04FF]", prompt) and not {"Russian", "Ukrainian"} & set(found):
        found.append("Russian/Ukrainian")
    return tuple(found) or ("English",)


# A list of labels: "billing, bug, account or other", "low/medium/high", "A | B | C".
_ITEM = r"[A-Za-z][\w\-]*(?: [A-Za-z][\w\-]*){0,2}(?: \([^()]{1,24}\))?"
_LIST = (
    rf"(?P<items>{_ITEM}(?:\s*,\s*{_ITEM})+\s*,?\s*(?:or|and)\s+{_ITEM}"
    rf"|{_ITEM}(?:\s*[/|]\s*{_ITEM}){{1,}}"
    rf"|{_ITEM}(?:\s*,\s*{_ITEM}){{2,}})"
)
# "category (billing, bug or other)", "priority: low/medium/high", "classify ... as a, b or c"
_NAMED_LIST = re.compile(
    rf"\b(?P<name>[a-z][a-z_]{{2,24}})\s*(?:\(|:|=|\bis\b|\bas\b|\bfrom\b)\s*(?:one of\s*:?\s*)?"
    rf"{_LIST}\)?",
    re.IGNORECASE,
)
_CLASSIFY_AS = re.compile(
    rf"\b(?:classify|categori[sz]e|label|tag|route|sort)\b[^.:\n]{{0,60}}?\b(?:as|into|to)\s*"
    rf"(?:one of\s*:?\s*)?{_LIST}",
    re.IGNORECASE,
)
# "JSON with category, priority and language", "fields: a, b, c", "keys ..."
_FIELD_LIST = re.compile(
    rf"\b(?:json|fields?|keys?|columns?|return|extract|output)\b[^.\n]{{0,40}}?"
    rf"(?:with|containing|:|from the [a-z ]{{2,30}}?:)\s*(?:the\s+)?(?:fields?\s*)?{_LIST}",
    re.IGNORECASE,
)
_JSON_KEY = re.compile(r'"([a-z_][a-z0-9_]{1,30})"\s*:')
_NUMBER_NAMES = re.compile(
    r"score|amount|total|count|price|rating|number|age|quantity|probability|confidence|"
    r"percent|year|duration|sum|cost|vat|net|gross|minutes|hours|line|page",
    re.IGNORECASE,
)
_FREE_NAMES = re.compile(
    r"summary|reason|explanation|notes?|description|reply|answer|comment|rationale|"
    r"feedback|message|action items?|next steps",
    re.IGNORECASE,
)
_LABEL_NAMES = re.compile(
    r"category|label|class|priority|sentiment|language|intent|topic|type|severity|urgency|"
    r"status|department|team|tone",
    re.IGNORECASE,
)
_NOT_FIELDS = frozenset({"the", "a", "an", "this", "that", "and", "or", "with", "as", "one"})


def find_fields(prompt: str, languages: tuple[str, ...]) -> tuple[tuple[OutputField, ...], bool]:
    """Output fields the prompt asks for, each with its kind; and whether the output is JSON."""
    json_output = bool(re.search(r"\bjson\b", prompt, re.IGNORECASE))
    labelled: dict[str, tuple[str, ...]] = {}
    for match in _NAMED_LIST.finditer(prompt):
        name = match.group("name").casefold()
        if name in _NOT_FIELDS or _LANGUAGE_WORD.fullmatch(name):
            continue
        if _LABEL_NAMES.search(name):
            labelled.setdefault(name, _items(match.group("items")))
    classify = _CLASSIFY_AS.search(prompt)
    if classify and not labelled:
        labelled["label"] = _items(classify.group("items"))

    names: list[str] = []
    for match in _FIELD_LIST.finditer(prompt):
        names += [item.replace(" ", "_") for item in _items(match.group("items"))]
    names += [key for key in _JSON_KEY.findall(prompt)]
    names += [name for name in labelled if name not in names]
    # In the order the prompt names them.
    folded = prompt.casefold()
    names.sort(key=lambda name: _position(folded, name))
    fields: list[OutputField] = []
    seen: set[str] = set()
    for raw in names:
        name = raw.casefold().strip("_")
        if name in seen or name in _NOT_FIELDS or len(name) < 2:
            continue
        seen.add(name)
        fields.append(_field(name, labelled.get(name, ()), languages))
    return tuple(fields), json_output


def _position(folded: str, name: str) -> int:
    found = folded.find(name.casefold().replace("_", " "))
    return found if found >= 0 else folded.find(name) % (len(folded) + 1)


def _field(name: str, labels: tuple[str, ...], languages: tuple[str, ...]) -> OutputField:
    if labels:
        return OutputField(name, FieldKind.LABEL, labels)
    if name in {"language", "lang", "locale"}:
        return OutputField(name, FieldKind.LABEL, languages if len(languages) > 1 else ())
    if re.search(r"(?:number|_id|_no|code)$", name):
        return OutputField(name, FieldKind.SHORT_TEXT)
    if _FREE_NAMES.search(name):
        return OutputField(name, FieldKind.FREE_TEXT)
    if _NUMBER_NAMES.search(name):
        return OutputField(name, FieldKind.NUMBER)
    if _LABEL_NAMES.search(name):
        return OutputField(name, FieldKind.LABEL)
    return OutputField(name, FieldKind.SHORT_TEXT)


def _items(text: str) -> tuple[str, ...]:
    text = re.sub(r"\s*\([^()]*\)", "", text)
    parts = re.split(r"\s*(?:,|/|\||\bor\b|\band\b)\s*", text)
    cleaned = (re.sub(r"\s*\([^()]*\)", "", part).strip() for part in parts)
    return tuple(part for part in cleaned if part)


# Lengths people state: "6,000 words", "30-minute calls", "10 pages", "8k tokens".
_AMOUNT = r"(?P<n>\d{1,3}(?:[,.]\d{3})+|\d+(?:\.\d+)?)\s*(?P<k>k)?"
_WORDS = re.compile(rf"{_AMOUNT}[\s-]*(?P<unit>words?|tokens?|pages?|characters?|chars?)\b", re.I)
_MINUTES = re.compile(
    rf"{_AMOUNT}[\s-]*(?:minutes?|min)\b[^.\n]{{0,30}}?\b(?P<what>calls?|meetings?|recordings?|"
    r"transcripts?|conversations?|interviews?)",
    re.IGNORECASE,
)
_OUTPUT_LIMIT = re.compile(
    r"(?:\bin|\bunder|\bat most|\bmax(?:imum)?|\bno more than|\bup to|\bwithin|≤|<|summary of|"
    r"\blimit(?:ed)? to|\bbelow)\s*(?:about\s*)?$",
    re.IGNORECASE,
)


def find_lengths(prompt: str) -> tuple[int | None, str, int | None]:
    """(input tokens, how we know, output tokens) from lengths the prompt states."""
    input_tokens: int | None = None
    basis = ""
    output_tokens: int | None = None
    for match in _WORDS.finditer(prompt):
        amount = _amount(match)
        unit = match.group("unit").casefold()
        tokens = {
            "w": words_to_tokens(amount),
            "t": amount,
            "p": words_to_tokens(amount * WORDS_PER_PAGE),
            "c": math.ceil(amount / CHARS_PER_TOKEN),
        }[unit[0]]
        before = prompt[max(0, match.start() - 25) : match.start()]
        if _is_output_length(prompt[max(0, match.start() - 60) : match.start()], before):
            output_tokens = output_tokens or tokens
        elif input_tokens is None:
            input_tokens = tokens
            basis = f"{match.group(0).strip()} stated in the prompt"
    minutes = _MINUTES.search(prompt)
    if minutes and input_tokens is None:
        words = _amount(minutes) * SPOKEN_WORDS_PER_MINUTE
        input_tokens = words_to_tokens(words)
        basis = (
            f"{minutes.group(0).strip()}: {_amount(minutes):,} min × "
            f"{SPOKEN_WORDS_PER_MINUTE} spoken words a minute = {words:,} words"
        )
    return input_tokens, basis, output_tokens


_STRONG_OUTPUT_LIMIT = re.compile(
    r"(?:\bin|summary of|\bkeep it (?:to|under))\s*(?:at most|under|about|no more than|up to|"
    r"max(?:imum)?)?\s*$",
    re.IGNORECASE,
)
_OUTPUT_NOUNS = re.compile(
    r"\b(?:summary|answer|reply|response|output|write|respond|return)\b[^.]*$", re.IGNORECASE
)
_INPUT_NOUNS = re.compile(
    r"\b(?:tickets?|reviews?|e-?mails?|inputs?|documents?|transcripts?|calls?|texts?|"
    r"messages?|articles?|contracts?|diffs?|pages?|files?)\b[^.]*$",
    re.IGNORECASE,
)


def _is_output_length(context: str, before: str) -> bool:
    """Whether a stated length limits the output.

    "in 120 words", "a summary of 150 words" always do; otherwise the nearest noun of the
    sentence decides ("Reviews are up to 2k tokens" is the input), then a limit word.
    """
    if _STRONG_OUTPUT_LIMIT.search(before):
        return True
    output = _OUTPUT_NOUNS.search(context)
    source = _INPUT_NOUNS.search(context)
    if output and source:
        return output.start() > source.start()
    if output or source:
        return bool(output)
    return bool(_OUTPUT_LIMIT.search(before))


def _amount(match: re.Match[str]) -> int:
    digits = re.sub(r"[,.](?=\d{3}\b)", "", match.group("n"))
    value = float(digits) * (1000 if match.group("k") else 1)
    return int(value)


def count_examples(prompt: str) -> int:
    """Worked examples in the prompt ("Example 1:", "Input: … Output: …" pairs)."""
    labelled = len(re.findall(r"(?im)^\s*(?:[-*]\s*)?example\s*\d*\s*:", prompt))
    pairs = min(
        len(re.findall(r"(?im)^\s*(?:input|q|user)\s*:", prompt)),
        len(re.findall(r"(?im)^\s*(?:output|a|answer|assistant|label)\s*:", prompt)),
    )
    return max(labelled, pairs)


_KIND_CUES: tuple[tuple[OutputKind, re.Pattern[str]], ...] = (
    (OutputKind.REASONING, re.compile(
        r"step[- ]by[- ]step|\bsolve\b|\bprove\b|\breason (?:through|about)|show (?:your|the) "
        r"work|work(?:ing)? out|derive", re.I)),
    (OutputKind.CHAT, re.compile(
        r"\bassistant\b.*\b(?:users?|customers?|conversation|chat)\b|\bmulti-turn\b|"
        r"\bchat(?:bot)?\b|\bconversation with\b", re.I | re.S)),
    (OutputKind.STYLE, re.compile(
        r"\bsummari[sz]e\b|\bsummary\b|\brewrite\b|\bwrite\b|\bdraft\b|\btranslate\b|"
        r"\bnewsletter\b|\bemail\b|\bcopy\b|\bparaphrase\b", re.I)),
)  # fmt: skip


def infer_output_kind(
    prompt: str, fields: tuple[OutputField, ...], json_output: bool
) -> tuple[OutputKind | None, str]:
    """The output kind and the words that gave it away; None when the prompt doesn't say."""
    classify = re.search(r"\b(?:classify|categori[sz]e|label|route|tag)\b", prompt, re.I)
    labels_only = bool(fields) and all(f.kind is FieldKind.LABEL for f in fields)
    reasoning = _KIND_CUES[0][1].search(prompt)
    if reasoning:
        return OutputKind.REASONING, f"“{reasoning.group(0)}”"
    if labels_only and (classify or not json_output or len(fields) > 0):
        count = len(fields)
        return OutputKind.LABEL, f"{count} label field{'s' if count > 1 else ''}"
    if json_output or len(fields) >= 2 or re.search(r"\bextract\b", prompt, re.I):
        return OutputKind.FIELDS, "JSON / named fields" if json_output else "named fields"
    if classify:
        return OutputKind.LABEL, f"“{classify.group(0)}”"
    for kind, pattern in _KIND_CUES[1:]:
        match = pattern.search(prompt)
        if match:
            cue = match.group(0) if len(match.group(0)) < 30 else match.group(0)[:27] + "…"
            return kind, f"“{cue}”"
    return None, ""


_FIELD_TOKENS = {FieldKind.LABEL: 4, FieldKind.NUMBER: 5, FieldKind.SHORT_TEXT: 12,
                 FieldKind.FREE_TEXT: 80}  # fmt: skip


def read_prompt(prompt: str) -> PromptFacts:
    languages = find_languages(prompt)
    fields, json_output = find_fields(prompt, languages)
    kind, cue = infer_output_kind(prompt, fields, json_output)
    input_tokens, basis, output_tokens = find_lengths(prompt)
    if output_tokens is None and fields and kind in {OutputKind.LABEL, OutputKind.FIELDS}:
        # Each field's value plus its key and JSON punctuation (~4 tokens).
        output_tokens = sum(_FIELD_TOKENS[field.kind] + 4 for field in fields)
        if len(fields) == 1 and not json_output:
            output_tokens = _FIELD_TOKENS[fields[0].kind]
    return PromptFacts(
        languages=languages,
        fields=fields,
        json_output=json_output,
        output_kind=kind,
        output_cue=cue,
        input_tokens=input_tokens,
        input_basis=basis,
        output_tokens=output_tokens,
        examples=count_examples(prompt),
        prompt_tokens=estimate_tokens(prompt),
    )


def fact_lines(facts: PromptFacts) -> tuple[str, ...]:
    """What was read, one plain-text line per fact, for the learner to check."""
    lines = [f"Languages: {', '.join(facts.languages)}."]
    if facts.fields:
        described = []
        for field in facts.fields:
            labels = f": {', '.join(field.labels)}" if field.labels else ""
            described.append(f"{field.name} ({field.kind.value}{labels})")
        lines.append(
            f"Output: {'JSON with ' if facts.json_output else ''}{len(facts.fields)} "
            f"field{'s' if len(facts.fields) > 1 else ''}: {'; '.join(described)}."
        )
    if facts.output_kind is not None:
        lines.append(f"Output kind: {_KIND_WORDS[facts.output_kind]} (from {facts.output_cue}).")
    if facts.input_tokens is not None:
        lines.append(f"Input per call: ≈{facts.input_tokens:,} tokens ({facts.input_basis}).")
    lines.append(f"Your instructions: ≈{facts.prompt_tokens:,} tokens.")
    lines.append(f"Examples in the prompt: {facts.examples or 'none'}.")
    return tuple(lines)


_KIND_WORDS = {
    OutputKind.LABEL: "labels",
    OutputKind.FIELDS: "structured fields",
    OutputKind.REASONING: "an answer that needs reasoning",
    OutputKind.STYLE: "free text where style matters",
    OutputKind.CHAT: "a chat",
}
