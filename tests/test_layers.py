"""The layers import one way: cli/web → services → extract/gazetteer/store → model."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "geomap"
MODEL = {"geomap.incident", "geomap.incident_json", "geomap.geometry", "geomap.query",
         "geomap.aggregate", "geomap.errors", "geomap.config", "geomap.datafiles", "geomap.crs",
         "geomap.cql"}
# What each part may import from geomap, besides itself and the model.
ALLOWED = {
    "model": set(),
    "geomap.store": set(),
    "geomap.gazetteer": set(),
    "geomap.extract": {"geomap.gazetteer"},
    "geomap.services": {"geomap.store", "geomap.gazetteer", "geomap.extract"},
    "geomap.web": {"geomap.store", "geomap.gazetteer", "geomap.extract", "geomap.services"},
    "geomap.cli": {"geomap.store", "geomap.gazetteer", "geomap.extract", "geomap.services",
                   "geomap.web"},
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def part_of(module: str) -> str:
    if module in MODEL:
        return "model"
    return next((part for part in ALLOWED if module == part or module.startswith(part + ".")), module)


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_imports_go_one_way(path):
    own = part_of(module_name(path))
    if own not in ALLOWED:
        return  # geomap/__init__.py and __main__.py
    for name in imports(path):
        if name.startswith("geomap.") and part_of(name) not in ("model", own):
            assert part_of(name) in ALLOWED[own], f"{module_name(path)} imports {name}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_only_the_web_imports_flask_and_only_the_cli_imports_click(path):
    own = part_of(module_name(path))
    roots = {name.split(".")[0] for name in imports(path)}
    if "flask" in roots or "werkzeug" in roots:
        assert own == "geomap.web", module_name(path)
    if "click" in roots:
        assert own == "geomap.cli", module_name(path)


def test_a_store_module_importing_the_web_layer_would_be_caught(tmp_path):
    fake = tmp_path / "sqlite.py"
    fake.write_text("from geomap.web.api import bp\nimport flask\n")
    names = imports(fake)
    assert "geomap.web.api" in names and "flask" in names
    assert part_of("geomap.web.api") not in ALLOWED["geomap.store"]
