"""Crafted GeoNames dumps: a zip bomb, an endless line, a place with 300,000 names, a file of
junk; each refused quickly in bounded memory, and the refused lines counted by reason."""

# ruff: noqa: F811  (the fixtures imported below are parameters of the tests)
from __future__ import annotations

import zipfile

import pytest
from click.testing import CliRunner

from geomap.cli import main
from geomap.errors import SourceError
from geomap.gazetteer import geonames_dump
from tests.test_geonames_dump import (  # noqa: F401  (fixtures)
    KEPT_PLACES,
    cli_env,
    dump_dir,
    gazetteer_db,
    names_of,
    place,
)

VILLAGE = ("99200001\tQaryat al-Sumud\tQaryat al-Sumud\t{names}\t34.51\t43.02\tP\tPPL\tIQ\t\t01"
           "\t\t\t\t0\t\t120\tAsia/Baghdad\t2024-03-01\n")


def test_a_zip_that_would_unpack_to_gigabytes_is_refused_before_reading(tmp_path, gazetteer_db):
    bomb = tmp_path / "IQ.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open("IQ.txt", "w", force_zip64=True) as member:
            block = b"9" * (1 << 20)
            for _ in range(80):  # one 80 MB line of digits, packed to ~80 KB
                member.write(block)
    with pytest.raises(SourceError, match=r"IQ.txt would unpack to 83,886,080 bytes from [\d,]+ "
                                          r"\([\d,]{4,}:1\).*not read"):
        geonames_dump.import_dump(gazetteer_db, bomb)


def test_an_endless_line_is_refused_and_the_lines_after_it_imported(tmp_path, gazetteer_db, dump_dir):
    dump = tmp_path / "IQ.txt"
    lines = (dump_dir / "IQ.txt").read_bytes().splitlines(keepends=True)
    endless = b"99100099\tJunk\t" + b"x" * (3 * geonames_dump.MAX_LINE_BYTES) + b"\n"
    dump.write_bytes(b"".join(lines[:3]) + endless + b"".join(lines[3:]))
    counts = geonames_dump.import_dump(gazetteer_db, dump)
    assert counts["places"] == KEPT_PLACES
    assert counts["refused_why"][f"longer than {geonames_dump.MAX_LINE_BYTES:,} bytes"] == 1


def test_a_place_with_too_many_names_is_refused(tmp_path, gazetteer_db, dump_dir):
    dump = tmp_path / "IQ.txt"
    crowded = VILLAGE.format(names=",".join(f"S{n}" for n in range(12_000)))
    modest = VILLAGE.replace("99200001", "99200002").format(names="Sumud,Samood")
    dump.write_text(crowded + modest, encoding="utf-8")
    counts = geonames_dump.import_dump(gazetteer_db, dump)
    assert counts["places"] == 1 and counts["refused"] == 1
    assert counts["refused_why"] == {
        f"more than {geonames_dump.MAX_NAMES_PER_PLACE:,} names for one place": 1}
    assert place(gazetteer_db, "geonames:99200001") is None
    assert "Samood" in names_of(gazetteer_db, "geonames:99200002")


def test_a_file_of_junk_stops_after_the_first_lines(tmp_path, gazetteer_db):
    junk = tmp_path / "IQ.txt"
    with junk.open("wb") as f:
        for number in range(geonames_dump.FIRST_LINES * 5):
            f.write(b"junk line %d with no tabs\n" % number)
    with pytest.raises(SourceError, match=r"the first 10,000 lines are not GeoNames lines "
                                          r"\(10,000 not 19 tab-separated columns\); the rest"):
        geonames_dump.import_dump(gazetteer_db, junk)


def test_the_cli_prints_how_many_lines_were_refused_and_why(cli_env, tmp_path, dump_dir):
    dump = tmp_path / "IQ.txt"
    good = (dump_dir / "IQ.txt").read_bytes()
    dump.write_bytes(good + b"99300001\t\xff\xfe broken\n" + b"99300002\tNo columns\n")
    result = CliRunner().invoke(main, ["gazetteer", "import", str(dump)], env=cli_env)
    assert result.exit_code == 0, result.output
    assert (f"IQ.txt: {KEPT_PLACES} places" in result.stderr
            and "4 lines refused (2 not 19 tab-separated columns, "
                                   "1 a number column is not a number, 1 not UTF-8)" in result.stderr)
