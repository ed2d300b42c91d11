"""`geomap extract --json FILE` and `--jsonl FILE...` (DESIGN.md), through the real console script."""

import json
import os
import subprocess
import sys

import pytest

SHELLING = """---
title: Mortar fire on a Diyala village
published: 2024-05-09
---
Iraqi army units shelled Islamic State hideouts with mortars near Muqdadiya on Wednesday, the army said.
"""
PROTEST = """---
published: 2024-06-02
---
Hundreds of teachers protested outside the governorate building in Nasiriyah on Saturday,
demanding unpaid wages.
"""
NOTHING = """---
published: 2024-06-03
---
The foreign ministers of Iraq and Jordan met in Amman to discuss trade and water sharing.
"""
UNDATED = """Militants attacked an army checkpoint near Tuz Khurmatu on 14 March 2024, killing two soldiers.

A day earlier, a roadside bomb wounded three policemen in Kirkuk.
"""
NO_DAY_AT_ALL = "Militants attacked an army checkpoint near Tuz Khurmatu, killing two soldiers.\n"


@pytest.fixture
def env(gazetteer_path):
    return {**os.environ, "GEOMAP_GAZETTEER_DB": str(gazetteer_path)}


def run_extract(args, env):
    return subprocess.run([sys.executable, "-m", "geomap", "extract", *map(str, args)],
                          capture_output=True, text=True, env=env, timeout=300)


def write(folder, name, text):
    path = folder / name
    path.write_text(text, "utf-8")
    return path


def test_jsonl_prints_one_collection_per_file_in_order(tmp_path, env):
    files = [write(tmp_path, "b_shelling.md", SHELLING), write(tmp_path, "a_nothing.md", NOTHING),
             write(tmp_path, "c_protest.md", PROTEST)]
    done = run_extract(["--jsonl", *files], env)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [c["type"] for c in lines] == ["FeatureCollection"] * 3
    shelling, nothing, protest = (c["features"] for c in lines)
    assert [f["properties"]["sub_event_type"] for f in shelling] == ["Shelling/artillery/missile attack"]
    assert shelling[0]["properties"]["event_date"] == "2024-05-08"  # the Wednesday before publication
    assert shelling[0]["properties"]["source"]["document"] == "b_shelling.md"
    assert nothing == []
    assert [(f["properties"]["sub_event_type"], f["properties"]["event_date"]) for f in protest] == [
        ("Peaceful protest", "2024-06-01")]


def test_json_takes_front_matter_date_and_published_option_fills_a_bare_file(tmp_path, env):
    bare = write(tmp_path, "bare.txt", SHELLING.split("---\n")[-1])
    done = run_extract(["--json", "--published", "2024-05-16", bare], env)
    assert done.returncode == 0, done.stderr
    assert [f["properties"]["event_date"] for f in json.loads(done.stdout)["features"]] == ["2024-05-15"]
    # The option wins over the front matter.
    dated = write(tmp_path, "dated.md", SHELLING)
    done = run_extract(["--json", "--published", "2024-05-16", dated], env)
    assert [f["properties"]["event_date"] for f in json.loads(done.stdout)["features"]] == ["2024-05-15"]


def test_json_refuses_several_files(tmp_path, env):
    files = [write(tmp_path, "a.md", SHELLING), write(tmp_path, "b.md", PROTEST)]
    done = run_extract(["--json", *files], env)
    assert done.returncode == 2 and "--jsonl" in done.stderr


def test_undated_report_is_dated_from_its_own_latest_day_with_a_warning(tmp_path, env):
    done = run_extract(["--json", write(tmp_path, "undated.txt", UNDATED)], env)
    assert done.returncode == 0, done.stderr
    assert "no publication date" in done.stderr and "--published" in done.stderr
    found = {f["properties"]["sub_event_type"]: f["properties"] for f in json.loads(done.stdout)["features"]}
    clash = found["Armed clash"]
    assert (clash["event_date"], clash["time_precision"]) == ("2024-03-14", 1)
    bomb = found["Remote explosive/landmine/IED"]
    assert bomb["event_date"] == "2024-03-13"  # "a day earlier", across the paragraph break
    assert clash["source"]["published"] is None  # not invented


def test_report_with_no_date_at_all_is_refused_naming_published(tmp_path, env):
    path = write(tmp_path, "no_day.txt", NO_DAY_AT_ALL)
    done = run_extract(["--json", path], env)
    assert done.returncode == 2 and "--published" in done.stderr and done.stdout == ""
    # In a batch the refusal takes its own line, so lines still pair with files.
    done = run_extract(["--jsonl", path, write(tmp_path, "protest.md", PROTEST)], env)
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert done.returncode == 1 and len(lines) == 2
    assert lines[0]["features"] == [] and "--published" in lines[0]["error"]["message"]
    assert len(lines[1]["features"]) == 1
