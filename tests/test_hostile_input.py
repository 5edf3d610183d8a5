"""Hostile input on every page (AppTest on the session build): SQL injection strings, NUL bytes, very long and
unicode strings and path tricks in every query parameter, the search box and every widget a client can send a
raw value for.

The query parameters are found in the page scripts themselves (every `state.Param` a page declares, evaluated
from its source), so a new parameter is tested without being listed here. What each input does with a payload
is asserted concretely:

- query parameters outside their allow-list or pattern fall back to the page's default without a note (see
  app/state.py), and the URL is rewritten to the defaults: the payload neither stays in the URL nor shows up
  anywhere on the page; unknown parameters are dropped;
- the search box passes the payload as a literal value into the region query: "Keine Treffer für …", no region
  picked, while a real name with SQL-ish characters still matches;
- a raw value that is no option of a selectbox, radio, segmented control, slider or multiselect (what a
  modified client could send over the websocket) is reset to an option.

The database file (sha256) and every table's row count are the same before and after, and no file named in an
ATTACH or COPY payload appears.
"""

from __future__ import annotations

import ast
import hashlib
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pytest
from app_support import run as fresh
from streamlit.testing.v1 import AppTest

from app import state
from app.ui.markdown import md

ROOT = Path(__file__).resolve().parent.parent
PROFIL = "pages/3_Gemeindeprofil.py"
SCRATCH = Path(tempfile.gettempdir()) / "digitalmonitor_hostile_input"
ATTACHED = SCRATCH / "attached.db"
COPIED = SCRATCH / "copied.csv"

PAYLOADS = {
    "or_true": "' OR 1=1 --",
    "drop_table": "'; DROP TABLE region; --",
    "bobby_tables": "Robert'); DROP TABLE region;--",
    "union": "1 UNION SELECT ars, name, kind, level, postcode, NULL, NULL FROM region --",
    "like_always_true": "%' OR '%'='",
    "named_parameter": "$level",
    "attach": f"\"; ATTACH '{ATTACHED}' AS x; --",
    "copy": f"'); COPY region TO '{COPIED}'; --",
    "nul_byte": "Dormitz\x00' OR 1=1 --",
    "very_long": "Dormitz" * 15_000,
    "unicode": "Dοrmitz 🏛️ \u202egnuR\u202c Ünïcödé",  # Greek omicron, right-to-left override
    "path": "../../etc/passwd",
    "html": "<script>window.__xss=1</script>",
    "like_percent": "%",
    "like_underscore": "_",
}
# distinctive enough to look for on the page (a lone % is part of ordinary text such as "80 %")
ECHO_CHECKED = {k: v for k, v in PAYLOADS.items() if len(v) >= 8}

# keys and numbers in other scripts' digits: Python's \d and int() accept them, an ASCII key pattern must not
UNICODE_DIGITS = {"arabic_indic_state": "٠٩", "fullwidth_state": "０９", "arabic_indic_key": "٠٩٤٧٤١٢٦٠٠٠٠",
                  "devanagari_count": "१०", "fullwidth_count": "７"}


# --------------------------------------------------------------------------------------------- the pages

def declared_scripts() -> list[str]:
    """The scripts of dashboard.py's st.navigation (the start page is dashboard.py itself)."""
    tree = ast.parse((ROOT / "dashboard.py").read_text(encoding="utf-8"))
    scripts = ["dashboard.py"]
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "Page":
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                scripts.append(first.value)
    return scripts


def page_params(script: str) -> tuple[list[state.Param], object]:
    """Every state.Param a page declares, and its PARAMS tuple: the page's imports and constant assignments
    run on their own (no Streamlit calls, no database)."""
    tree = ast.parse((ROOT / script).read_text(encoding="utf-8"))
    keep: list[ast.stmt] = []
    allowed_calls = {"Param", "tuple", "dict", "range", "list", "frozenset", "set"}
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            keep.append(node)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            calls = {getattr(n.func, "attr", getattr(n.func, "id", "")) for n in ast.walk(node)
                     if isinstance(n, ast.Call)}
            if calls <= allowed_calls:
                keep.append(node)
    namespace: dict[str, Any] = {"__name__": f"params_of_{Path(script).stem}"}
    exec(compile(ast.Module(body=keep, type_ignores=[]), script, "exec"), namespace)
    return [v for v in namespace.values() if isinstance(v, state.Param)], namespace.get("PARAMS")


SCRIPTS = declared_scripts()
PARAMS = {script: page_params(script)[0] for script in SCRIPTS}


def test_every_page_is_covered_and_every_param_is_restored_and_published() -> None:
    assert len(SCRIPTS) == 7 and all((ROOT / s).is_file() for s in SCRIPTS)
    assert sum(len(p) for p in PARAMS.values()) >= 20
    for script in SCRIPTS:
        params, declared = page_params(script)
        if params:
            assert isinstance(declared, tuple) and set(declared) == set(params), script


def default_of(param: state.Param) -> Any:
    return list(param.default or []) if param.many else param.default


# --------------------------------------------------------------------------------------------- the database

def snapshot(path: Path) -> tuple[str, dict[str, int]]:
    """sha256 of the build file and the row count of every table and view."""
    real = path.resolve()
    digest = hashlib.sha256(real.read_bytes()).hexdigest()
    con = duckdb.connect(str(real), read_only=True)
    try:
        names = [n for (n,) in con.execute("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall()]
        counts = {n: con.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}  # noqa: S608
    finally:
        con.close()
    return digest, counts


@pytest.fixture(scope="module")
def before(db_path: Path) -> tuple[str, dict[str, int]]:
    SCRATCH.mkdir(parents=True, exist_ok=True)
    for leftover in (ATTACHED, COPIED):
        leftover.unlink(missing_ok=True)
    return snapshot(db_path)


@contextmanager
def database_unchanged(db_path: Path, before: tuple[str, dict[str, int]]) -> Iterator[None]:
    yield
    digest, counts = snapshot(db_path)
    assert counts == before[1] and counts["region"] > 10_000
    assert digest == before[0], "the database file changed"
    assert not ATTACHED.exists() and not COPIED.exists()


# --------------------------------------------------------------------------------------------- AppTest helpers

def errors(at: AppTest) -> list[str]:
    return [str(e.value)[:300] for e in at.exception]


def rendered(at: AppTest) -> bytes:
    """The serialized protos of every element on the page (texts, tables as Arrow, figures as JSON)."""
    out = bytearray()

    def walk(node: Any) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "SerializeToString"):
            out.extend(proto.SerializeToString())
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return bytes(out)


def values_of(at: AppTest, params: list[state.Param]) -> dict[str, Any]:
    return {p.key: at.session_state[p.key] if p.key in at.session_state else None for p in params}


def echoed(at: AppTest) -> list[str]:
    page = rendered(at)
    return [name for name, text in ECHO_CHECKED.items() if text.encode("utf-8") in page]


# --------------------------------------------------------------------------------------------- query parameters

@pytest.mark.parametrize("script", [s for s in SCRIPTS if PARAMS[s]])
def test_every_param_parses_every_payload_to_its_default(script: str) -> None:
    """Param.parse (the path from the URL into the widget keys), single and repeated."""
    wrong = []
    for param in PARAMS[script]:
        hostile = {name: p for name, p in PAYLOADS.items() if not well_formed(param, p)}
        assert len(hostile) >= len(PAYLOADS) - 2, param.name
        for name, payload in hostile.items():
            for raw in (payload, [payload, payload], [payload, *hostile.values()]):
                value = param.parse(raw)
                if value != default_of(param):
                    wrong.append(f"{param.name}={name}: {value!r}")
    assert wrong == []


def well_formed(param: state.Param, text: str) -> bool:
    """A payload that is a well-formed value of a pattern parameter ('_' is a programme id as far as
    `[a-z0-9_]{1,64}` goes): the page then checks it against the data (see the page test)."""
    return param.pattern is not None and re.fullmatch(param.pattern, text, re.ASCII) is not None


@pytest.mark.parametrize("script", SCRIPTS)
def test_page_ignores_hostile_query_parameters(script: str, app_db: Path, before: tuple) -> None:
    params = PARAMS[script]
    with database_unchanged(app_db, before):
        at = fresh(script)
        assert not at.exception, errors(at)
        default_url, default_values = dict(at.query_params), values_of(at, params)
        payloads = list(PAYLOADS.values())

        # every payload in every parameter at once (repeated values), and in a parameter the page does not know
        for param in params:
            at.query_params[param.name] = payloads
        at.query_params["sql"] = payloads
        at.run()
        assert not at.exception, errors(at)
        assert values_of(at, params) == default_values
        assert echoed(at) == []
        if params:
            assert dict(at.query_params) == default_url  # rewritten: the defaults, the unknown one dropped
        else:
            assert dict(at.query_params) == {**default_url, "sql": payloads}  # no view state: left as it came


@pytest.mark.parametrize("script", [s for s in SCRIPTS if PARAMS[s]])
def test_key_and_number_params_accept_only_ascii_digits(script: str) -> None:
    """'٠٩' or '０９' is not the state key 09 and '१०' is not 10: Python's \\d and int() take any script's
    digits, so without ASCII matching a link carries them past the pattern."""
    accepted = []
    for param in PARAMS[script]:
        for name, payload in UNICODE_DIGITS.items():
            value = param.parse(payload)
            if value != default_of(param):
                accepted.append(f"{param.name}={name} -> {value!r}")
    assert accepted == []


# --------------------------------------------------------------------------------------------- the search box

# payloads that are a plain word once the search has folded their punctuation away
FOLDS_TO_A_WORD = {"like_always_true": "or", "named_parameter": "level"}


def _hits(at: AppTest) -> list[str]:
    return [b.label for b in at.button if b.key and b.key.startswith("treffer_")]


def test_search_box_passes_every_payload_as_a_literal(app_db: Path, before: tuple,
                                                      con: duckdb.DuckDBPyConnection) -> None:
    bracketed = con.execute("SELECT display_name FROM region WHERE level = 'municipality' "
                            "AND display_name LIKE '%(%' ORDER BY ars LIMIT 1").fetchall()[0][0]
    with database_unchanged(app_db, before):
        at = fresh(PROFIL)
        box = at.text_input(key="profil_suche")
        for name, payload in PAYLOADS.items():
            box.input(payload).run()
            assert not at.exception, (name, errors(at))
            if name in FOLDS_TO_A_WORD:
                # the forgiving search drops the punctuation: what is left is searched as the plain word, never
                # as syntax (the same hits and the same best match as the word typed alone, a short list)
                word = fresh(PROFIL)
                word.text_input(key="profil_suche").input(FOLDS_TO_A_WORD[name]).run()
                assert 0 < len(_hits(at)) <= 50 and _hits(at) == _hits(word), name
                assert at.session_state["profil_ars"] == word.session_state["profil_ars"], name
                assert at.query_params.get("ars") == word.query_params.get("ars"), name
                box = at.text_input(key="profil_suche")
                continue
            assert any(w.value.startswith("Keine Treffer") for w in at.warning), name
            assert at.session_state["profil_ars"] is None
            assert not [b for b in at.button if b.key and b.key.startswith("treffer_")], name
            assert at.info and at.info[0].value.startswith("Suchen Sie"), name
            assert "ars" not in at.query_params, name
            box = at.text_input(key="profil_suche")

        # the same query path finds a real name, also one with brackets in it (taken literally, not as syntax)
        box.input("Dormitz").run()
        assert at.header[0].value == "Dormitz" and "ars" in at.query_params
        box = at.text_input(key="profil_suche")
        box.input(bracketed[bracketed.index("("):]).run()
        assert not at.exception and not any(w.value.startswith("Keine Treffer") for w in at.warning)
        assert any(label.startswith(md(bracketed)) or label.startswith(bracketed)
                   for label in [b.label for b in at.button if b.key and b.key.startswith("treffer_")])


# --------------------------------------------------------------------------------------------- raw widget values

RAW = "' OR 1=1 --"


def _raw_cases(at: AppTest) -> list[tuple[str, str]]:
    cases = [("selectbox", w.key) for w in at.selectbox] + [("radio", w.key) for w in at.radio]
    cases += [("button_group", w.key) for w in at.button_group] + [("slider", w.key) for w in at.slider]
    cases += [("multiselect", w.key) for w in at.multiselect]
    return [(kind, key) for kind, key in cases if key]


def _send_raw(at: AppTest, kind: str, key: str, run: bool) -> list[Any]:
    """Make the client send a value that is no option; returns the options the widget had."""
    widget = getattr(at, kind)(key=key)
    if kind in ("selectbox", "radio"):
        options = list(widget.options)
        widget.options.append(RAW)  # the label list the test client picks from; the server never offered it
        widget.set_value(RAW)
    elif kind == "button_group":
        options = list(widget.options)
        widget.set_value([RAW])
    elif kind == "slider":
        options = [widget.min, widget.max]
        widget.set_value(10**12)
    else:
        options = list(widget.options)
        widget.set_value([RAW, "099999999999", PAYLOADS["html"]])
    if run:
        at.run()
    return options


def _reset(at: AppTest, kind: str, key: str, options: list[Any]) -> str | None:
    """What is wrong with the widget after the run, or None when it holds an option again (or is gone: the
    Gemeindeprofil without a region has no comparison)."""
    if key not in at.session_state:
        return None
    value = at.session_state[key]
    if kind == "multiselect":
        ok = all(v not in (RAW, PAYLOADS["html"], "099999999999") for v in value)
    elif kind == "slider":
        ok = options[0] <= value <= options[1]
    elif kind == "button_group":
        ok = value in options
    else:
        format_func = getattr(at, kind)(key=key).format_func
        ok = value != RAW and (value is None or format_func(value) in options)
    if not ok:
        return f"{kind} {key}: kept {value!r}"
    if RAW in " ".join(str(v) for v in at.query_params.values()):
        return f"{kind} {key}: payload in the URL {dict(at.query_params)}"
    return None


@pytest.mark.parametrize("script", [s for s in SCRIPTS if s != "dashboard.py"])
def test_raw_widget_values_from_a_modified_client_are_reset(script: str, app_db: Path, before: tuple) -> None:
    """Every widget of the page gets a value it never offered, all in one run (the Gemeindeprofil with a region,
    so that all its widgets are there). When the page fails, each widget is tried alone to name the culprit."""
    setup = {"ars": "094740126126"} if script == PROFIL else {}
    with database_unchanged(app_db, before):
        at = fresh(script, **setup)
        cases = _raw_cases(at)
        assert cases, script  # the profile's search is a text box with result buttons: its one choice widget is left
        options = {case: _send_raw(at, *case, run=False) for case in cases}
        at.run()
        if at.exception:
            culprits = []
            for kind, key in cases:
                alone = fresh(script, **setup)
                _send_raw(alone, kind, key, run=True)
                if alone.exception:
                    culprits.append(f"{kind} {key}")
            pytest.fail(f"raw values break the page; alone: {culprits} (see the captured log for the traceback)")
        failures = [problem for case in cases if (problem := _reset(at, *case, options[case]))]
    assert failures == []


def test_unicode_digit_keys_do_not_stay_in_the_profile_url(app_db: Path) -> None:
    """The concrete effect of the \\d patterns: without a region the comparison keys are written back as given."""
    at = fresh(PROFIL, vergleich=[UNICODE_DIGITS["arabic_indic_key"], UNICODE_DIGITS["fullwidth_state"]])
    assert not at.exception, errors(at)
    assert "vergleich" not in at.query_params, dict(at.query_params)
