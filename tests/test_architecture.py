"""The architecture of DESIGN.md, checked mechanically (ast and line counts, no imports of the checked code):

- dashboard.py and pages/ are UI only: no SQL text, no import of etl / duckdb, no queries run, no raw HTML;
  they name no fact table, derived table or view of the database and write no number format (decimals, printf
  formats, format specs, round) — the measure catalogue and the data layer hold those;
- nothing in dashboard.py, pages/ or app/ turns HTML rendering on;
- app/ and pages/ never import etl; core/ imports neither app nor etl;
- no module in app/, etl/, pages/, core/ is longer than 400 lines;
- tests/, bench/ and devtools/ never touch sys.path: bench scripts run as modules (`python -m bench.load`), and
  the README names every one that way.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
UI_FILES = ("dashboard.py", *sorted(f"pages/{p.name}" for p in (ROOT / "pages").glob("*.py")))
MAX_LINES = 400


def python_files(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py") if ".venv" not in p.parts)


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def tree(path: Path | str) -> ast.Module:
    source = path if isinstance(path, str) else path.read_text(encoding="utf-8")
    return ast.parse(source)


def strings(node: ast.AST) -> Iterator[ast.Constant]:
    """Every string constant, f-string parts and docstrings included."""
    for child in ast.walk(node):
        if isinstance(child, ast.Constant) and isinstance(child.value, str):
            yield child


def imported_modules(node: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, top-level module) of every import, relative imports excluded."""
    for child in ast.walk(node):
        if isinstance(child, ast.Import):
            yield from ((child.lineno, alias.name.split(".")[0]) for alias in child.names)
        elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
            yield child.lineno, child.module.split(".")[0]


# --------------------------------------------------------------------------------------------- pages: UI only

SQL_TEXT = re.compile(r"\bSELECT\s|\bFROM\s+[A-Za-z_\"(]|\bINSERT\s+INTO\b|\bDELETE\s+FROM\b|\bUPDATE\s+\w+\s+SET\b"
                      r"|\b(?:CREATE|DROP)\s+(?:TABLE|VIEW)\b|\bselect\b[\s\S]+\bfrom\b")
FORBIDDEN_MODULES = ("etl", "duckdb", "sqlite3")
FORBIDDEN_ATTRIBUTES = ("html", "query", "execute", "sql")  # st.html, components.html, db.query, cursor.execute


def architecture_violations(source: str) -> list[str]:
    """What breaks 'pages are UI only': SQL text, imports of etl/duckdb, raw HTML, running queries."""
    found = [f"import {module}" for _line, module in imported_modules(tree(source)) if module in FORBIDDEN_MODULES]
    for node in ast.walk(tree(source)):
        if isinstance(node, ast.keyword) and node.arg == "unsafe_allow_html":
            found.append("unsafe_allow_html=")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if "unsafe_allow_html" in node.value:
                found.append("'unsafe_allow_html'")
            if SQL_TEXT.search(node.value):
                found.append(f"SQL in {node.value[:40]!r}")
        elif isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_ATTRIBUTES:
            found.append(f".{node.attr}")
    return found


def sql_objects() -> tuple[set[str], set[str], set[str]]:
    """(fact tables, derived tables and views, metadata tables) of the data model, from every .sql file of etl/.

    Fact tables: tables with `ars`, `source_id` and `is_demo` columns. Derived: `CREATE TABLE … AS` and every
    view. Metadata: the other tables whose names cannot be ordinary words (build_info, load_log, …); `region`,
    `source`, `program` … are left out, as they are also column names and words."""
    facts, derived, metadata = set(), set(), set()
    for path in sorted((ROOT / "etl").rglob("*.sql")):
        text = re.sub(r"--[^\n]*", "", path.read_text(encoding="utf-8"))
        for name in re.findall(r"CREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMP\s+)?VIEW\s+(\w+)", text, re.IGNORECASE):
            derived.add(name)
        for name in re.findall(r"CREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMP\s+)?TABLE\s+(\w+)\s+AS\b", text,
                               re.IGNORECASE):
            derived.add(name)
        for name, body in re.findall(r"CREATE\s+TABLE\s+(\w+)\s*\(([\s\S]*?)\n\);", text, re.IGNORECASE):
            columns = {line.split()[0] for line in body.splitlines() if line.strip()}
            if {"ars", "source_id", "is_demo"} <= columns:
                facts.add(name)
            elif "_" in name:
                metadata.add(name)
    return facts, derived - facts, metadata - facts - derived


FACT_TABLES, DERIVED_OBJECTS, METADATA_TABLES = sql_objects()
PRINTF_NUMBER = re.compile(r"%[-+0#,]*\d*\.\d+[dfieEgG%]|%[-+0#,]*\d*[fF]\b")  # "%.1f", "%,.2f", "%f"
SPEC_NUMBER = re.compile(r"[,_]?\.\d+[fe%gn]|^[,_]?\d*[dfe%n]$")


def database_names(source: str, names: set[str]) -> list[str]:
    """The given database object names written in a page. A string compared for equality (`kind ==
    "certification"`) is a value of a column, not an object's name, and is not counted."""
    pattern = re.compile(r"\b(" + "|".join(sorted(names, key=len, reverse=True)) + r")\b")
    module = tree(source)
    compared = {id(operand) for node in ast.walk(module) if isinstance(node, ast.Compare)
                and all(isinstance(op, ast.Eq | ast.NotEq) for op in node.ops)
                for operand in (node.left, *node.comparators)}
    return [f"{m.group(1)!r} (line {node.lineno})" for node in strings(module) if id(node) not in compared
            for m in pattern.finditer(node.value)]


def literal_number(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool)


def number_formats(source: str) -> list[str]:
    """Number formats written in a page: decimals=1 / {"decimals": 1}, printf formats ("%.1f"), format specs
    (f"{x:.1f}", "{:,.0f}".format), round(x, 1). Handing on the catalogue's `decimals=spec.decimals` is none."""
    found = []
    for node in ast.walk(tree(source)):
        if isinstance(node, ast.keyword) and node.arg == "decimals" and literal_number(node.value):
            found.append(f"decimals= (line {node.value.lineno})")
        elif isinstance(node, ast.Dict):
            found += [f"'decimals': (line {k.lineno})" for k, v in zip(node.keys, node.values, strict=True)
                      if isinstance(k, ast.Constant) and k.value == "decimals" and literal_number(v)]
        elif isinstance(node, ast.FormattedValue) and node.format_spec is not None:
            spec = "".join(v.value for v in node.format_spec.values if isinstance(v, ast.Constant))  # type: ignore[attr-defined]
            if SPEC_NUMBER.search(spec):
                found.append(f"format spec {spec!r} (line {node.lineno})")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found += [f"format {m.group(0)!r} (line {node.lineno})" for m in PRINTF_NUMBER.finditer(node.value)]
            found += [f"format {m!r} (line {node.lineno})" for m in re.findall(r"\{[^{}]*:[^{}]*\.\d+[fe%]\}",
                                                                                node.value)]
        elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "round" and len(node.args) == 2 \
                and literal_number(node.args[1]):
            found.append(f"round(…, n) (line {node.lineno})")
    return found


def test_the_page_checks_find_what_they_look_for() -> None:
    bad = '''
import duckdb
from etl.build import run_build
import streamlit as st
st.markdown(name, unsafe_allow_html=True)
st.write(**{"unsafe_allow_html": True})
st.html(name)
frame = db.query(build, f"SELECT * FROM region WHERE ars = '{key}'")
cur.execute("select name from region")
'''
    found = architecture_violations(bad)
    for expected in ("import duckdb", "import etl", "unsafe_allow_html=", "'unsafe_allow_html'", ".html",
                     ".query", ".execute"):
        assert expected in found, expected
    assert sum(f.startswith("SQL in") for f in found) == 2
    assert architecture_violations('st.caption("Region auswählen (select)")\nst.query_params["a"] = "b"') == []

    assert {"procedure_snapshot", "online_service", "funding_grant", "certification"} <= FACT_TABLES
    assert {"v_ranks", "v_digitales_amt", "metric_rank"} <= DERIVED_OBJECTS
    assert {"build_info", "data_dictionary", "load_log"} <= METADATA_TABLES
    assert not {"region", "source", "population", "program"} & (FACT_TABLES | DERIVED_OBJECTS | METADATA_TABLES)
    names = database_names('TABLE = "v_digitales_amt"\nFACTS = ("funding_grant",)\nx = f"{n} certification"\n'
                           'label = "Zertifizierung im v_digitales_amtx und funding_grants"\n'
                           'if row["kind"] == "certification" and "funding_grant" in specs: pass',
                           FACT_TABLES | DERIVED_OBJECTS)
    assert names == ["'v_digitales_amt' (line 1)", "'funding_grant' (line 2)", "'certification' (line 3)",
                     "'funding_grant' (line 5)"]

    formats = number_formats('fmt(x, decimals=1)\nD = {"decimals": 2}\nt = f"{v:.1f} €"\ns = f"{v:,.0f}"\n'
                             'c = NumberColumn(format="%.2f")\nr = round(v, 1)\nu = "{:.1f}".format(v)\n')
    assert len(formats) == 7, formats
    assert number_formats('t = f"{name} ({count})"\nd = f"{day:%d.%m.%Y}"\nw = f"{w:>10}"\nround(v)\n'
                          'st.caption("100 % der Gemeinden")\nfig(x, decimals=spec.decimals)\n'
                          'D = {"decimals": spec.decimals}\nround(v, spec.decimals)') == []


@pytest.mark.parametrize("ui_file", UI_FILES)
def test_pages_are_ui_only(ui_file: str) -> None:
    """dashboard.py and every page: no SQL, no `import etl`/duckdb, no raw HTML, no queries run."""
    assert len(UI_FILES) >= 7  # dashboard.py and the six pages
    assert architecture_violations((ROOT / ui_file).read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("ui_file", UI_FILES)
def test_pages_name_no_fact_table_or_view(ui_file: str) -> None:
    assert database_names((ROOT / ui_file).read_text(encoding="utf-8"), FACT_TABLES | DERIVED_OBJECTS) == []


@pytest.mark.parametrize("ui_file", UI_FILES)
def test_pages_name_no_metadata_table(ui_file: str) -> None:
    """build_info, load_log, data_dictionary …: the data layer offers them by what they are for."""
    assert database_names((ROOT / ui_file).read_text(encoding="utf-8"), METADATA_TABLES) == []


@pytest.mark.parametrize("ui_file", UI_FILES)
def test_pages_write_no_number_format(ui_file: str) -> None:
    assert number_formats((ROOT / ui_file).read_text(encoding="utf-8")) == []


# fixed CSS, no data: labels wrap instead of being cut; charts are whole pixels wide (drawn once, not twice)
STYLE_ONLY = {"app/ui/readable.py": "WRAP_CSS", "app/ui/chart_width.py": "CHART_WIDTH_CSS"}


def _fixed_style(path: Path, node: ast.Attribute) -> bool:
    """st.html(CONSTANT) in a module allowed to set a fixed style rule, the constant a literal <style>."""
    name = STYLE_ONLY.get(relative(path))
    if name is None or node.attr != "html":
        return False
    module = tree(path)
    calls = [c for c in ast.walk(module) if isinstance(c, ast.Call) and isinstance(c.func, ast.Attribute)
             and c.func.attr == "html" and c.func.lineno == node.lineno]
    constants = {t.id: a.value for a in module.body if isinstance(a, ast.Assign) for t in a.targets
                 if isinstance(t, ast.Name)}
    literal = constants.get(name)
    return (len(calls) == 1 and [ast.unparse(a) for a in calls[0].args] == [name] and not calls[0].keywords
            and isinstance(literal, ast.Constant) and str(literal.value).lstrip().startswith("<style>")
            and str(literal.value).rstrip().endswith("</style>") and str(literal.value).count("<") == 2)


def test_no_page_or_app_module_renders_html() -> None:
    """No page or app module turns HTML rendering on: no unsafe_allow_html=True, no st.html, no components."""
    files = [ROOT / "dashboard.py", *python_files("pages", "app")]
    found = []
    for path in files:
        for node in ast.walk(tree(path)):
            if isinstance(node, ast.keyword) and node.arg == "unsafe_allow_html" and not (
                    isinstance(node.value, ast.Constant) and node.value.value is False):
                found.append(f"{relative(path)}:{node.value.lineno} unsafe_allow_html")
            if isinstance(node, ast.Attribute) and node.attr in ("html", "components") and getattr(
                    node.value, "id", "") == "st" and not _fixed_style(path, node):
                found.append(f"{relative(path)}:{node.lineno} st.{node.attr}")
            if isinstance(node, (ast.Import, ast.ImportFrom)) and "components" in ast.unparse(node):
                found.append(f"{relative(path)}:{node.lineno} {ast.unparse(node)}")
    assert len(files) > 10 and found == []


def grids_without_placeholder(path: Path) -> list[int]:
    """Lines of st.dataframe calls that leave a missing value to Streamlit's default text, the English "None"."""
    return [node.lineno for node in ast.walk(tree(path)) if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute) and node.func.attr == "dataframe"
            and getattr(node.func.value, "id", "") == "st" and "placeholder" not in {k.arg for k in node.keywords}]


def test_every_grid_shows_a_missing_value_as_a_dash(tmp_path: Path) -> None:
    files = [ROOT / "dashboard.py", *python_files("pages", "app")]
    calls = sum(ast.unparse(tree(p)).count("st.dataframe(") for p in files)
    assert calls >= 10 and [f"{relative(p)}:{line}" for p in files for line in grids_without_placeholder(p)] == []
    sample = tmp_path / "sample.py"
    sample.write_text("st.dataframe(frame, width='stretch')\nst.dataframe(frame, placeholder=NO_VALUE)\n")
    assert grids_without_placeholder(sample) == [1]


def stylers(path: Path) -> list[int]:
    """Lines that make a pandas Styler (`frame.style`): rendering one for a grid cost 64 % of Förderung's rerun and
    13 ms of every profile; grids show numbers through app.ui.tables.localized instead."""
    return [node.lineno for node in ast.walk(tree(path)) if isinstance(node, ast.Attribute) and node.attr == "style"
            and not (isinstance(node.value, ast.Name) and node.value.id == "app")]


def test_no_grid_gets_a_pandas_styler(tmp_path: Path) -> None:
    files = [ROOT / "dashboard.py", *python_files("pages", "app")]
    assert [f"{relative(p)}:{line}" for p in files for line in stylers(p)] == []
    sample = tmp_path / "sample.py"
    sample.write_text("st.dataframe(frame.style.format(precision=1))\nfrom app import style\nx = app.style.NOTE\n")
    assert stylers(sample) == [1]


def direct_charts(path: Path) -> list[int]:
    """Lines of st.plotly_chart calls outside downloads.plotly_chart, which gives every chart its config (the camera
    saves a PNG named like the downloads, a map finds its topology on our server) and its theme."""
    if path == ROOT / "app" / "ui" / "downloads.py":
        return []
    return [node.lineno for node in ast.walk(tree(path)) if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute) and node.func.attr == "plotly_chart"
            and getattr(node.func.value, "id", "") == "st"]


def test_every_chart_goes_out_through_the_one_chart_call(tmp_path: Path) -> None:
    files = [ROOT / "dashboard.py", *python_files("pages", "app")]
    assert sum(ast.unparse(tree(p)).count("downloads.plotly_chart(") for p in files) >= 6
    assert [f"{relative(p)}:{line}" for p in files for line in direct_charts(p)] == []
    sample = tmp_path / "sample.py"
    sample.write_text("st.plotly_chart(fig, width='stretch')\ndownloads.plotly_chart(fig, 'name', build)\n")
    assert direct_charts(sample) == [1]


# --------------------------------------------------------------------------------------------- parts and sizes

def imports_of(files: Iterable[Path], forbidden: set[str]) -> list[str]:
    return [f"{relative(path)}:{line} imports {module}" for path in files
            for line, module in imported_modules(tree(path)) if module in forbidden]


def test_app_and_pages_never_import_etl() -> None:
    files = [ROOT / "dashboard.py", *python_files("app", "pages")]
    assert len(files) > 20 and imports_of(files, {"etl"}) == []


def test_core_imports_neither_app_nor_etl() -> None:
    files = python_files("core")
    assert files, "core/ holds what app and etl share"
    assert imports_of(files, {"app", "etl", "pages", "dashboard"}) == []


def test_no_module_is_longer_than_400_lines() -> None:
    files = [ROOT / "dashboard.py", *python_files("app", "etl", "pages", "core")]
    long = {relative(p): n for p in files if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert len(files) > 40 and long == {}


# --------------------------------------------------------------------------------------------- tests and bench

def path_edits(source: str) -> list[str]:
    """sys.path or site.addsitedir in a module (any use: read, insert, append, assignment)."""
    found = []
    for node in ast.walk(tree(source)):
        if isinstance(node, ast.Attribute) and node.attr == "path" and getattr(node.value, "id", "") == "sys":
            found.append(f"sys.path (line {node.lineno})")
        elif isinstance(node, ast.Attribute) and node.attr == "addsitedir":
            found.append(f"addsitedir (line {node.lineno})")
        elif isinstance(node, ast.ImportFrom) and node.module == "sys" and any(a.name == "path" for a in node.names):
            found.append(f"from sys import path (line {node.lineno})")
    return found


def test_the_path_check_finds_what_it_looks_for() -> None:
    assert len(path_edits("import sys\nsys.path.insert(0, 'x')\nfrom sys import path\nimport site\n"
                          "site.addsitedir('y')\nsys.path = []\n")) == 4
    assert path_edits("import os\nos.path.join('a', 'b')\nfrom pathlib import Path\n") == []


def test_tests_bench_and_devtools_leave_sys_path_alone() -> None:
    files = python_files("tests", "bench", "devtools")
    found = [f"{relative(p)}: {edit}" for p in files if p.name != "test_architecture.py"
             for edit in path_edits(p.read_text(encoding="utf-8"))]
    assert len(files) > 40 and found == []


def test_every_bench_script_runs_as_a_module_and_the_readme_says_so() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    scripts = [p.stem for p in sorted((ROOT / "bench").glob("*.py"))
               if 'if __name__ == "__main__"' in p.read_text(encoding="utf-8")]
    assert len(scripts) >= 5
    missing = [s for s in scripts if f"python -m bench.{s}" not in readme]
    assert missing == [], f"README 'Benchmarks' lacks: {missing}"
    assert not re.search(r"python bench/\w+\.py", readme), "bench scripts are run as modules"


def test_no_bench_script_shadows_a_project_package() -> None:
    """`streamlit run bench/naive_map.py` puts bench/ first on sys.path: bench/etl.py would hide the etl package."""
    packages = {d.name for d in ROOT.iterdir() if d.is_dir() and any(d.glob("*.py"))} | {"dashboard"}
    assert {"etl", "app", "core", "devtools", "bench"} <= packages
    assert sorted(p.stem for p in (ROOT / "bench").glob("*.py") if p.stem in packages) == []
