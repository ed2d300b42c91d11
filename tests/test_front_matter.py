"""Report front matter: a YAML alias bomb and an oversized block are refused before they expand."""

import pytest

from geomap.errors import ValidationError
from geomap.extract.front_matter import MAX_FRONT_MATTER, parse_front_matter
from geomap.extract.report import read_report
from geomap.services.ingest import ingest_paths
from geomap.store import SQLiteStore

# Nine levels of nine aliases: 9**9 (387 million) strings once expanded, in under 500 bytes.
BOMB = "\n".join(
    ["---", "title: Rocket fire reported near Mayadin", "a: &a [" + ",".join(['"lol"'] * 9) + "]"]
    + [f"{name}: &{name} [{','.join(['*' + prev] * 9)}]"
       for prev, name in zip("abcdefgh", "bcdefghi", strict=True)]
    + ["---", "Rockets struck near Mayadin on Thursday, local sources said."])


def test_the_alias_bomb_is_small_and_refused_naming_the_alias():
    assert len(BOMB) < 500
    with pytest.raises(ValidationError) as refused:
        parse_front_matter(BOMB)
    assert refused.value.field == "front matter"
    assert refused.value.message == "line 4: uses the YAML alias *a; aliases are not accepted"


def test_ingest_of_a_report_with_the_bomb_refuses_that_file(tmp_path):
    report = tmp_path / "mayadin.md"
    report.write_text(BOMB, encoding="utf-8")
    with SQLiteStore(tmp_path / "geomap.sqlite") as store:
        result = ingest_paths(store, [report], gazetteer_factory=lambda: None).files[0]
    assert result.error == "front matter: line 4: uses the YAML alias *a; aliases are not accepted"
    assert result.added == 0


def test_an_oversized_front_matter_block_is_refused(tmp_path):
    report = tmp_path / "long.md"
    report.write_text("---\ntitle: x\nnotes: " + "n" * MAX_FRONT_MATTER + "\n---\nText.\n")
    with pytest.raises(ValidationError, match=f"longer than {MAX_FRONT_MATTER:,} characters"):
        read_report(report)


def test_ordinary_front_matter_and_a_markdown_rule_in_the_text_are_read_as_before():
    meta, content = parse_front_matter(
        "---\ntitle: Drones shot down near Ain al-Assad\npublished: 2022-04-08\n"
        "url: https://example.org/a\n---\nFirst paragraph.\n\n---\n\nAfter a rule.\n")
    assert meta["title"] == "Drones shot down near Ain al-Assad" and str(meta["published"]) == "2022-04-08"
    assert content == "First paragraph.\n\n---\n\nAfter a rule."
    assert parse_front_matter("No front matter.\n\n---\n\nStill text.") == (
        {}, "No front matter.\n\n---\n\nStill text.")
