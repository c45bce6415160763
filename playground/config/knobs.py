"""Config leaves: `knob` declares a field with its range or registry, and these coerce and check values.

Coercion turns strings (URL parameters, CLI overrides, form fields) and JSON values into the field's
type; checking enforces the knob's range, list length and registry names. Nothing here knows the tree.
"""

from __future__ import annotations

import dataclasses
import math
import typing
from dataclasses import field
from typing import Any

from playground.registry import ConfigError


def knob(default: Any, lo: float | None = None, hi: float | None = None, *, registry: str | None = None,
         min_len: int = 0, max_len: int = 64, doc: str = "") -> Any:
    """A config field with its allowed range (numbers, or each item of a tuple) or registry name."""
    meta = {"lo": lo, "hi": hi, "registry": registry, "min_len": min_len, "max_len": max_len, "doc": doc}
    return field(default=default, metadata=meta)


def field_types(cls: type) -> dict[str, Any]:
    """Field name -> type of a config dataclass (its annotations, resolved)."""
    return typing.get_type_hints(cls)


def shown(value: Any, width: int = 40) -> str:
    """`repr(value)` cut to `width` characters: an error message quotes a value without growing with it."""
    text = repr(value)
    return text if len(text) <= width else text[:width - 1] + "…"


def coerce_scalar(tp: type, value: Any, name: str) -> Any:
    if tp is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, (int, float)) and value in (0, 1):
            return bool(value)
        s = str(value).strip().lower()
        if s in ("1", "true", "yes", "on"):
            return True
        if s in ("0", "false", "no", "off"):
            return False
        raise ConfigError(name, f"expected true or false, got {shown(value)}")
    if tp is int:
        if isinstance(value, bool):
            raise ConfigError(name, f"expected a whole number, got {shown(value)}")
        try:
            f = float(value)
        except (TypeError, ValueError):
            raise ConfigError(name, f"expected a whole number, got {shown(value)}") from None
        except OverflowError:   # an int beyond float range (JSON allows up to 4,300 digits)
            raise ConfigError(name, f"{shown(value)} is far outside any allowed range") from None
        if not math.isfinite(f) or f != int(f):
            raise ConfigError(name, f"expected a whole number, got {shown(value)}")
        return int(f)
    if tp is float:
        try:
            f = float(value)
        except (TypeError, ValueError):
            raise ConfigError(name, f"expected a number, got {shown(value)}") from None
        except OverflowError:
            raise ConfigError(name, f"{shown(value)} is far outside any allowed range") from None
        if not math.isfinite(f):
            raise ConfigError(name, f"expected a finite number, got {shown(value)}")
        return f
    if tp is str:
        if not isinstance(value, (str, int, float)):
            raise ConfigError(name, f"expected text, got {shown(value)}")
        return str(value)
    raise ConfigError(name, f"unsupported type {tp}")


def coerce(tp: Any, value: Any, name: str) -> Any:
    if typing.get_origin(tp) is tuple:
        item_tp = typing.get_args(tp)[0]
        if isinstance(value, str):
            value = [v for v in value.split(",") if v.strip() != ""]
        if not isinstance(value, (list, tuple)):
            raise ConfigError(name, f"expected a list, got {shown(value)}")
        return tuple(coerce_scalar(item_tp, v.strip() if isinstance(v, str) else v, name) for v in value)
    return coerce_scalar(tp, value, name)


def _registry_keys(name: str) -> list[str]:
    from playground.catalog import registry  # lazy: the catalog imports torch-heavy modules

    return registry(name).keys()


def check(f: dataclasses.Field, value: Any, name: str) -> None:
    meta = f.metadata
    items = value if isinstance(value, tuple) else (value,)
    if isinstance(value, tuple) and not meta["min_len"] <= len(value) <= meta["max_len"]:
        raise ConfigError(name, f"expected {meta['min_len']} to {meta['max_len']} items, got {len(value)}")
    for v in items:
        if meta["lo"] is not None and not isinstance(v, bool) and not meta["lo"] <= v <= meta["hi"]:
            raise ConfigError(name, f"{shown(v)} is outside the allowed range [{meta['lo']}, {meta['hi']}]")
        if meta["registry"] and v not in (keys := _registry_keys(meta["registry"])):
            raise ConfigError(name, f"unknown value {shown(v)}; allowed: {', '.join(keys)}")
