"""Casualties as a sentence states them, counted on the dependency parse.

A casualty word (kill, wound, injure, die, dead, fatality, injury) takes its number from
the people it applies to, summed over conjoined groups: "wounding two American service
members and one Iraqi soldier" is 3 injured. "killing or injuring 3" states 3 casualties
without the split, so they count as injured and the dead as not stated. "No injuries" is
0 and 0. "N fatalities split between M events" is read by :func:`find_split`.

>>> from geomap.extract.nlp import get_pipeline
>>> count_casualties(get_pipeline()("Gunmen killed at least 20 people and wounded two."))
(20, 2)
"""

from __future__ import annotations

import re

from geomap.extract import rules

NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
                "fifteen": 15, "twenty": 20, "thirty": 30, "dozen": 12, "dozens": 24, "several": 3}
FATAL = frozenset("kill die dead fatality death slay behead execute assassinate".split())
# Nouns that count people without being a number ("a number of fighters", "a group of men").
QUANTITIES = frozenset("number group lot dozen hundred score handful few couple".split())
_CODED = re.compile(r"\bfatalit\w*\s+(?:were\s+|are\s+)?coded\s+as\s+(\d+)", re.I)
HURT = frozenset("wound injure injury hurt wounded injured".split())
PEOPLE_CAP = 10_000
_NO_CASUALTIES = re.compile(r"\bno (?:reported )?(?:injuries|casualties|fatalities|deaths)\b|\bno one was "
                            r"(?:hurt|injured|killed)\b"
                            r"|\bwithout (?:causing )?(?:any )?(?:casualties|injuries)\b"
                            r"|\bno (?:fatalities|injuries) (?:nor|or|and) (?:injuries|fatalities)\b", re.I)
_EITHER = re.compile(r"\b(?:killing|killed) or (?:injuring|wounding|injured|wounded) (?:at least )?(\d+|\w+)",
                     re.I)
# ACLED's ways of sharing one toll between events: "7 fatalities split between 3 events",
# "Unknown fatalities coded as 10 and spread across three locations", "Fatalities split between two events".
_SPLIT = re.compile(r"\b(?:(\d+)\s+)?(?:reported\s+)?fatalit\w*(?:\s+and injuries)?(?:\s+(?:are|were))?"
                    r"(?:\s+coded as (\d+)(?:\s*\([^)]{0,40}\))?)?,?(?:\s+and)?\s+"
                    r"(?:split|spread|divided|distributed|coded)(?:\s+(?:equally|up))*\s+(?:between|across|among)"
                    r"\s+(?:the\s+)?(\d+|\w+)\s+(?:events|locations)\b(?:\s+(?:in|over)\s+(\d+|\w+)\s+days)?",
                    re.I)


def number_of(token) -> int | None:
    """The number a token writes (20, "two", "a dozen"), or None."""
    text = token.lower_.replace(",", "")
    if text.isdigit():
        value = int(text)
        return value if value <= PEOPLE_CAP else None
    return NUMBER_WORDS.get(text)


def _group_size(noun) -> int | None:
    """The number on a noun phrase ("two soldiers", "20", "a civilian"), or None."""
    own = number_of(noun) if noun.pos_ == "NUM" else None
    if own is not None:
        return own
    if noun.lemma_.lower() in QUANTITIES and not any(c.dep_ == "nummod" for c in noun.children):
        return None  # "a number of fighters" states no number
    for child in noun.children:
        if child.dep_ in ("nummod", "quantmod") or (child.dep_ == "det" and child.lower_ in ("a", "an")):
            value = number_of(child)
            if value is not None:
                return value
    # "killed a regime's fighter", "his wife": one person, though no number is written.
    if noun.tag_ == "NN" and noun.pos_ == "NOUN":
        return 1
    return None


def _sum_groups(head) -> int | None:
    sizes = [_group_size(t) for t in [head, *head.conjuncts] if t.dep_ != "cc"]
    known = [s for s in sizes if s is not None]
    return sum(known) if known else None


def _victims(token):
    """The noun phrase a casualty word counts: its object, passive subject, subject or itself."""
    lemma = token.lemma_.lower()
    if token.pos_ == "NOUN" and lemma in ("fatality", "injury", "death", "casualty"):
        return token
    if lemma == "body":
        # "the bodies of 2 civilians were found", "a man's body was found"
        counted = [g for c in token.children if c.dep_ == "prep" and c.lower_ == "of"
                   for g in c.children if g.dep_ == "pobj"]
        return counted[0] if counted else token
    deps = ("nsubjpass", "nsubj") if lemma in ("die", "dead") or token.tag_ == "VBN" else ("dobj",)
    for child in token.children:
        if child.dep_ in deps or (child.dep_ == "dobj" and lemma not in ("die", "dead")):
            return child
    if token.tag_ in ("VBN", "JJ") and token.dep_ in ("acl", "amod") and token.head.pos_ in ("NOUN", "NUM"):
        return token.head
    return None


def count_casualties(span) -> tuple[int | None, int | None]:
    """(fatalities, injuries) the sentence states; None when it does not say."""
    text = span.text
    if _NO_CASUALTIES.search(text):
        return 0, 0
    either = _EITHER.search(text)
    fatalities = injuries = None
    for token in span:
        lemma = _casualty_lemma(token)
        if lemma not in FATAL and lemma not in HURT and token.lower_ not in HURT:
            continue
        victims = _victims(token)
        size = _sum_groups(victims) if victims is not None else None
        if size is None:
            continue
        if lemma in FATAL and fatalities is None and not either:
            fatalities = size
        elif (lemma in HURT or token.lower_ in HURT) and injuries is None:
            injuries = size
    if either and injuries is None:
        injuries = _word_number(either.group(1))
    return fatalities, injuries


def _casualty_lemma(token) -> str:
    """The token's lemma, with "shot dead" read as a killing and a body found as a death."""
    lemma = token.lemma_.lower()
    if lemma == "shoot" and any(c.lower_ == "dead" for c in token.children):
        return "kill"
    if lemma == "body" and token.head.lemma_ in ("find", "discover", "recover"):
        return "death"
    return lemma


def find_coded_toll(text: str) -> int | None:
    """ACLED's toll as coded when the report gives none: "Unknown fatalities coded as 10"."""
    match = _CODED.search(text)
    return int(match.group(1)) if match else None


def _word_number(text: str) -> int | None:
    return int(text) if text.isdigit() else NUMBER_WORDS.get(text.lower())


def find_split(text: str) -> tuple[int | None, int] | None:
    """(fatalities, events) of an "N fatalities split between M events" statement, or None.

    The fatalities are None when the statement shares a toll told elsewhere ("Fatalities
    split between two events").
    """
    match = _SPLIT.search(text)
    if not match:
        return None
    events = _word_number(match.group(3))
    stated = match.group(1) or match.group(2)
    if not events:
        return None
    # "across three locations in two days": a note of one day tells its share of them.
    days = max(_word_number(match.group(4)) or 1, 1) if match.group(4) else 1
    here = -(-events // days)
    return (round(int(stated) * here / events) if stated else None), here


def find_casualties(span) -> tuple[int | None, int | None]:
    """(fatalities, injuries): the parse's count, else what a surface pattern states."""
    fatalities, injuries = count_casualties(span)
    if fatalities is None or injuries is None:
        pattern_fatalities, pattern_injuries = rules.casualties(span.text)
        fatalities = pattern_fatalities if fatalities is None else fatalities
        injuries = pattern_injuries if injuries is None else injuries
    return fatalities, injuries
