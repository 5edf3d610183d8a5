"""app/ui/chart_spec: st.plotly_chart gets a figure's dict made once, and the same JSON as from the figure itself."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import plotly.tools

from app.ui import chart_spec


def _map() -> go.Figure:
    rows = np.array([[f"Gemeinde {i}", "Gemeinde", f"{i},5 %"] for i in range(300)], dtype=object)
    return go.Figure(go.Choropleth(locations=np.array([f"09{i:010d}" for i in range(300)], dtype=object),
                                   z=np.arange(300) % 5, customdata=rows, geojson="app/static/shapes/x.json",
                                   hovertemplate="%{customdata[0]}"))


def _as_streamlit_sends(figure: object) -> str:
    """What st.plotly_chart puts into its message (streamlit/elements/plotly_chart.py)."""
    return pio.to_json(plotly.tools.return_figure_from_figure_or_data(figure, validate_figure=True), validate=False)


def test_the_stand_in_sends_the_figures_own_json() -> None:
    fig = _map()
    assert _as_streamlit_sends(chart_spec.once(fig)) == _as_streamlit_sends(fig)


def test_the_dict_is_made_once_with_plain_lists() -> None:
    fig = _map()
    first, second = chart_spec.once(fig).to_dict(), chart_spec.once(fig).to_dict()
    assert first is second  # no deep copy per rerun
    trace = first["data"][0]
    assert isinstance(trace["customdata"], list) and isinstance(trace["locations"], list)
    assert not any(isinstance(v, np.ndarray) for v in trace.values())
    assert chart_spec.once(_map()).to_dict() is not first  # another figure, its own dict
