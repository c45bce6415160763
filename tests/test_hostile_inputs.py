"""Hostile input to the CLI and to the CSV and config readers (issue 13: Build 7 and the CSV/config part of
Build 3): every case is refused with one clear line naming the field or file, exit status 2, before any
training, and with bounded memory.

The CLI runs in a subprocess, as `python -m playground ...` would (runpy runs the same module), and reports
its own peak RSS: the kernel's VmHWM of the child, read at exit. `ru_maxrss` is no use here: Linux carries
it across exec from the forking parent (pytest, with torch loaded). Importing torch, pandas and the
playground costs about 300 MB, so PEAK_MB is generous; a file that is read whole before it is checked
(the old readers) would pass it by far (a 1 GiB sparse file costs 1-2 GB).
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from playground.config import ExperimentConfig, from_json, from_query, with_values
from playground.data import tabular
from playground.data.preprocess import OutOfRange, Preprocessor
from playground.presets import get_preset
from playground.registry import ConfigError
from playground.sweeps import Sweep, check_objective, parse_param

ROOT = Path(__file__).resolve().parents[1]
PEAK_MB = 1000
TIMEOUT = 300
RUNNER = """
import atexit, os, runpy, sys
def _peak():
    kb = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
    with open(os.environ["PEAK_FILE"], "w") as out:
        out.write(str(kb))
atexit.register(_peak)
runpy.run_module("playground", run_name="__main__", alter_sys=True)
"""


def cli(tmp_path: Path, *args: str) -> tuple[int, str, str, float]:
    """(exit status, stdout, stderr, peak RSS in MB) of `python -m playground ARGS` in a fresh process."""
    peak = tmp_path / "peak.kb"
    env = {**os.environ, "PEAK_FILE": str(peak), "PLAYGROUND_DATA_DIR": str(tmp_path / "data")}
    done = subprocess.run([sys.executable, "-c", RUNNER, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=TIMEOUT, check=False)
    return done.returncode, done.stdout, done.stderr, int(peak.read_text()) / 1024


def refused(tmp_path: Path, args: list[str], message: str) -> str:
    """Run the CLI and assert: exit 2, nothing on stdout, one stderr line `error: ...` matching `message`,
    no traceback, bounded memory. Returns the line."""
    code, out, err, peak = cli(tmp_path, *args)
    lines = err.strip().splitlines()
    assert code == 2, (code, err[-2000:])
    assert len(lines) == 1 and "Traceback" not in err, err[-2000:]
    assert lines[0].startswith("error: ") and re.search(message, lines[0]), lines[0]
    assert len(lines[0]) < 400, "a message quotes a value without growing with it"
    assert out == "", "nothing was trained or printed"
    assert peak < PEAK_MB, f"peak RSS {peak:.0f} MB"
    return lines[0]


# ---------------------------------------------------------------- hostile files, generated here

def table(n: int = 60, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n), "y": rng.integers(0, 2, n)})


def huge_values_csv() -> bytes:
    df = table()
    df.loc[3, "a"], df.loc[4, "a"] = 1e308, -1e308
    return df.to_csv(index=False).encode()


def empty_target_csv() -> bytes:
    df = table()
    df["y"] = np.nan
    return df.to_csv(index=False).encode()


def mixed_separators_csv() -> bytes:
    rows = ["a,b,y"] + [f"{i},{2 * i},{i % 2}" if i % 2 else f"{i}\t{2 * i}\t{i % 2}" for i in range(1, 40)]
    return ("\n".join(rows) + "\n").encode()   # line 2 (i = 1) uses commas, line 3 (i = 2) tabs


def ragged_csv(extra: bool) -> bytes:
    rows = ["a,b,y"] + [f"{i},{2 * i},{i % 2}" for i in range(40)]
    rows[9] = rows[9] + ",7" if extra else rows[9].rsplit(",", 1)[0]   # line 10 has 4 (or 2) fields
    return ("\n".join(rows) + "\n").encode()


CSV_CASES = {
    "±1e308 values": (huge_values_csv, r"data\.source: column 'a', row 4: 1e\+308 is beyond ±3\.4e\+38"),
    "an all-empty target": (empty_target_csv, r"data\.tabular\.target: the target column 'y' is empty"),
    "mixed tab and comma rows": (mixed_separators_csv,
                                 r"data\.source: line 3 has 1 field but the header has 3 \(separated by commas\)"),
    "a row with a field too many": (lambda: ragged_csv(True),
                                    r"data\.source: line 10 has 4 fields but the header has 3"),
    "a row with a field too few": (lambda: ragged_csv(False),
                                   r"data\.source: line 10 has 2 fields but the header has 3"),
}


@pytest.mark.parametrize("case", list(CSV_CASES))
def test_a_hostile_csv_is_refused_by_train_naming_the_file_and_column(case, tmp_path):
    make, message = CSV_CASES[case]
    path = tmp_path / "hostile.csv"
    path.write_bytes(make())
    refused(tmp_path, ["train", "--data", str(path), "--target", "y", "--steps", "1"],
            re.escape(str(path)) + ": " + message)


@pytest.mark.parametrize("case", list(CSV_CASES))
def test_the_app_path_refuses_the_same_csvs_with_a_config_error(case):
    """The Your data page builds through `csv_dataset`; the old code raised numpy's LinAlgError from the PCA,
    trained on an all-zero column, said "only 0 usable rows" or silently filled the short rows."""
    make, message = CSV_CASES[case]
    cfg = with_values(ExperimentConfig(), {"data.name": "csv", "data.tabular.target": "y"}).data
    with pytest.raises(ConfigError) as err:
        tabular.csv_dataset(make(), cfg, 0)
    assert re.search(message, f"{err.value.field}: {err.value.message}"), err.value


@pytest.mark.parametrize("standardize", [True, False])
def test_a_column_of_only_huge_values_is_refused_where_numpy_fails(standardize):
    """Reference: NumPy's own SVD fails on the scaled column (the old PCA plane); the reader refuses first."""
    df = table()
    df["a"] = np.random.default_rng(1).choice([1e308, -1e308], len(df))
    cfg = with_values(ExperimentConfig(), {"data.name": "csv", "data.tabular.target": "y",
                                           "data.tabular.standardize": standardize}).data
    with np.errstate(all="ignore"):
        x = df[["a", "b"]].to_numpy()
        scaled = (x - x.mean(0)) / x.std(0) if standardize else x.astype(np.float32).astype(np.float64)
        with pytest.raises(np.linalg.LinAlgError):
            np.linalg.svd(scaled - scaled.mean(0), full_matrices=False)
    with pytest.raises(ConfigError, match=r"column 'a', row 1: [-]?1e\+308 is beyond"):
        tabular.csv_dataset(df.to_csv(index=False).encode(), cfg, 0)


def test_numbers_within_float32_still_train_and_match_pandas():
    """The cap is float32's largest number: 1e30 is kept, and the file reads as pandas reads it."""
    df = table()
    df.loc[3, "a"] = 1e30
    raw = df.to_csv(index=False).encode()
    parsed = tabular.parse_csv(raw, "y")
    reference = pd.read_csv(io.BytesIO(raw))
    np.testing.assert_array_equal(parsed.frame["a"].to_numpy(), reference["a"].to_numpy())
    ds = tabular.csv_dataset(raw, with_values(ExperimentConfig(), {"data.name": "csv"}).data, 0)
    assert np.isfinite(ds.train.x.numpy()).all() and np.isfinite(ds.meta["plane"].components).all()


@pytest.mark.parametrize(("sep", "decimal"), [(",", "."), (";", ","), ("\t", ".")])
def test_the_separator_is_detected_once_and_good_files_read_as_pandas_reads_them(sep, decimal):
    """Comma, semicolon (with decimal commas in quotes) and tab files, with quoted separators inside a text
    column: the same frame as pandas given the right separator."""
    df = table(30)
    df["note"] = [f"x{sep}y" if i % 3 == 0 else f"v{i % 4}" for i in range(len(df))]
    raw = df[["a", "note", "b", "y"]].to_csv(index=False, sep=sep, decimal=decimal).encode()
    parsed = tabular.parse_csv(raw, "y")
    reference = pd.read_csv(io.BytesIO(raw), sep=sep, decimal=decimal)
    assert parsed.categorical == ("note",) and parsed.frame["note"].tolist() == reference["note"].tolist()
    if decimal == ".":   # decimal commas are text to the reader (dropped as ids): only the separator matters here
        assert parsed.numeric == ("a", "b")
        np.testing.assert_array_equal(parsed.frame["b"].to_numpy(), reference["b"].to_numpy())


def test_predict_refuses_rows_beyond_float32_naming_column_and_row():
    df = table()
    prep = Preprocessor.fit(df[["a", "b"]], df["y"].to_numpy(), numeric=("a", "b"), categorical=(),
                            task="classification", classes=("0", "1"), target="y")
    rows = df[["a", "b"]].astype(str).copy()
    rows.loc[5, "b"] = "-1e300"
    with pytest.raises(OutOfRange) as err:
        prep.transform(rows)
    assert err.value.describe().startswith("column 'b', row 6: -1e+300 is beyond")


# ---------------------------------------------------------------- config files and values

def deep_json() -> bytes:
    return b"[" * 200_000 + b"]" * 200_000


CONFIG_CASES = {
    "200,000-deep nesting": (deep_json, r"config: nested too deeply"),
    "a 5,001-digit integer": (lambda: b'{"seed": ' + b"1" * 5001 + b"}",
                              r"config: not valid JSON \(a number has more than 4,300 digits\)"),
    "a 4,000-digit integer": (lambda: b'{"seed": ' + b"9" * 4000 + b"}", r"seed: 999.*… is far outside"),
    "not UTF-8": (lambda: '{"lab": "café"}'.encode("latin-1"), r"config: not UTF-8 text \(byte 12\)"),
    "a 200,000-item list": (lambda: json.dumps({"model": {"hidden": [1] * 200_000}}).encode(),
                            r"model\.hidden: expected 0 to 16 items, got 200000"),
    "an unknown lab": (lambda: b'{"lab": "nope"}', r"lab: unknown value 'nope'; allowed: home, playground"),
}


@pytest.mark.parametrize("case", list(CONFIG_CASES))
def test_a_hostile_config_file_is_refused_in_one_line(case, tmp_path):
    make, message = CONFIG_CASES[case]
    path = tmp_path / "hostile.json"
    path.write_bytes(make())
    refused(tmp_path, ["train", "--config", str(path), "--steps", "1"], re.escape(str(path)) + ": " + message)


@pytest.mark.parametrize("what", ["config", "data", "checkpoint"])
def test_a_huge_file_is_refused_before_it_is_read(what, tmp_path):
    """A 1 GiB sparse file (no disk used) and /dev/zero, which has no size: only limit + 1 bytes are read."""
    sparse = tmp_path / "huge.bin"
    with open(sparse, "wb") as f:
        f.truncate(2**30)
    rows = tmp_path / "rows.csv"
    rows.write_bytes(table().to_csv(index=False).encode())
    for path in (str(sparse), "/dev/zero"):
        args = {"config": ["train", "--config", path],
                "data": ["train", "--data", path, "--target", "y"],
                "checkpoint": ["predict", "--checkpoint", path, "--data", str(rows)]}[what]
        limit = {"config": "1 MiB", "data": "5 MiB", "checkpoint": "50 MiB"}[what]
        refused(tmp_path, args, rf"{re.escape(path)}: .*over the limit of {limit}")


def test_unreadable_paths_are_one_line(tmp_path):
    refused(tmp_path, ["train", "--config", str(tmp_path)], rf"cannot read {re.escape(str(tmp_path))}: Is a directory")
    refused(tmp_path, ["train", "--data", str(tmp_path / "none.csv")], r"none\.csv: data\.source: cannot read")


def test_a_link_or_override_naming_no_lab_is_a_config_error(tmp_path):
    """`lab=` used to accept any text; now it is checked against the lab registry (playground/labs.py)."""
    with pytest.raises(ConfigError) as err:
        from_query({"lab": "<img src=x>", "train.lr": "0.1"})
    assert err.value.field == "lab" and "allowed: home, playground" in err.value.message
    assert from_query({"lab": "images"}).lab == "images"
    with pytest.raises(ConfigError, match="lab"):
        from_json('{"lab": "nope"}')
    refused(tmp_path, ["config", "--preset", "tf_xor", "--set", "lab=nope"], r"error: lab: unknown value 'nope'")


def test_a_huge_number_in_an_override_is_quoted_short(tmp_path):
    refused(tmp_path, ["config", "--preset", "tf_xor", "--set", "seed=" + "1" * 5001],
            r"error: seed: expected a whole number, got '1{30,}…$")


# ---------------------------------------------------------------- options

@pytest.mark.parametrize(("args", "message"), [
    (["--threads", "0"], r"argument --threads: must be 1 to \d+, got 0"),
    (["--threads", "-3"], r"argument --threads: must be 1 to \d+, got -3"),
    (["--threads", "many"], r"argument --threads: expected a whole number, got 'many'"),
    (["--steps", "-5"], r"argument --steps: must be at least 1, got -5"),
    (["--steps", "0"], r"argument --steps: must be at least 1, got 0"),
    (["--epochs", "-1"], r"argument --epochs: must be at least 1, got -1"),
    (["--steps", "1" * 5001], r"argument --steps: expected a whole number, got '1111"),
    (["--nope"], r"unrecognized arguments: --nope"),
])
def test_bad_option_values_exit_2_in_one_line(args, message, tmp_path):
    refused(tmp_path, ["train", "--preset", "tf_xor", *args], message)


def test_export_is_checked_before_training(tmp_path):
    """An export folder that cannot be written used to fail after training (the result lost), and a
    non-empty one was silently overwritten. Each is refused first: with a million epochs asked for, only
    the check can finish within the timeout, and nothing is written."""
    a_file = tmp_path / "model.pt"
    a_file.write_bytes(b"keep me")
    full = tmp_path / "full"
    full.mkdir()
    (full / "notes.txt").write_text("keep me")
    train = ["train", "--preset", "tf_xor", "--epochs", "1000000", "--export"]
    refused(tmp_path, [*train, str(a_file)], rf"--export {re.escape(str(a_file))}: is a file, not a folder")
    refused(tmp_path, [*train, str(full)], rf"--export {re.escape(str(full))}: the folder is not empty")
    inside = a_file / "out"
    refused(tmp_path, [*train, str(inside)], rf"--export {re.escape(str(inside))}: .*model\.pt is a file, so no folder")
    assert a_file.read_bytes() == b"keep me" and os.listdir(full) == ["notes.txt"]


def test_export_into_a_new_or_empty_folder_still_works(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    for target in (empty, tmp_path / "new" / "deeper"):
        code, out, err, _ = cli(tmp_path, "train", "--preset", "tf_xor", "--steps", "2", "--json",
                                "--export", str(target))
        assert code == 0, err
        assert {Path(p).name for p in json.loads(out)["exported"]} == set(os.listdir(target))


# ---------------------------------------------------------------- sweeps

def test_sweep_refuses_an_objective_the_task_does_not_record_before_any_trial(tmp_path):
    """It used to run every trial, each failing with no value, and exit 0. The one stderr line also shows
    that no trial started (each would print its progress line)."""
    refused(tmp_path, ["sweep", "--preset", "tf_circle", "--param", "train.lr=log:1e-3:1", "--trials", "2",
                       "--objective", "nope"],
            r"error: objective: 'nope' is not recorded for this task; choose one of: train_loss, train_accuracy, "
            r"val_loss, val_accuracy, test_loss, test_accuracy$")


def test_an_objective_on_an_empty_split_or_of_another_task_is_refused():
    base = with_values(get_preset("tf_circle"), {"data.val_fraction": 0.0})
    param = (parse_param("train.lr=log:1e-3:1"),)
    with pytest.raises(ConfigError, match=r"'val_loss' is not recorded.*choose one of: train_loss, train_accuracy, "
                                          r"test_loss, test_accuracy$"):
        check_objective(Sweep(base, param, objective="val_loss"))
    with pytest.raises(ConfigError, match=r"'test_accuracy' is not recorded.*test_r2"):
        check_objective(Sweep(get_preset("tf_plane"), param, objective="test_accuracy"))
    check_objective(Sweep(get_preset("tf_plane"), param, objective="test_r2"))


def test_a_sweep_whose_trials_all_fail_says_so_and_exits_2(tmp_path):
    """Batch norm with one sample per batch is refused when each trial builds: every trial fails."""
    code, out, err, peak = cli(tmp_path, "sweep", "--preset", "tf_circle", "--set", "train.batch_size=1",
                               "--param", "model.batch_norm=choice:1", "--trials", "2", "--epochs", "1", "--json")
    assert code == 2 and "Traceback" not in err, err[-2000:]
    assert json.loads(out)["states"] == {"fail": 2}
    last = err.strip().splitlines()[-1]
    assert re.fullmatch(r"error: no trial of study '.*' completed, so there is no best config: 2 refused \(first: "
                        r"train\.batch_size: batch norm needs at least 2 samples per batch\)", last), last
    assert peak < PEAK_MB


def test_the_your_data_page_shows_the_refusal_and_keeps_its_controls(tmp_path, monkeypatch):
    """The page, through the app's router, given the ±1e308 CSV as an upload of this session."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("PLAYGROUND_DATA_DIR", str(tmp_path))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at = at.switch_page("pages/tabular.py").run()
    at.session_state["tabular:uploads"] = {"huge.csv": huge_values_csv()}
    at.session_state["tabular:source"] = "huge.csv"
    at.selectbox(key="tabular:data").set_value("csv").run()
    assert not at.exception, [e.value for e in at.exception]
    errors = [e.value.replace("\\", "").replace("\u200b", "") for e in at.error]   # shown Markdown-escaped
    assert any("data.source`**: column 'a', row 4: 1e+308 is beyond" in e for e in errors), errors
    assert at.selectbox(key="tabular:data").value == "csv" and at.button(key="tabular:step") is not None


def test_config_bytes_are_utf8_with_or_without_a_byte_order_mark():
    assert from_json(b'\xef\xbb\xbf{"seed": 3}').seed == 3 and from_json('{"seed": 4}').seed == 4
    with pytest.raises(ConfigError, match=r"over the limit|limit is 1 MiB"):
        from_json(b" " * (2**20 + 1))
