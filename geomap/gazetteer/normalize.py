"""Name keys that survive the many romanisations of Arabic, Persian and Kurdish names.

Two keys per name:

* the *normal form*: ASCII, lower case, the Arabic article and punctuation dropped,
  common spelling variants of a few geographic words unified;
* the *skeleton*: the normal form's consonants with the letters that romanisations
  disagree on folded together (q/k/g, kh/h, w/v, sh/ch/s...), doubles collapsed and
  vowels dropped, so "Deir Azor", "Dayr az-Zawr" and "Deir ez-Zor" meet.

>>> normal_form("Ain al-Assad")
'ain assad'
>>> skeleton("Deir Azor") == skeleton("Deir ez-Zor") == skeleton("Dair al-Zour")
True
>>> split_kind("al-Anbar province")
('anbar', 'division')

A third, the *loose form*, sits between the two: consonants folded as in the skeleton but
vowels kept, only their quality and length folded, so that spellings of one name meet
("Maadan" and "Ma'dan", "Saraqab" and "Saraqeb") while names that differ in a vowel's
place or a syllable do not ("Basira" and "Basir", "Maadan" and "Mayadin").

>>> loose_form("maadan") == loose_form("madan"), loose_form("basira") == loose_form("basir")
(True, False)
"""

from __future__ import annotations

import functools
import operator
import re
import unicodedata

from unidecode import unidecode  # noqa: F401  (re-exported for divisions)

ARTICLES = frozenset(
    "al el il ul ad ed ar er as es az ez an en at et ash esh adh ath dh".split()
)

# Words whose spelling varies between romanisations but which mean the same thing.
WORD_VARIANTS = {
    "ayn": "ain", "ein": "ain", "ayin": "ain", "aine": "ain",
    "tell": "tal", "tall": "tal", "tel": "tal", "til": "tal",
    "jebel": "jabal", "jabel": "jabal", "djebel": "jabal", "jbel": "jabal", "jebal": "jabal",
    "wady": "wadi", "oued": "wadi", "ouadi": "wadi",
    "shaykh": "sheikh", "shaikh": "sheikh", "sheik": "sheikh", "cheikh": "sheikh", "sheykh": "sheikh",
    "abou": "abu", "aboo": "abu", "bou": "abu",
    "beni": "bani", "bany": "bani",
    "kasr": "qasr", "ksar": "qasr",
    "kfar": "kafr", "kefr": "kafr",
    "mt": "mount", "intl": "international", "int": "international",
}

# Kind words that reports put before or after a name, with the kind of place they imply.
KIND_SUFFIXES = [
    (("international", "airport"), "airfield"), (("military", "airport"), "airfield"),
    (("air", "force", "base"), "airfield"), (("air", "base"), "airfield"),
    (("air", "field"), "airfield"), (("army", "air", "field"), "airfield"),
    (("airbase",), "airfield"), (("airfield",), "airfield"), (("airport",), "airfield"),
    (("airstrip",), "airfield"), (("aerodrome",), "airfield"), (("air", "strip"), "airfield"),
    (("province",), "division"), (("governorate",), "division"), (("governate",), "division"),
    (("state",), "division"),  # "Kaduna state", "Shan State": news names first-level divisions so
    (("muhafazah",), "division"), (("wilayah",), "division"), (("ostan",), "division"),
    (("sub", "district"), "district"), (("subdistrict",), "district"), (("district",), "district"),
    (("qada",), "district"), (("nahiya",), "district"), (("county",), "district"),
    (("city",), "city"), (("town",), "city"), (("village",), "village"),
    (("military", "base"), "base"), (("base",), "base"), (("garrison",), "base"),
    (("outpost",), "base"), (("camp",), "base"),
    (("oil", "field"), "field"), (("oilfield",), "field"), (("gas", "field"), "field"),
    (("gasfield",), "field"), (("oil", "and", "gas", "field"), "field"),
    (("dam",), "dam"), (("border", "crossing"), "crossing"), (("crossing",), "crossing"),
]
KIND_PREFIXES = [
    (("forward", "operating", "base"), "base"), (("fob",), "base"), (("camp",), "base"),
    (("city", "of"), "city"), (("town", "of"), "city"), (("village", "of"), "village"),
    (("province", "of"), "division"), (("governorate", "of"), "division"),
    (("muhafazat",), "division"), (("ostan", "e"), "division"), (("mount",), None),
]

_APOSTROPHES = re.compile(r"['`\u2018\u2019\u02bb\u02bc\u02be\u02bf\u00b4]")
_SEPARATORS = re.compile(r"[^a-z0-9]+")
_GLUED_ARTICLE = re.compile(r"\b([ae]l)'(?=\w)")
_FINAL_H = re.compile(r"(?<=[aeiou])h\b")
_FOLDS = [
    ("kh", "h"), ("gh", "g"), ("sh", "s"), ("ch", "s"), ("zh", "j"), ("dj", "j"),
    ("th", "t"), ("dh", "t"), ("ph", "f"), ("ck", "k"), ("q", "k"), ("g", "k"),
    ("c", "k"), ("x", "ks"), ("w", "v"), ("e", ""), ("a", ""), ("i", ""), ("o", ""),
    ("u", ""), ("y", ""),
]
_DOUBLES = re.compile(r"(.)\1+")
# A match's first letter, as a callable: Python 3.11 expands a template such as r"\1" in
# Python for every call and match, a third of a skeleton's time.
_FIRST = operator.itemgetter(1)
# The folds of one letter, which no later fold of their group reads again: one pass each.
_LETTER_FOLDS, _LAST_FOLDS = str.maketrans(dict(_FOLDS[10:13])), str.maketrans(dict(_FOLDS[13:]))
# dh and th both stand for Arabic dhal and tha (Dhiban/Thiban, Dhi Qar/Thi Qar).
# "w" closing a syllable is the diphthong (Zawr/Zour/Zor, Mawsil/Mosul); before a vowel it is a consonant.
_VOWEL_W = re.compile(r"w(?![aeiouy])")


_NOT_LATIN = re.compile("[^\u0000-\u024f\u02bb\u02bc\u02be\u02bf\u2018\u2019]")


def is_latin(name: str) -> bool:
    """True when the name is written in Latin letters (diacritics allowed)."""
    return _NOT_LATIN.search(name) is None


def _article_apart(match: re.Match) -> str:
    return match[1] + " "


def tokens(name: str) -> list[str]:
    """Lower-case ASCII words of a name, before articles and kind words are dropped."""
    text = _GLUED_ARTICLE.sub(_article_apart, unidecode(name).lower())
    text = _SEPARATORS.sub(" ", _APOSTROPHES.sub("", text))
    return [WORD_VARIANTS.get(word, word) for word in text.split()]


def _drop_articles(words: list[str]) -> list[str]:
    kept = [w for w in words if w not in ARTICLES]
    return kept or words


def normal_form(name: str) -> str:
    """The name in lower-case ASCII without the article or punctuation."""
    return " ".join(_drop_articles(tokens(name)))


def _by_edge_word(affixes, at_end: bool) -> dict[str, list]:
    table: dict[str, list] = {}
    for affix, kind in sorted(affixes, key=lambda a: -len(a[0])):
        table.setdefault(affix[-1] if at_end else affix[0], []).append((affix, kind))
    return table


_SUFFIXES_BY_LAST = _by_edge_word(KIND_SUFFIXES, at_end=True)
_PREFIXES_BY_FIRST = _by_edge_word(KIND_PREFIXES, at_end=False)


def split_kind(name: str) -> tuple[str, str | None]:
    """(normal form without kind words, the kind they imply or None)."""
    return _split_words(_drop_articles(tokens(name)))


def _split_words(words: list[str]) -> tuple[str, str | None]:
    kind = None
    for table, at_end in ((_SUFFIXES_BY_LAST, True), (_PREFIXES_BY_FIRST, False)):
        for affix, affix_kind in table.get(words[-1] if at_end else words[0], ()) if words else ():
            n = len(affix)
            if len(words) > n and tuple(words[-n:] if at_end else words[:n]) == affix:
                words = words[:-n] if at_end else words[n:]
                kind = kind or affix_kind
                break
    return " ".join(_drop_articles(words)), kind


def name_forms(name: str) -> tuple[str, str, str | None]:
    """(normal form, normal form without kind words, the kind they imply): tokenised once."""
    words = _drop_articles(tokens(name))
    return " ".join(words), *_split_words(words)


def skeleton(name: str) -> str:
    """Consonant key of a name: romanisation differences folded away."""
    return skeleton_of_normal(normal_form(name))


def skeleton_of_normal(normal: str) -> str:
    """:func:`skeleton` of a text already in normal form.

    An initial vowel is kept as "a" (Erbil/Arbil/Irbil, Isfahan/Esfahan), so that names
    such as Ashdod and Shaddadi do not share a key.
    """
    key = _VOWEL_W.sub("", _FINAL_H.sub("", normal)).replace(" ", "")
    initial = "a" if key[:1] in ("a", "e", "i", "o", "u") else ""
    for old, new in _FOLDS[:10]:
        key = key.replace(old, new)
    key = _DOUBLES.sub(_FIRST, key.translate(_LETTER_FOLDS))
    return initial + _DOUBLES.sub(_FIRST, key.translate(_LAST_FOLDS))


# The skeleton's folds of letters that romanisations write differently, but not those of
# letters Arabic keeps apart (sh and s, kh and h): "Hayash" is not "Hayes".
_LOOSE_CONSONANTS = [("ch", "sh"), ("zh", "j"), ("dj", "j"), ("dh", "th"), ("ph", "f"),
                     ("ck", "k"), ("gh", "g"), ("q", "k"), ("g", "k"), ("c", "k"), ("x", "ks")]
_VOWEL_FOLDS = [("ou", "u"), ("oo", "u"), ("ee", "i"), ("ei", "ai"), ("e", "a"), ("o", "u")]
_LOOSE_LETTER_FOLDS = str.maketrans(dict(_LOOSE_CONSONANTS[7:]))  # one pass, as the skeleton's
_VOWEL_LETTER_FOLDS = str.maketrans(dict(_VOWEL_FOLDS[4:]))
_VOWELS = re.compile(r"[aeiou]")
_CONSONANT_DOUBLES = re.compile(r"([^aeiou])\1+")


@functools.lru_cache(maxsize=262_144)
def _loose_letters(normal: str) -> str:
    key = _FINAL_H.sub("", normal).replace(" ", "")
    for old, new in _LOOSE_CONSONANTS[:7]:
        key = key.replace(old, new)
    key = key.translate(_LOOSE_LETTER_FOLDS)
    for old, new in _VOWEL_FOLDS[:4]:
        key = key.replace(old, new)
    return key.translate(_VOWEL_LETTER_FOLDS)


@functools.lru_cache(maxsize=262_144)
def loose_form(normal: str) -> str:
    """A normal form with romanisation differences folded, vowels kept (see above)."""
    return _DOUBLES.sub(_FIRST, _loose_letters(normal).replace("y", "i"))


@functools.lru_cache(maxsize=262_144)
def vowel_pattern(normal: str) -> str:
    """The loose form with inner vowels alike: "Qaem" and "Qaim", "Saraqab" and "Saraqib" meet.

    A consonantal y stays, so that "Maadan" and "Mayadin" do not.
    """
    letters = _CONSONANT_DOUBLES.sub(_FIRST, _loose_letters(normal))
    # A final vowel is kept: -i (of a people, a saint) and -a (feminine) make other names.
    return _VOWELS.sub("a", letters[:-1]) + letters[-1:]


def script_key(name: str) -> str:
    """Exact key for a name in a non-Latin script (Arabic, Persian...): NFKC, case-folded."""
    text = unicodedata.normalize("NFKC", name).casefold()
    text = "".join(c for c in text if not unicodedata.combining(c) and unicodedata.category(c) != "Mn")
    return "u:" + " ".join(text.replace("\u0640", "").split())
