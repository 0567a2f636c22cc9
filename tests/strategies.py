"""Helpers shared by the tests (hypothesis strategies for the public API live in emergence.testing)."""


def json_ready(value) -> bool:
    """True if a structure holds only JSON types (dict with str keys, list, str, int, float, bool, None)."""
    if isinstance(value, dict):
        return all(isinstance(k, str) and json_ready(v) for k, v in value.items())
    if isinstance(value, list):
        return all(json_ready(v) for v in value)
    return value is None or type(value) in (str, int, float, bool)
