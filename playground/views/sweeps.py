"""The Sweeps page's views: the editable parameter table, study summaries and the link to the best trial.

Rows of the parameter table become validated ParamSpecs here (a bad row raises ConfigError naming its
key); the best trial's config becomes a URL of its lab (`config.to_query`). No streamlit.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from playground.config import ExperimentConfig, flatten
from playground.labs import LABS
from playground.sweeps import KINDS, ParamSpec, best_config, parse_param

DEFAULT_ROWS = [{"key": "train.lr", "kind": "log", "low": 1e-3, "high": 1.0, "choices": ""},
                {"key": "train.optimizer", "kind": "choice", "low": None, "high": None, "choices": "sgd|momentum|adam"}]


def sweepable_keys(base: ExperimentConfig) -> list[str]:
    return [k for k in flatten(base) if k != "lab"]


def params_from_rows(rows: list[dict[str, Any]], base: ExperimentConfig) -> tuple[ParamSpec, ...]:
    """Table rows (key, kind, low, high, choices) -> checked ParamSpecs; empty rows are skipped."""
    specs = []
    for row in rows:
        key, kind = str(row.get("key") or "").strip(), str(row.get("kind") or "").strip()
        if not key:
            continue
        rest = str(row.get("choices") or "") if kind == "choice" else f"{row.get('low')}:{row.get('high')}"
        specs.append(parse_param(f"{key}={kind}:{rest}", base))
    return tuple(specs)


def best_link(study) -> tuple[str, str] | None:
    """(lab label, relative URL with the best trial's config) or None before any trial completes."""
    try:
        cfg = best_config(study)
    except ValueError:
        return None
    lab = LABS.entry(cfg.lab) if cfg.lab in LABS else LABS.entry("playground")
    return lab.label, f"./{lab.meta['url_path']}?{urlencode(_query(cfg, lab.key))}"


def _query(cfg: ExperimentConfig, lab: str) -> dict[str, str]:
    from playground.config import to_query

    return {**to_query(cfg), "lab": lab}


def summary(study) -> dict[str, Any]:
    states = [t.state.name.lower() for t in study.trials]
    out: dict[str, Any] = {"trials": len(states), **{s: states.count(s) for s in sorted(set(states))}}
    try:
        out["best value"] = study.best_value
    except ValueError:
        out["best value"] = None
    return out


__all__ = ["DEFAULT_ROWS", "KINDS", "best_link", "params_from_rows", "summary", "sweepable_keys"]
