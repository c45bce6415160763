"""Hyperparameter sweeps on Optuna over any lab's config: dotted keys with range specs, a shared study storage.

A parameter spec is `dotted.key=KIND:...`: `float:LO:HI`, `log:LO:HI` (log-uniform), `int:LO:HI`, or
`choice:A|B|C` (values as the config reads them, e.g. `model.hidden=choice:8|16,16`). Samplers come
from the SAMPLERS registry (grid, random, TPE); median pruning watches the Trainer's history, reported
every `report_every` epochs. Studies live in server-side storage: `$PLAYGROUND_SWEEP_STORAGE`, else what
the app read from its secrets (`sweep_storage`), else Optuna's journal file `<data dir>/sweeps.journal`
(`journal:///PATH`: a write costs 3.9 ms against 19 ms on SQLite here, and its file lock is made for
several writer processes); any SQLAlchemy URL works too (a database server across machines). The CLI may
name another URL, the app never takes one from a browser. Every trial keeps its config (JSON) in its user
attribute `run` (run_info), so the best one can be reopened in its lab. This module defines a study and
one trial; running trials in workers, stopping them and progress are in sweep_jobs.py. No streamlit, no
drawing except Optuna's own Plotly views.
"""

from __future__ import annotations

import math
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from playground.config import ExperimentConfig, flatten, from_json, to_json, with_values
from playground.registry import ConfigError, Registry

ROOT = Path(__file__).resolve().parents[1]
GRID_POINTS = 5                    # points per float/log axis of a grid search
KINDS = ("float", "log", "int", "choice")


def data_dir() -> Path:
    """Where studies are stored: $PLAYGROUND_DATA_DIR, else <project>/data (git-ignored)."""
    path = Path(os.environ.get("PLAYGROUND_DATA_DIR") or ROOT / "data")
    path.mkdir(parents=True, exist_ok=True)
    return path


STORAGE_ENV = "PLAYGROUND_SWEEP_STORAGE"


class StorageError(ConfigError):
    """The study storage could not be opened. The message names the URL, which is for the CLI and the
    server's log: the app shows visitors a message without it."""


JOURNAL = "journal:///"   # our scheme for Optuna's journal file: journal:///relative or journal:////absolute/path


def default_storage(configured: str | None = None) -> str:
    """The server's study storage: $PLAYGROUND_SWEEP_STORAGE, else `configured` (the app passes its
    secrets' `sweep_storage`), else the journal file in the data dir."""
    return os.environ.get(STORAGE_ENV) or configured or f"{JOURNAL}{data_dir() / 'sweeps.journal'}"


def open_storage(storage: str | None = None):
    """Optuna's storage at `storage` (default: `default_storage()`): a journal file for `journal:///PATH`,
    else an RDB storage for an SQLAlchemy URL; failures raise StorageError."""
    import optuna
    import sqlalchemy.exc

    url = storage or default_storage()
    if url.startswith(JOURNAL):
        return _journal(url)
    for attempt in range(5):
        try:
            return optuna.storages.RDBStorage(url)
        except (sqlalchemy.exc.OperationalError, sqlalchemy.exc.IntegrityError) as err:
            # workers starting together race to create the tables and the version row (a locked database, or
            # "UNIQUE constraint failed: version_info"): wait a little and open again
            if attempt == 4:
                raise StorageError("storage", f"cannot open {url}: {_first_line(err)}") from None
            time.sleep(0.2 * (attempt + 1) + random.random() * 0.2)
        except Exception as err:                         # a bad URL, a missing driver, an unreadable file
            raise StorageError("storage", f"cannot open {url}: {_first_line(err)}") from None
    raise AssertionError("unreachable")


def _journal(url: str):
    """A journal file storage; its folder must exist (as SQLite's does), so a typo is not a new folder."""
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend, JournalFileOpenLock

    path = Path(url.removeprefix(JOURNAL))
    if not path.parent.is_dir():
        raise StorageError("storage", f"cannot open {url}: no folder {path.parent}")
    try:   # the open lock (O_EXCL lock file) is safe for several processes, also on NFS
        return JournalStorage(JournalFileBackend(str(path), lock_obj=JournalFileOpenLock(str(path))))
    except OSError as err:
        raise StorageError("storage", f"cannot open {url}: {_first_line(err)}") from None


def _first_line(err: Exception) -> str:
    return (str(err).splitlines() or [type(err).__name__])[0][:200]


@dataclass(frozen=True)
class ParamSpec:
    key: str
    kind: str
    lo: float = 0.0
    hi: float = 0.0
    choices: tuple[str, ...] = ()

    def grid(self) -> list[Any]:
        if self.kind == "choice":
            return list(self.choices)
        if self.kind == "int":
            n = int(self.hi - self.lo) + 1
            return [int(v) for v in (range(int(self.lo), int(self.hi) + 1) if n <= 10
                                     else np.unique(np.linspace(self.lo, self.hi, GRID_POINTS).round()))]
        space = np.geomspace if self.kind == "log" else np.linspace
        return [float(v) for v in space(self.lo, self.hi, GRID_POINTS)]

    def suggest(self, trial) -> Any:
        if self.kind == "choice":
            return trial.suggest_categorical(self.key, list(self.choices))
        if self.kind == "int":
            return trial.suggest_int(self.key, int(self.lo), int(self.hi))
        return trial.suggest_float(self.key, self.lo, self.hi, log=self.kind == "log")

    def text(self) -> str:
        rest = "|".join(self.choices) if self.kind == "choice" else f"{self.lo:g}:{self.hi:g}"
        return f"{self.key}={self.kind}:{rest}"


def parse_param(item: str, base: ExperimentConfig | None = None) -> ParamSpec:
    """'train.lr=log:1e-4:1' -> ParamSpec; checks the key and both ends against the config's rules."""
    key, sep, spec = item.partition("=")
    key, spec = key.strip(), spec.strip()
    kind, _, rest = spec.partition(":")
    if not sep or not key or kind not in KINDS:
        raise ConfigError(item, "expected dotted.key=KIND:..., KIND one of float:LO:HI, log:LO:HI, int:LO:HI, "
                                "choice:A|B|C")
    if kind == "choice":
        choices = tuple(c.strip() for c in rest.split("|") if c.strip())
        if not choices:
            raise ConfigError(key, "choice needs at least one value: choice:A|B")
        p = ParamSpec(key, kind, choices=choices)
    else:
        parts = rest.split(":")
        try:
            lo, hi = (float(v) for v in parts)
        except ValueError:
            raise ConfigError(key, f"expected {kind}:LO:HI with two numbers, got {spec!r}") from None
        if not (math.isfinite(lo) and math.isfinite(hi)) or lo >= hi:
            raise ConfigError(key, f"need LO < HI, got {lo:g} and {hi:g}")
        if kind == "log" and lo <= 0:
            raise ConfigError(key, "a log range needs LO > 0")
        if kind == "int" and (lo != int(lo) or hi != int(hi)):
            raise ConfigError(key, "an int range needs whole numbers")
        p = ParamSpec(key, kind, lo, hi)
    base = base or ExperimentConfig()
    if key not in flatten(base) or key in ("lab",):
        raise ConfigError(key, "not a setting that can be swept (see `python -m playground config`)")
    for value in (p.choices if kind == "choice" else (p.lo, p.hi)):
        with_values(base, {key: int(value) if kind == "int" else value})   # raises ConfigError naming the field
    return p


def _grid(params, seed):
    import optuna

    return optuna.samplers.GridSampler({p.key: p.grid() for p in params}, seed=seed)


def _random(params, seed):
    import optuna

    return optuna.samplers.RandomSampler(seed=seed)


def _tpe(params, seed):
    import optuna

    return optuna.samplers.TPESampler(seed=seed, n_startup_trials=5)


SAMPLERS: Registry[Callable[..., Any]] = Registry("sampler")
SAMPLERS.add("tpe", _tpe, "TPE (Bayesian)", "models good and bad regions from past trials; the default")
SAMPLERS.add("random", _random, "Random", "independent uniform draws: a strong baseline")
SAMPLERS.add("grid", _grid, "Grid", f"every combination ({GRID_POINTS} points per continuous axis)")


@dataclass(frozen=True)
class Sweep:
    """What to search: a base config, parameters, sampler, epochs per trial, objective and pruning."""

    base: ExperimentConfig
    params: tuple[ParamSpec, ...]
    sampler: str = "tpe"
    epochs: int = 0               # 0 = base.train.max_epochs, else 50
    objective: str = ""           # a history column; "" = val_loss (train_loss without a validation split)
    prune: bool = True
    seed: int | None = None       # sampler seed; None = fresh per process, so parallel workers differ
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def n_epochs(self) -> int:
        return self.epochs or self.base.train.max_epochs or 50

    @property
    def target(self) -> str:
        return self.objective or ("val_loss" if self.base.data.val_fraction > 0 else "train_loss")

    @property
    def direction(self) -> str:
        return "maximize" if self.target.endswith(("accuracy", "r2")) else "minimize"


def recorded_objectives(dataset) -> list[str]:
    """The history columns a trial on `dataset` records, i.e. what a sweep can optimise: each non-empty
    split's loss and its task's metric (accuracy, r2 or the dataset's own), e.g. val_accuracy."""
    from playground.objectives import metric_name

    metric = metric_name(dataset.task, dataset.meta)
    return [f"{s}_{m}" for s in ("train", "val", "test") if len(dataset.split(s)) for m in ("loss", metric)]


def check_objective(sweep: Sweep) -> None:
    """Refuse a named objective no trial would record (a typo, val_* without a validation split) before any
    trial runs; otherwise every trial would end with no value and fail. Builds the base config's data once."""
    if not sweep.objective:   # the default (val_loss, else train_loss) is always recorded
        return
    from playground.data import make_dataset

    names = recorded_objectives(make_dataset(sweep.base.data, sweep.base.seed))
    if sweep.objective not in names:
        raise ConfigError("objective", f"{sweep.objective!r} is not recorded for this task; "
                                       f"choose one of: {', '.join(names)}")


def open_study(sweep: Sweep, storage: str | None = None, name: str = "sweep", describe: bool = True):
    """Create or load (resume) the study `name` in `storage` (default: `default_storage()`); `describe` writes
    the base config, parameters and objective as study attributes (the job's driver does, its workers not)."""
    import optuna

    if not sweep.params:
        raise ConfigError("params", "pick at least one parameter to sweep")
    SAMPLERS.entry(sweep.sampler, "sampler")
    pruner = optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=max(1, sweep.n_epochs // 5)) \
        if sweep.prune else optuna.pruners.NopPruner()
    store = open_storage(storage)
    for attempt in range(5):
        try:
            study = optuna.create_study(storage=store, study_name=name, load_if_exists=True,
                                        direction=sweep.direction, pruner=pruner,
                                        sampler=SAMPLERS.get(sweep.sampler)(sweep.params, sweep.seed))
            break
        except ValueError as err:
            raise ConfigError("study", str(err)) from None
        except Exception as err:  # workers starting together race to create the study row
            if attempt == 4 or not type(err).__module__.startswith("sqlalchemy"):
                raise
            time.sleep(0.2 * (attempt + 1) + random.random() * 0.2)
    if describe:
        study.set_user_attr("base", to_json(sweep.base, indent=None))
        study.set_user_attr("params", [p.text() for p in sweep.params])
        study.set_user_attr("objective", sweep.target)
    return study


def never() -> bool:
    return False


def objective(sweep: Sweep, report_every: int = 1, stop: Callable[[], bool] = never) -> Callable[[Any], float]:
    """The Optuna objective: build the trial's config, train, report the objective every `report_every`
    epochs (pruning decides on those), and end the trial as pruned, marked `stopped`, after the first epoch
    at which `stop()` is true (`stop` is called every epoch, so it must be cheap: sweep_jobs.StopFlag)."""
    import optuna

    from playground.experiment import build

    def run(trial) -> float:
        values = {p.key: p.suggest(trial) for p in sweep.params}
        try:
            cfg = with_values(sweep.base, values)
            exp = build(cfg)
        except ConfigError as err:   # this combination is refused: the trial fails, keeping why (no traceback)
            trial.set_user_attr("error", f"{err.field}: {err.message}")
            return float("nan")
        stopped = False

        def each_epoch(trainer, record: dict) -> None:
            nonlocal stopped
            if stop():
                stopped = True
                raise optuna.TrialPruned(f"stopped at epoch {trainer.epoch}")   # also ends multi-objective trials
            value = record.get(sweep.target)
            if trainer.epoch % report_every == 0 and value is not None and math.isfinite(value):
                trial.report(value, trainer.epoch)   # one storage write: hence every report_every epochs
                if trial.should_prune():
                    raise optuna.TrialPruned(f"pruned at epoch {trainer.epoch}")

        exp.trainer.callbacks.append(each_epoch)
        try:
            exp.trainer.run_epochs(sweep.n_epochs)
        finally:   # one write per trial (each costs a few ms): its config and how it ended
            trial.set_user_attr("run", {"config": to_json(cfg, indent=None), "epochs": exp.trainer.epoch,
                                        "status": exp.trainer.status, "stopped": stopped})
        value = exp.trainer.history.last().get(sweep.target)
        return float("nan") if value is None else float(value)   # NaN marks a diverged trial as failed

    return run


def run_info(trial) -> dict[str, Any]:
    """What a finished trial recorded: config (JSON), epochs trained, trainer status, stopped (on request);
    empty for a running or refused trial."""
    return trial.user_attrs.get("run", {})


def trials_table(study) -> list[dict[str, Any]]:
    """One row per trial: number, state (`stopped` for a trial a stop request ended), value, epochs trained,
    then the parameters."""
    return [{"trial": t.number, "state": "stopped" if run_info(t).get("stopped") else t.state.name.lower(),
             "value": t.value,
             "epochs": run_info(t).get("epochs"), **t.params} for t in study.trials]


def best_config(study) -> ExperimentConfig:
    """The config of the best completed trial."""
    try:
        best = study.best_trial
    except ValueError:
        raise ConfigError("study", "no trial has completed yet") from None
    return from_json(run_info(best)["config"])


def study_figures(study) -> dict[str, Any]:
    """Optuna's Plotly views that the study has enough trials for: history, parallel coordinates, importance."""
    import optuna.visualization as vis

    from playground.figures.palette import LAYOUT

    done = [t for t in study.trials if t.state.name == "COMPLETE"]
    out: dict[str, Any] = {}
    if not done:
        return out
    builders = {"Optimization history": vis.plot_optimization_history,
                "Parallel coordinates": vis.plot_parallel_coordinate}
    if len(done) >= 2 and len(study.trials[-1].params) >= 1:
        builders["Parameter importance"] = vis.plot_param_importances
    for title, build in builders.items():
        try:
            fig = build(study)
        except (ValueError, RuntimeError, ZeroDivisionError):
            continue
        fig.update_layout(**{k: v for k, v in LAYOUT.items() if k != "margin"}, height=360, title=title)
        out[title] = fig
    return out


def list_studies(storage: str | None = None) -> list[str]:
    import optuna

    return [s.study_name for s in optuna.get_all_study_summaries(open_storage(storage))]
