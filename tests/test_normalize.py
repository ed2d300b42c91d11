"""Name keys: romanisations of one Arabic, Persian or Kurdish name share a skeleton."""

import pytest

from geomap.gazetteer.normalize import normal_form, skeleton, split_kind

SAME_PLACE = [
    ("Deir ez-Zor", "Deir Azor", "Dayr az-Zawr", "Deir al-Zour", "Deir Ezzor", "Dair el-Zor"),
    ("Ain al-Asad", "Ayn al-Assad", "Ein el Asad", "'Ayn al-Asad"),
    ("Erbil", "Arbil", "Irbil"),
    ("Tall Afar", "Tal Afar", "Tel Afar", "Tell Afar"),
    ("Qamishli", "Kamishli", "Qameshli", "Al-Qamishly"),
    ("Huwayjah", "Hawija", "Hweija", "Al-Hawijah"),
    ("Ahvaz", "Ahwaz", "Ahvāz"),
    ("Isfahan", "Esfahan", "Eşfahān"),
    ("Mosul", "Mawsil", "Al-Mosul", "Mousoul"),
    ("Ramadi", "Ar-Ramadi", "Ramadiyah", "Ramadieh"),
    ("Jabal Sinjar", "Jebel Sinjar", "Djebel Sinjar"),
    ("Sheikh Maqsoud", "Shaykh Maqsud", "Cheikh Maksoud"),
]


@pytest.mark.parametrize("spellings", SAME_PLACE, ids=lambda s: s[0])
def test_spellings_of_one_name_share_a_skeleton(spellings):
    assert len({skeleton(s) for s in spellings}) == 1


@pytest.mark.parametrize("one, other", [("Ashdod", "Shaddadi"), ("Baghdad", "Bagram"),
                                        ("Homs", "Hama"), ("Ain al-Asad", "Bassel al-Assad")])
def test_different_names_keep_different_skeletons(one, other):
    assert skeleton(one) != skeleton(other)


@pytest.mark.parametrize("query, core, kind", [
    ("al-Anbar province", "anbar", "division"),
    ("Ain al-Asad Air Base", "ain asad", "airfield"),
    ("Ain al-Asad airbase", "ain asad", "airfield"),
    ("Baghdad International Airport", "baghdad", "airfield"),
    ("al-Omar oil field", "omar", "field"),
    ("Deir ez-Zor governorate", "deir zor", "division"),
    ("Camp Taji", "taji", "base"),
    ("city of Mosul", "mosul", "city"),
    ("Mosul", "mosul", None),
])
def test_kind_words_are_set_aside_and_named(query, core, kind):
    assert split_kind(query) == (core, kind)


def test_a_lone_kind_word_is_kept_as_the_name():
    assert split_kind("Airport") == ("airport", None)


def test_article_alone_is_not_dropped():
    assert normal_form("Al") == "al"
