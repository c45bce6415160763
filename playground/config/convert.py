"""The config tree to and from a nested dict, JSON, a flat URL query of dotted keys, and CLI overrides;
validation of a whole tree; which fields changed and whether a change needs a rebuild. It does not
build data or models.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping
from dataclasses import fields, is_dataclass
from typing import Any, TypeVar

from playground.config.knobs import check, coerce, field_types
from playground.config.tree import LIVE_FIELDS, ExperimentConfig
from playground.registry import ConfigError

C = TypeVar("C")
MAX_CONFIG_BYTES = 1024 * 1024   # a whole config is a few KB as JSON; more is refused before it is parsed


def from_dict(cls: type[C], data: Mapping[str, Any], prefix: str = "") -> C:
    """Build and validate a config dataclass from a (possibly partial) nested dict."""
    if not isinstance(data, Mapping):
        raise ConfigError(prefix.rstrip(".") or "config", f"expected a mapping, got {type(data).__name__}")
    hints = field_types(cls)
    known = {f.name: f for f in fields(cls)}
    for key in data:
        if key not in known:
            raise ConfigError(prefix + str(key), f"unknown setting; known: {', '.join(known)}")
    kwargs: dict[str, Any] = {}
    for name, value in data.items():
        f, tp, path = known[name], hints[name], prefix + name
        if is_dataclass(tp):
            kwargs[name] = from_dict(tp, value, path + ".")
        else:
            kwargs[name] = coerce(tp, value, path)
            check(f, kwargs[name], path)
    try:
        return cls(**kwargs)
    except ConfigError as err:
        raise ConfigError(err.field if "." in err.field else prefix + err.field, err.message) from None


def to_dict(cfg: Any) -> dict[str, Any]:
    """Nested plain dict (tuples become lists) that `from_dict` reads back to an equal config."""
    out: dict[str, Any] = {}
    for f in fields(cfg):
        v = getattr(cfg, f.name)
        out[f.name] = to_dict(v) if is_dataclass(v) else list(v) if isinstance(v, tuple) else v
    return out


def to_json(cfg: ExperimentConfig, indent: int | None = 2) -> str:
    return json.dumps(to_dict(cfg), indent=indent)


def from_json(text: str | bytes) -> ExperimentConfig:
    """A config from JSON text (or UTF-8 bytes); anything that is not a config's JSON raises a ConfigError on
    `config` in one line: oversized, not UTF-8, malformed, nested too deeply, a number of too many digits."""
    if len(text) > MAX_CONFIG_BYTES:
        raise ConfigError("config", f"{len(text) / 1e6:.1f} MB of JSON; a config is a few KB "
                                    f"(the limit is {MAX_CONFIG_BYTES / 2**20:g} MiB)")
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")   # a byte-order mark (Notepad) is not an error
        except UnicodeDecodeError as err:
            raise ConfigError("config", f"not UTF-8 text (byte {err.start})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise ConfigError("config", f"not valid JSON ({err.msg} at line {err.lineno})") from None
    except RecursionError:
        raise ConfigError("config", "nested too deeply (a config is at most three levels deep)") from None
    except ValueError as err:   # Python's int-string limit on a JSON number
        why = (f"a number has more than {sys.get_int_max_str_digits():,} digits"
               if "integer string conversion" in str(err) else str(err).splitlines()[0][:160])
        raise ConfigError("config", f"not valid JSON ({why})") from None
    return from_dict(ExperimentConfig, data)


def validate(cfg: C) -> C:
    """Re-check a config built directly (dataclass constructors check only cross-field rules)."""
    return from_dict(type(cfg), to_dict(cfg))


def flatten(cfg: Any, prefix: str = "") -> dict[str, Any]:
    """Dotted path -> leaf value, e.g. {'train.lr': 0.03, 'model.hidden': (4, 2)}."""
    out: dict[str, Any] = {}
    for f in fields(cfg):
        v = getattr(cfg, f.name)
        if is_dataclass(v):
            out.update(flatten(v, prefix + f.name + "."))
        else:
            out[prefix + f.name] = v
    return out


def _unflatten(flat: Mapping[str, Any]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for path, value in flat.items():
        node = tree
        *parents, leaf = path.split(".")
        for p in parents:
            node = node.setdefault(p, {})
            if not isinstance(node, dict):
                raise ConfigError(path, "is not a section")
        node[leaf] = value
    return tree


def _fmt(v: Any) -> str:
    if isinstance(v, tuple):
        return ",".join(_fmt(x) for x in v)
    if isinstance(v, bool):
        return "1" if v else "0"
    return repr(v) if isinstance(v, float) else str(v)


def to_query(cfg: ExperimentConfig) -> dict[str, str]:
    """Flat URL parameters holding only what differs from the defaults (short links)."""
    default = flatten(ExperimentConfig())
    return {k: _fmt(v) for k, v in flatten(cfg).items() if default.get(k) != v or k == "lab"}


def is_config_key(key: str) -> bool:
    return key in ("lab", "seed") or "." in key


def from_query(params: Mapping[str, str], base: ExperimentConfig | None = None) -> ExperimentConfig:
    """Parse URL parameters (non-config keys such as classroom flags are ignored) onto `base`."""
    flat = {k: v for k, v in params.items() if is_config_key(k)}
    return with_values(base or ExperimentConfig(), flat)


def with_values(cfg: ExperimentConfig, flat: Mapping[str, Any]) -> ExperimentConfig:
    """Copy of `cfg` with dotted-path values replaced; validates the whole result."""
    tree = to_dict(cfg)
    for path, value in _unflatten(flat).items():
        if isinstance(value, dict) and isinstance(tree.get(path), dict):
            tree[path] = _merge(tree[path], value)
        else:
            tree[path] = value
    return from_dict(ExperimentConfig, tree)


def _merge(base: dict[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in new.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def parse_overrides(items: Iterable[str]) -> dict[str, str]:
    """['train.lr=0.1', ...] -> {'train.lr': '0.1'}; a malformed item raises ConfigError."""
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(item, "expected dotted.key=value")
        out[key.strip()] = value.strip()
    return out


def changed_fields(old: ExperimentConfig, new: ExperimentConfig) -> list[str]:
    a, b = flatten(old), flatten(new)
    return [k for k in b if a.get(k) != b[k]]


def needs_rebuild(old: ExperimentConfig, new: ExperimentConfig) -> list[str]:
    """Changed fields that cannot be applied to a model in training (data, model, seed)."""
    return [k for k in changed_fields(old, new) if k not in LIVE_FIELDS and k != "lab"]


def describe(cls: type = ExperimentConfig, prefix: str = "") -> list[tuple[str, Any, str]]:
    """(dotted path, default, doc) for every knob: the reference table of the README and CLI."""
    rows: list[tuple[str, Any, str]] = []
    for f in fields(cls):
        tp = field_types(cls)[f.name]
        if is_dataclass(tp):
            rows += describe(tp, prefix + f.name + ".")
        else:
            rows.append((prefix + f.name, f.default, f.metadata.get("doc", "")))
    return rows
