"""Config widgets generated from the config's field metadata and the registries.

`config_controls(session, paths)` draws one keyed widget per dotted config path and returns the
config they describe (or the old one, with the error shown, if a value is invalid). Registry fields
become dropdowns, so a new registry entry appears in the UI without touching a page.
"""

from __future__ import annotations

import typing
from dataclasses import fields, is_dataclass
from typing import Any

import streamlit as st

from playground.catalog import registry
from playground.config import ExperimentConfig, flatten, with_values
from playground.registry import ConfigError
from playground.ui.session import LabSession, apply_config

# Fields shown as a slider over fixed stops (TF Playground's learning rates, and so on).
STOPS: dict[str, list[float]] = {
    "train.lr": [1e-5, 1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0],
    "train.l1": [0.0, 1e-5, 1e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0],
    "train.l2": [0.0, 1e-5, 1e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0],
    "train.weight_decay": [0.0, 1e-5, 1e-4, 1e-3, 0.01, 0.05, 0.1, 0.3],
    "data.noise": [round(i * 0.05, 2) for i in range(21)],
    "data.train_fraction": [round(0.1 * i, 1) for i in range(1, 10)],
    "data.val_fraction": [0.0, 0.05, 0.1, 0.15, 0.2, 0.3],
    "model.dropout": [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6],
    "train.momentum": [0.0, 0.5, 0.8, 0.9, 0.95, 0.99],
    "train.grad_clip": [0.0, 0.1, 0.5, 1.0, 5.0, 10.0],
    "data.image.augment_share": [0.1, 0.25, 0.5, 0.75, 1.0],
}
LABELS = {"data.name": "Dataset", "model.activation": "Activation", "model.init": "Initialization",
          "train.optimizer": "Optimizer", "train.loss": "Loss", "train.lr": "Learning rate",
          "train.l1": "L1", "train.l2": "L2",
          "data.noise": "Noise",
          "data.train_fraction": "Training share", "data.val_fraction": "Validation share",
          "model.hidden": "Hidden layers (neurons, comma-separated)", "data.n_samples": "Samples",
          "data.n_classes": "Classes (k-class sets)", "train.batch_size": "Batch size (0 = full batch)",
          "data.features": "Input features", "data.image.augment": "Augmentation",
          "data.image.augment_copies": "Fixed copies (0 = fresh each epoch)",
          "data.image.augment_share": "Share transformed each epoch",
          "data.image.labels_per_class": "Labelled images per class (0 = all)",
          "train.freeze": "Frozen blocks, from the input", "train.unfreeze_every": "Unfreeze a block every N epochs "
          "(0 = off)", "train.lr_scales": "Learning-rate scale per block (comma-separated, from the input)"}


def _field(path: str) -> tuple[Any, dict[str, Any]]:
    """(type, metadata) of a dotted path in ExperimentConfig."""
    cls: Any = ExperimentConfig
    *parents, leaf = path.split(".")
    for p in parents:
        cls = typing.get_type_hints(cls)[p]
    f = {f.name: f for f in fields(cls)}[leaf]
    return typing.get_type_hints(cls)[leaf], dict(f.metadata)


def _to_widget(path: str, value: Any) -> Any:
    tp, meta = _field(path)
    if typing.get_origin(tp) is tuple:
        return list(value) if meta["registry"] else ", ".join(str(v) for v in value)
    return value


def sync_widgets(session: LabSession, paths: list[str]) -> None:
    """Push config values into widget state where the config changed from outside the widget
    (a preset, a link, a reset); a value the user just typed is left alone."""
    synced = session.extra.setdefault("synced", {})
    flat = flatten(session.cfg)
    for path in paths:
        key = f"{session.lab}:{path}"
        # Streamlit drops a widget's state when a run does not draw it (another page was open): push it again
        if path not in synced or synced[path] != flat[path] or key not in st.session_state:
            st.session_state[key] = _to_widget(path, flat[path])
            synced[path] = flat[path]


def field_widget(lab: str, path: str, container=st, choices: list[str] | None = None) -> None:
    """One keyed widget for a config path; `choices` narrows a registry dropdown (e.g. one data family)."""
    tp, meta = _field(path)
    key, help_ = f"{lab}:{path}", meta["doc"]
    label = LABELS.get(path, path.split(".")[-1].replace("_", " ").capitalize())
    if meta["registry"]:
        reg = registry(meta["registry"])
        widget = container.multiselect if typing.get_origin(tp) is tuple else container.selectbox
        options = list(choices or reg.keys())
        current = st.session_state.get(key)
        if isinstance(current, str) and current not in options:   # keep a preset's value selectable
            options.append(current)
        widget(label, options, key=key, format_func=reg.label, help=help_)
    elif tp is bool:
        container.checkbox(label, key=key, help=help_)
    elif path in STOPS:
        stops = sorted(set(STOPS[path]) | {st.session_state.get(key, STOPS[path][0])})
        container.select_slider(label, stops, key=key, help=help_, format_func=lambda v: f"{v:g}")
    elif tp in (int, float):
        step = 1 if tp is int else None
        container.number_input(label, min_value=tp(meta["lo"]), max_value=tp(meta["hi"]), step=step, key=key,
                                help=help_, format=None if tp is int else "%g")
    else:
        container.text_input(label, key=key, help=help_)


def config_controls(session: LabSession, paths: list[str], container=st,
                    choices: dict[str, list[str]] | None = None) -> None:
    """Draw widgets for `paths` and adopt what they say; an invalid value is shown, nothing else changes.

    `choices` maps a registry path to the keys this lab offers (default: the whole registry)."""
    sync_widgets(session, paths)
    for path in paths:
        field_widget(session.lab, path, container, (choices or {}).get(path))
    flat = {p: st.session_state[f"{session.lab}:{p}"] for p in paths}
    try:
        apply_config(session, with_values(session.cfg, flat))
    except ConfigError as err:
        container.error(f"**{err.field}**: {err.message}. The previous value is still in use.",
                        icon=":material/warning:")
        return
    flat = flatten(session.cfg)
    session.extra["synced"].update({p: flat[p] for p in paths})


def load_config(session: LabSession, cfg: ExperimentConfig) -> None:
    """Adopt a whole config (a preset, an uploaded JSON): rebuild and sync widgets next run."""
    apply_config(session, cfg)


__all__ = ["config_controls", "field_widget", "is_dataclass", "load_config", "sync_widgets"]
