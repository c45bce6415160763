"""Registries: a name -> object table with a label and a one-line description.

Dropdowns, URL values, presets and the CLI all speak in registry keys, so adding an entry
never edits a page. This module knows nothing about what is registered; it only stores it.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class ConfigError(ValueError):
    """An invalid setting. `field` names it (dotted path); the message says what is allowed."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Entry(Generic[T]):
    """One registered object with what the UI needs to offer it."""

    key: str
    obj: T
    label: str
    description: str = ""
    meta: dict[str, Any] = field(default_factory=dict)  # free tags, e.g. {"task": "regression"}


class Registry(Generic[T]):
    """An ordered key -> Entry table. Keys are lower-case identifiers used in configs and URLs."""

    def __init__(self, name: str):
        self.name = name
        self._entries: dict[str, Entry[T]] = {}

    def add(self, key: str, obj: T, label: str | None = None, description: str = "", **meta: Any) -> T:
        if key in self._entries:
            raise KeyError(f"{self.name}: {key!r} is registered twice")
        self._entries[key] = Entry(key, obj, label or key, description, dict(meta))
        return obj

    def register(self, key: str, label: str | None = None, description: str = "",
                 **meta: Any) -> Callable[[T], T]:
        """Decorator form of `add`."""

        def deco(obj: T) -> T:
            return self.add(key, obj, label, description, **meta)

        return deco

    def entry(self, key: str, field: str | None = None) -> Entry[T]:
        try:
            return self._entries[key]
        except KeyError:
            raise ConfigError(field or self.name,
                              f"unknown {self.name} {key!r}; choose one of: {', '.join(self._entries)}") from None

    def get(self, key: str, field: str | None = None) -> T:
        return self.entry(key, field).obj

    def keys(self, **meta: Any) -> list[str]:
        """Keys in registration order, optionally only those whose meta matches every given tag."""
        return [e.key for e in self.entries(**meta)]

    def entries(self, **meta: Any) -> list[Entry[T]]:
        return [e for e in self._entries.values()
                if all(e.meta.get(k) == v for k, v in meta.items())]

    def label(self, key: str) -> str:
        return self._entries[key].label if key in self._entries else key

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)


def import_families(package: str, names: tuple[str, ...]) -> None:
    """Import `package.name` for each name whose module exists, so each can register itself.

    Lets labs add a family module without editing the package's __init__; a module that exists but
    fails to import still raises.
    """
    for name in names:
        if importlib.util.find_spec(f"{package}.{name}") is not None:
            importlib.import_module(f"{package}.{name}")
