"""The config tree: validation names the field; dict, JSON and URL round-trips are lossless."""

import pytest

from playground.config import (
    ConfigError,
    ExperimentConfig,
    changed_fields,
    from_dict,
    from_json,
    from_query,
    needs_rebuild,
    parse_overrides,
    to_dict,
    to_json,
    to_query,
    validate,
    with_values,
)
from playground.presets import PRESETS


@pytest.mark.parametrize("key", PRESETS.keys())
def test_every_preset_round_trips(key):
    cfg = PRESETS.get(key)
    assert validate(cfg) == cfg
    assert from_dict(ExperimentConfig, to_dict(cfg)) == cfg
    assert from_json(to_json(cfg)) == cfg
    assert from_query(to_query(cfg)) == cfg


def test_url_holds_only_what_differs_from_defaults():
    cfg = with_values(ExperimentConfig(), {"train.lr": 0.1, "model.hidden": (8, 8), "data.features": ("x1", "x1x2")})
    q = to_query(cfg)
    assert q == {"lab": "playground", "train.lr": "0.1", "model.hidden": "8,8", "data.features": "x1,x1x2"}
    assert from_query({**q, "hide": "sidebar"}) == cfg, "non-config URL keys are ignored"


@pytest.mark.parametrize("values, field", [
    ({"train.lr": "abc"}, "train.lr"),
    ({"train.lr": 0}, "train.lr"),
    ({"train.lr": "nan"}, "train.lr"),
    ({"model.hidden": "4,0"}, "model.hidden"),
    ({"model.hidden": ",".join(["4"] * 17)}, "model.hidden"),
    ({"model.activation": "swishy"}, "model.activation"),
    ({"data.name": "nope"}, "data.name"),
    ({"data.features": ""}, "data.features"),
    ({"data.train_fraction": 0.9, "data.val_fraction": 0.3}, "data.val_fraction"),
    ({"train.batch_size": 1.5}, "train.batch_size"),
    ({"train.nesterov": "maybe"}, "train.nesterov"),
    ({"train.bogus": 1}, "train.bogus"),
])
def test_invalid_values_name_the_field(values, field):
    with pytest.raises(ConfigError) as err:
        with_values(ExperimentConfig(), values)
    assert err.value.field == field
    assert err.value.message


def test_error_lists_allowed_registry_values():
    with pytest.raises(ConfigError, match="relu"):
        with_values(ExperimentConfig(), {"model.activation": "swishy"})


def test_bad_json_is_a_config_error():
    with pytest.raises(ConfigError, match="JSON"):
        from_json("{not json")


def test_overrides_parse_and_reject_malformed():
    assert parse_overrides(["train.lr=0.1", "model.hidden=8,8"]) == {"train.lr": "0.1", "model.hidden": "8,8"}
    with pytest.raises(ConfigError):
        parse_overrides(["train.lr"])


def test_learning_rate_is_live_but_architecture_rebuilds():
    base = ExperimentConfig()
    lr = with_values(base, {"train.lr": 0.3})
    arch = with_values(base, {"model.hidden": (8,)})
    assert changed_fields(base, lr) == ["train.lr"] and needs_rebuild(base, lr) == []
    assert needs_rebuild(base, arch) == ["model.hidden"]
