"""A figure's dict made once, for st.plotly_chart on every rerun.

st.plotly_chart asks the figure for `to_dict()` on every rerun, which plotly.py deep-copies, and then encodes it;
for the map of all municipalities that was 17 ms of copying and 32 ms of encoding on every rerun of the Karte, most
figures being shared by every session anyway (a cached resource). `once` makes a figure's dict on its first showing,
with numpy arrays as plain lists (plotly's encoder takes a third less time on them), keeps it on the figure and hands
st.plotly_chart a stand-in that returns it. A figure must not change once shown; every figure here is built whole
before it is shown and then only read.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from plotly.basedatatypes import BaseFigure

SPEC = "_digitalmonitor_spec"  # where a figure keeps its dict (BaseFigure accepts names starting with "_")


class ShownFigure(BaseFigure):
    """What st.plotly_chart gets: it asks for nothing but `to_dict()` (plotly.tools.return_figure_from_figure_or_data
    takes any BaseFigure that way); plotly's own figure machinery is not set up."""

    def __init__(self, spec: dict) -> None:  # noqa: D107 - BaseFigure.__init__ left out on purpose (see the class)
        self.__dict__[SPEC] = spec

    def to_dict(self) -> dict:
        return self.__dict__[SPEC]


def once(fig: BaseFigure) -> ShownFigure:
    """The stand-in for `fig`, its dict made on the first call and reused on every later one."""
    spec = fig.__dict__.get(SPEC)
    if spec is None:
        spec = _plain(fig.to_dict())
        fig.__dict__[SPEC] = spec
    return ShownFigure(spec)


def _plain(value: Any) -> Any:
    """numpy arrays as lists, in place of the copied dict (lists of plain values are left as they are)."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, list) and value and isinstance(value[0], dict | list | np.ndarray):
        return [_plain(item) for item in value]
    return value
