"""Widget values as the browser's widget manager holds them: the value a widget starts with, the value the
server forces, and the `WidgetState` sent back for a value."""

from __future__ import annotations

from typing import Any

from streamlit.proto.WidgetStates_pb2 import WidgetState

from devtools.st_client.results import StreamlitError, Widget, user_key

NOTHING = object()  # no value forced by the server


def widget_from_proto(kind: str, proto: Any, fragment_id: str, script_hash: str) -> Widget:
    """A widget element as the browser sees it: id, key, label, options (without a value yet)."""
    widget = Widget(id=proto.id, type=kind, label=getattr(proto, "label", ""), key=user_key(proto.id),
                    disabled=bool(getattr(proto, "disabled", False)), fragment_id=fragment_id,
                    script_hash=script_hash)
    if kind in ("selectbox", "radio", "multiselect"):
        widget.options = list(proto.options)
    elif kind == "button_group":
        widget.options = [option.content for option in proto.options]
    elif kind == "slider" and proto.options:
        widget.options, widget.kind = list(proto.options), "select_slider"
    elif kind == "checkbox" and proto.type == 1:
        widget.kind = "toggle"
    return widget

def forced_value(kind: str, proto: Any, widget: Widget) -> Any:
    """The value the server sets (`set_value`), or NOTHING."""
    if not getattr(proto, "set_value", False):
        return NOTHING
    if kind in ("selectbox", "radio"):
        return proto.raw_value if proto.HasField("raw_value") else None
    if kind in ("multiselect", "button_group"):
        return list(proto.raw_values)
    if kind in ("text_input", "text_area", "number_input"):
        return proto.value if proto.HasField("value") else None
    if kind == "checkbox":
        return bool(proto.value)
    if kind == "slider":
        return list(proto.raw_value) if widget.kind == "select_slider" else list(proto.value)
    return NOTHING


def default_value(kind: str, proto: Any, widget: Widget) -> Any:
    """The value a widget starts with in the browser."""
    if kind in ("selectbox", "radio"):
        if proto.HasField("default") and 0 <= proto.default < len(widget.options):
            return widget.options[proto.default]
        return None
    if kind in ("multiselect", "button_group"):
        return [widget.options[i] for i in proto.default if 0 <= i < len(widget.options)]
    if kind in ("text_input", "text_area", "number_input"):
        return proto.default if proto.HasField("default") else None
    if kind == "checkbox":
        return bool(proto.default)
    if kind == "slider":
        if widget.kind == "select_slider":
            return [widget.options[int(i)] for i in proto.default if 0 <= int(i) < len(widget.options)]
        return list(proto.default)
    return None  # charts and tables with selections, buttons, uploads: nothing until the user acts


def state_for(widget: Widget, value: Any, strict: bool = True) -> WidgetState | None:
    """The WidgetState the browser sends for `value` (ValueError for a value the widget cannot take)."""
    state = WidgetState(id=widget.id)
    kind = widget.type
    if kind in ("selectbox", "radio"):
        if strict and value not in widget.options:
            raise StreamlitError(f"{widget.label!r}: no option {value!r}; options: {widget.options[:20]}")
        state.string_value = str(value)
    elif kind in ("multiselect", "button_group") or (kind == "slider" and widget.kind == "select_slider"):
        values = [str(v) for v in ([value] if isinstance(value, str) else value)]
        missing = [v for v in values if v not in widget.options]
        if strict and missing:
            raise StreamlitError(f"{widget.label!r}: no option {missing}; options: {widget.options[:20]}")
        state.string_array_value.SetInParent()
        state.string_array_value.data.extend(values)
    elif kind in ("text_input", "text_area"):
        state.string_value = str(value)
    elif kind == "checkbox":
        state.bool_value = bool(value)
    elif kind == "number_input":
        state.double_value = float(value)
    elif kind == "slider":
        state.double_array_value.SetInParent()
        state.double_array_value.data.extend(float(v) for v in ([value] if isinstance(value, int | float) else value))
    elif kind == "button":
        state.trigger_value = bool(value)
    else:
        if strict:
            raise StreamlitError(f"{widget.label or widget.id!r}: widgets of type {kind} are not supported")
        return None
    return state


def value_of(state: WidgetState) -> Any:
    field_name = state.WhichOneof("value")
    if field_name is None:
        return None
    value = getattr(state, field_name)
    if field_name.endswith("_array_value"):
        return list(value.data)
    return value

