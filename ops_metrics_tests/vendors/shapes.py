"""Shapes of JSON documents, to hold what a simulator serves to what the vendor documents.

`shape(value)` reduces a document to its keys and JSON types; `mismatches(served, documented)`
lists every place where the served document differs: a key the vendor does not document (we
invented it), a documented key missing, or another type. `null` matches any type (vendors
document nullable fields with a value), an integer matches a documented number, and every
element of a served list is held to the union of the documented list's elements.
"""

from __future__ import annotations

from typing import Any


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _merged(elements: list[Any]) -> Any:
    """One documented element standing for all of a list's elements (keys unioned)."""
    objects = [e for e in elements if isinstance(e, dict)]
    if not objects:
        return next((e for e in elements if e is not None), None)
    merged: dict[str, Any] = {}
    for obj in objects:
        for key, value in obj.items():
            # A field documented both as 5 and as 1.4 is a number, not an integer.
            widens = json_type(merged.get(key)) == "integer" and json_type(value) == "number"
            if merged.get(key) is None or widens:
                merged[key] = value
    return merged


def mismatches(
    served: Any, documented: Any, path: str = "$", optional: frozenset[str] = frozenset()
) -> list[str]:
    """Where `served` is not shaped like `documented`. `optional` holds documented paths
    (e.g. "$.data[].userId") that may be absent from what is served."""
    kind, want = json_type(served), json_type(documented)
    if served is None or documented is None:
        return []
    if kind != want and not (kind == "integer" and want == "number"):
        return [f"{path}: served {kind}, documented {want}"]
    out: list[str] = []
    if kind == "object":
        for key in sorted(served.keys() - documented.keys()):
            out.append(f"{path}.{key}: served but not documented")
        for key in sorted(documented.keys() - served.keys()):
            if f"{path}.{key}" not in optional:
                out.append(f"{path}.{key}: documented but not served")
        for key in sorted(served.keys() & documented.keys()):
            out += mismatches(served[key], documented[key], f"{path}.{key}", optional)
    elif kind == "array" and documented:
        element = _merged(documented)
        for item in served:
            out += mismatches(item, element, f"{path}[]", optional)
            if out:
                break
    return out
