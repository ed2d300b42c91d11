"""A plain `pip install .` carries its data: curated gazetteer, seeds, static files, migrations."""

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_every_subpackage_is_listed_in_pyproject():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "geomap").rglob("__init__.py")}
    assert found <= listed


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                    "-w", str(out), str(ROOT)], check=True, timeout=300)
    return zipfile.ZipFile(next(out.glob("geomap-*.whl")))


def test_wheel_holds_the_data_folders(wheel):
    names = set(wheel.namelist())
    assert "geomap/curated/sites.yaml" in names
    assert "geomap/seeds/000_3ce66746abaef62e.txt" in names
    assert "geomap/store/migrations/001_initial.sql" in names
    assert any(n.startswith("geomap/static/") for n in names) or not any((ROOT / "static").iterdir())


def test_wheel_has_the_console_script(wheel):
    entry_points = next(n for n in wheel.namelist() if n.endswith("entry_points.txt"))
    assert "geomap = geomap.cli:main" in wheel.read(entry_points).decode()
