"""What the graph API reads and writes: node types and their declared properties, values checked
against those declarations, and the JSON shapes of nodes and relationships.

Labels and relationship types are only ever taken from node_types() / RELATIONSHIP_TYPES and
backticked (`label_of`, `type_of`): Cypher cannot take them as parameters. Every value goes in
as a parameter.
"""

from __future__ import annotations

import contextlib
import re
from datetime import UTC, datetime
from typing import Any

from django.utils.translation import gettext as _
from neomodel import (
    ArrayProperty,
    BooleanProperty,
    DateTimeProperty,
    FloatProperty,
    IntegerProperty,
    JSONProperty,
    StringProperty,
)
from neomodel.properties import Property

from apps.core.graphdb.discovery import NodeType, node_types
from apps.core.graphdb.nodes import RELATIONSHIP_TYPES, module_label

# Set by the API itself, never by a caller's `properties`.
BASE_PROPERTIES = ("uid", "name", "module", "created_at", "updated_at")
# Relationship property names: plain identifiers (they are map keys, still never interpolated).
PROPERTY_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
SCALARS = (str, int, float, bool)
# Bolt carries 64-bit integers: a larger one would fail in the driver, not in validation.
INT_MIN, INT_MAX = -(2**63), 2**63 - 1


class BadInput(ValueError):
    """A request the graph cannot take; `errors` maps fields to messages (a 400 in the API)."""

    def __init__(self, errors: dict[str, Any]) -> None:
        super().__init__(errors)
        self.errors = errors


def node_type(label: str, field: str = "label") -> NodeType:
    try:
        return node_types()[label]
    except KeyError:
        known = ", ".join(node_types())
        raise BadInput(
            {
                field: [
                    _("Unknown label '%(label)s' (known: %(known)s).")
                    % {"label": label, "known": known}
                ]
            }
        ) from None


def label_of(label: str) -> str:
    """A declared label, backticked for Cypher."""
    return f"`{node_type(label).label}`"


def type_of(rel_type: str, field: str = "type") -> str:
    """A declared relationship type, backticked for Cypher."""
    if rel_type not in RELATIONSHIP_TYPES:
        known = ", ".join(RELATIONSHIP_TYPES)
        raise BadInput(
            {
                field: [
                    _("Unknown relationship type '%(type)s' (known: %(known)s).")
                    % {"type": rel_type, "known": known}
                ]
            }
        )
    return f"`{rel_type}`"


def module_label_of(code: str, field: str = "module") -> str:
    """An installed module's code, backticked for Cypher."""
    from apps.core.modules.registry import get_module_config

    try:
        get_module_config(code)
        return module_label(code)
    except (LookupError, ValueError):
        raise BadInput({field: [_("No installed module '%(code)s'.") % {"code": code}]}) from None


def declared(node: NodeType) -> dict[str, Property]:
    """A type's own properties (those a caller sets in `properties`)."""
    properties = node.node_class.defined_properties(aliases=False, rels=False)
    return {name: prop for name, prop in properties.items() if name not in BASE_PROPERTIES}


def _storable(value: Any) -> bool:
    """Whether Bolt can carry `value` (its integers are 64-bit), however deep."""
    if isinstance(value, bool) or not isinstance(value, int | list | dict):
        return True
    if isinstance(value, int):
        return INT_MIN <= value <= INT_MAX
    items = value.values() if isinstance(value, dict) else value
    return all(_storable(item) for item in items)


def _fits(prop: Property, value: Any) -> bool:
    if not _storable(value):
        return False
    if isinstance(prop, BooleanProperty):
        return isinstance(value, bool)
    if isinstance(value, bool):
        return isinstance(prop, JSONProperty)
    if isinstance(prop, IntegerProperty):
        return isinstance(value, int)
    if isinstance(prop, FloatProperty):
        return isinstance(value, int | float)
    if isinstance(prop, StringProperty):
        return isinstance(value, str)
    if isinstance(prop, ArrayProperty):
        return isinstance(value, list) and all(isinstance(v, SCALARS) for v in value)
    if isinstance(prop, DateTimeProperty):
        return isinstance(value, str) and _parse_datetime(value) is not None
    return isinstance(prop, JSONProperty)


def _kind(prop: Property) -> str:
    for cls, name in (
        (BooleanProperty, "boolean"),
        (IntegerProperty, "integer"),
        (FloatProperty, "number"),
        (StringProperty, "string"),
        (ArrayProperty, "array"),
        (DateTimeProperty, "date-time"),
        (JSONProperty, "json"),
    ):
        if isinstance(prop, cls):
            return name
    return "unknown"


def _parse_datetime(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def to_graph(node: NodeType, properties: Any, *, partial: bool = True) -> dict[str, Any]:
    """`properties` checked against the type's declarations, as the server stores them.
    A missing required property is an error unless `partial` (an update)."""
    if not isinstance(properties, dict):
        raise BadInput({"properties": [_("Expected a JSON object.")]})
    props = declared(node)
    errors: dict[str, list[str]] = {}
    stored: dict[str, Any] = {}
    for name, value in properties.items():
        prop = props.get(name)
        if prop is None:
            errors[name] = [
                _("'%(label)s' has no property '%(name)s'.") % {"label": node.label, "name": name}
            ]
        elif value is None:
            if prop.required:
                errors[name] = [_("This property is required.")]
            else:
                stored[name] = None
        elif not _fits(prop, value):
            errors[name] = [_("Expected a value of type %(kind)s.") % {"kind": _kind(prop)}]
        elif isinstance(prop, DateTimeProperty):
            stored[name] = prop.deflate(_parse_datetime(value))
        else:
            stored[name] = prop.deflate(value)
    if not partial:
        for name, prop in props.items():
            if prop.required and name not in properties and name not in errors:
                errors[name] = [_("This property is required.")]
    if errors:
        raise BadInput({"properties": errors})
    return stored


def filter_value(node: NodeType | None, name: str, raw: str) -> Any:
    """A query-string filter `name=raw` as the value stored on the server."""
    props = declared(node) if node is not None else {}
    prop = props.get(name)
    if prop is None and name == "name":
        return raw
    if prop is None:
        where = (
            node.label
            if node is not None
            else _("any label (give label= to filter by its properties)")
        )
        raise BadInput({name: [_("Not a property of %(where)s.") % {"where": where}]})
    value: Any = raw
    if isinstance(prop, BooleanProperty):
        value = {"true": True, "false": False}.get(raw.lower(), raw)
    elif isinstance(prop, IntegerProperty | FloatProperty):
        with contextlib.suppress(ValueError):
            value = int(raw) if isinstance(prop, IntegerProperty) else float(raw)
    elif isinstance(prop, JSONProperty | ArrayProperty):
        raise BadInput({name: [_("This property cannot be filtered on.")]})
    if not _fits(prop, value):
        raise BadInput({name: [_("Expected a value of type %(kind)s.") % {"kind": _kind(prop)}]})
    if isinstance(prop, DateTimeProperty):
        return prop.deflate(_parse_datetime(value))
    return prop.deflate(value)


def relationship_properties(properties: Any) -> dict[str, Any]:
    """A relationship's properties: named like identifiers, with scalar (or list) values."""
    if properties is None:
        return {}
    if not isinstance(properties, dict):
        raise BadInput({"properties": [_("Expected a JSON object.")]})
    errors: dict[str, list[str]] = {}
    for name, value in properties.items():
        if not PROPERTY_NAME.fullmatch(name) or name == "uid":
            errors[name] = [_("Not a valid property name.")]
        elif not _storable(value) or not (
            value is None
            or isinstance(value, SCALARS)
            or (isinstance(value, list) and all(isinstance(v, SCALARS) for v in value))
        ):
            errors[name] = [_("Expected a string, number, boolean or a list of them.")]
    if errors:
        raise BadInput({"properties": errors})
    return {name: value for name, value in properties.items() if value is not None}


def _timestamp(value: Any) -> str | None:
    if value is None:
        return None
    try:
        return datetime.fromtimestamp(float(value), tz=UTC).isoformat()
    except (TypeError, ValueError):
        return str(value)


def _plain(value: Any) -> Any:
    """A server value as JSON can carry it (temporal values as ISO strings)."""
    if value is None or isinstance(value, SCALARS):
        return value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    iso = getattr(value, "iso_format", None) or getattr(value, "isoformat", None)
    return iso() if callable(iso) else str(value)


def node_json(labels: list[str], stored: dict[str, Any]) -> dict[str, Any]:
    """A node as the API shows it, from its labels and stored properties."""
    types = node_types()
    label = next((name for name in labels if name in types), labels[0] if labels else "")
    properties: dict[str, Any] = {}
    if label in types:
        for name, prop in declared(types[label]).items():
            value = stored.get(name)
            if value is not None:
                with contextlib.suppress(TypeError, ValueError):
                    value = prop.inflate(value)
            properties[name] = _plain(value)
    return {
        "uid": stored.get("uid"),
        "label": label,
        "labels": sorted(labels),
        "module": stored.get("module"),
        "name": stored.get("name"),
        "properties": properties,
        "created_at": _timestamp(stored.get("created_at")),
        "updated_at": _timestamp(stored.get("updated_at")),
    }


def relationship_json(
    uid: Any, rel_type: str, source: Any, target: Any, stored: dict[str, Any]
) -> dict[str, Any]:
    return {
        "uid": uid,
        "type": rel_type,
        "source": source,
        "target": target,
        "properties": {k: _plain(v) for k, v in sorted(stored.items()) if k != "uid"},
    }


def schema_json(node: NodeType) -> dict[str, Any]:
    """A label's declaration: its module, merge key, search fields and properties."""
    properties = node.node_class.defined_properties(aliases=False, rels=False)
    return {
        "module": node.module,
        "merge_key": node.node_class.merge_key,
        "search_fields": list(node.node_class.search_fields),
        "properties": {
            name: {
                "type": _kind(prop),
                "required": bool(prop.required),
                "unique": bool(getattr(prop, "unique_index", False)),
                "indexed": bool(getattr(prop, "index", False)),
            }
            for name, prop in sorted(properties.items())
        },
    }


def plain(value: Any) -> Any:
    return _plain(value)


def unknown_node_message(uid: str) -> str:
    return _("No node with uid '%(uid)s'.") % {"uid": uid}
