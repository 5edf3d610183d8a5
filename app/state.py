"""The state of a view lives in the URL: every page declares its parameters, reads them on load into the
widget keys, and writes them back to `st.query_params` after every run, so a copied link restores the view.

Invalid values in a link (unknown measure, malformed key, too many regions) fall back to the default
without an error. Usage on a page:

    PARAMS = (state.Param("ebene", "karte_ebene", "municipality", choices=("municipality", "district")),
              state.Param("land", "karte_land", None, pattern=state.STATE_KEY))
    state.restore(PARAMS)                          # before the widgets: URL -> st.session_state
    state.keep_valid(PARAMS[1], options)           # for widgets whose options come from the data
    st.selectbox("Ebene", options, key="karte_ebene")
    ...
    state.publish(PARAMS)                          # after the widgets: st.session_state -> URL

The parsing is pure (`Param.parse`, `Param.to_url`, `parse_all`) and tested without Streamlit.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

# region keys (ARS) in their natural lengths: state 2, gov_district 3, district 5, association 9, municipality 12
REGION_KEY = r"\d{2}|\d{3}|\d{5}|\d{9}|\d{12}"
STATE_KEY = r"\d{2}"
DISTRICT_KEY = r"\d{5}"


@dataclass(frozen=True)
class Param:
    """One piece of view state: its name in the URL, its widget key, default and what is allowed.

    `choices` is an allow-list, `pattern` a full-match regex for free values such as region keys; a
    parameter with neither accepts any short text. `many` makes it a list (repeated in the URL), at most
    `max_items` long. `cast` converts the URL text (e.g. int)."""

    name: str
    key: str
    default: Any = None
    choices: tuple[Any, ...] | None = None
    pattern: str | None = None
    many: bool = False
    max_items: int = 0
    cast: Callable[[str], Any] = str

    def _one(self, raw: str) -> Any:
        text = str(raw).strip()
        if not text or len(text) > 200:
            return None
        # ASCII only for keys and numbers: \d and int() also take '٠٩' or '０９', which are no region keys
        if self.pattern is not None and not re.fullmatch(self.pattern, text, flags=re.ASCII):
            return None
        if self.cast is not str and not text.isascii():
            return None
        try:
            value = self.cast(text)
        except (TypeError, ValueError):
            return None
        if self.choices is not None and value not in self.choices:
            return None
        return value

    def parse(self, raw: str | Sequence[str] | None) -> Any:
        """The value of the URL text(s), or the default when missing or invalid."""
        values = [raw] if isinstance(raw, str) else list(raw or [])
        if self.many:
            out: list[Any] = []
            for item in values:
                value = self._one(item)
                if value is not None and value not in out:
                    out.append(value)
            if self.max_items and len(out) > self.max_items:
                out = out[: self.max_items]
            return out if values else list(self.default or [])
        for item in reversed(values):  # the last occurrence wins, as in st.query_params
            value = self._one(item)
            if value is not None:
                return value
        return self.default

    def accepts(self, value: Any) -> bool:
        """Whether a widget value is one this parameter allows (its default always is)."""
        if self.many:
            items = list(value) if isinstance(value, (list, tuple)) else None
            return items is not None and (not self.max_items or len(items) <= self.max_items) and all(
                self._one(str(v)) == v for v in items)
        return value == self.default or (value is not None and self._one(str(value)) == value)

    def to_url(self, value: Any) -> str | list[str] | None:
        """The URL text of a value; None leaves the parameter out."""
        if self.many:
            items = [str(v) for v in (value or [])]
            return items or None
        if value is None or value == "":
            return None
        return str(value)


def parse_all(params: Iterable[Param], query: Mapping[str, str | Sequence[str]]) -> dict[str, Any]:
    """Widget key -> value for every parameter, from a mapping of URL names to text(s)."""
    return {p.key: p.parse(query.get(p.name)) for p in params}


def to_query(params: Iterable[Param], values: Mapping[str, Any]) -> dict[str, str | list[str]]:
    """URL name -> text(s) of the current values (missing and empty values left out)."""
    out: dict[str, str | list[str]] = {}
    for p in params:
        text = p.to_url(values.get(p.key, p.default))
        if text is not None:
            out[p.name] = text
    return out


def _current_query() -> dict[str, list[str]]:
    return {name: st.query_params.get_all(name) for name in st.query_params}


def _memory_key(params: Sequence[Param]) -> str:
    return "_state_url::" + ",".join(p.key for p in params)


# Streamlit's own URL parameters, not ours to judge
RESERVED = frozenset({"embed", "embed_options"})


def link_problems(params: Iterable[Param], query: Mapping[str, str | Sequence[str]]) -> list[str]:
    """What a link holds that the page cannot use, in German: unknown parameters and parameters whose value is
    no key, choice or number they allow (the page then shows its default). Values are never repeated."""
    known = {p.name: p for p in params}
    out: list[str] = []
    for name, raw in query.items():
        if name in RESERVED:
            continue
        param = known.get(name)
        if param is None:  # named only when it is a plain word: a link's text is never echoed as it came
            shown = f"„{name}“" if re.fullmatch(r"[a-z0-9_]{1,30}", name, flags=re.ASCII) else "ein Parameter"
            out.append(f"{shown} (diese Seite kennt den Parameter nicht)")
            continue
        values = [raw] if isinstance(raw, str) else list(raw)
        if any(str(v).strip() and param._one(v) is None for v in values):
            out.append(f"„{name}“ (ungültiger Wert)")
    return out


LINK_RUN = "_state_link_run"


def _link_warning(problems: Sequence[str]) -> None:
    st.warning("Der Link enthält Angaben, die diese Seite nicht verwenden kann: " + "; ".join(problems)
               + ". Angezeigt wird stattdessen die Standardansicht dafür.", icon=":material/link_off:")


def restore(params: Iterable[Param]) -> None:
    """URL -> widget keys. On the first run of a page every key comes from the URL (or its default).
    Later, the URL wins only when it was changed from outside (a link, st.switch_page with parameters);
    a URL without any of the page's parameters (the page opened from the navigation) keeps the session's
    view, which `publish` then writes back into the URL."""
    params = list(params)
    query = _current_query()
    ours = {p.name: query[p.name] for p in params if p.name in query}
    last = st.session_state.get(_memory_key(params))
    from_outside = bool(ours) and last is not None and ours != last
    # this run took its view from a link: keep_valid then says so when the data has no such value either
    st.session_state[LINK_RUN] = last is None or from_outside
    # back on a page of this session without its parameters (the menu, Back: the query may still be the other
    # page's, e.g. ars=…): no link to judge, the page restores its last view below
    returning = not ours and last is not None
    problems = link_problems(params, query) if not returning and (
        last is None or from_outside or set(query) - set(ours)) else []
    if problems:  # said in German, not silently replaced
        _link_warning(problems)
    # opened without its parameters (the menu, the browser's Back button: Streamlit sends a page change without the
    # query), the page's widget keys are gone with the other page's run: the view it last published comes back
    source = last if returning else query
    for p in params:
        if from_outside or p.key not in st.session_state:
            st.session_state[p.key] = p.parse(source.get(p.name))
        elif not p.accepts(st.session_state[p.key]):
            # a value no widget offered (a modified client): back to a valid one, as for a bad link
            current = st.session_state[p.key]
            if p.many and isinstance(current, (list, tuple)):
                st.session_state[p.key] = [v for v in current if p._one(str(v)) == v][: p.max_items or None]
            else:
                st.session_state[p.key] = list(p.default or []) if p.many else p.default


def keep_valid(param: Param, options: Sequence[Any], fallback: Any = None) -> Any:
    """Make the widget value one of `options` (data-dependent choices) before the widget is drawn."""
    value = st.session_state.get(param.key, param.default)
    allowed = list(options)
    if param.many:
        kept = [v for v in (value or []) if v in allowed]
        linked = st.query_params.get_all(param.name) if st.session_state.get(LINK_RUN) else []
        if any(str(v) in linked for v in (value or []) if v not in allowed):
            _link_warning([f"„{param.name}“ (gibt es in den Daten dieser Auswahl nicht)"])
        if param.max_items:
            kept = kept[: param.max_items]
        if kept != value:
            st.session_state[param.key] = kept
        return kept
    if value not in allowed:
        # a well-formed value the data does not hold (land=99, a town outside the chosen Land), from the link
        if st.session_state.get(LINK_RUN) and param.to_url(value) in st.query_params.get_all(param.name):
            _link_warning([f"„{param.name}“ (gibt es in den Daten dieser Auswahl nicht)"])
        if fallback in allowed:
            value = fallback
        elif param.default in allowed:
            value = param.default
        else:
            value = allowed[0] if allowed else None
        st.session_state[param.key] = value
    return value


def value(param: Param) -> Any:
    """The current value of a parameter (its widget key), or its default."""
    return st.session_state.get(param.key, param.default)


def publish(params: Iterable[Param]) -> None:
    """Widget keys -> URL. Writes only when something changed, so an unchanged view sends nothing."""
    params = list(params)
    wanted = to_query(params, {p.key: st.session_state.get(p.key, p.default) for p in params})
    normalised = {k: (v if isinstance(v, list) else [v]) for k, v in wanted.items()}
    st.session_state[_memory_key(params)] = normalised
    if normalised != _current_query():
        st.query_params.from_dict(wanted)


def any_demo(*frames: pd.DataFrame | None) -> bool:
    """Whether any of the frames shown holds a demo row (column `is_demo`)."""
    for frame in frames:
        if frame is not None and "is_demo" in frame.columns and bool(frame["is_demo"].fillna(False).astype(bool).any()):
            return True
    return False
