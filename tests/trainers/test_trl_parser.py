"""YAML read by TRL's own parser, strictly: unknown keys, wrong types, null, mappings, the file named every time."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from trainers.config import ConfigError
from trainers.trl_parser import parse_config_file, parse_mapping


@dataclass
class Small:
    """A dataclass shaped like greetbench's own config keys."""

    count: int = 1
    rate: float = 0.5
    name: str | None = None
    flag: bool = False
    modules: list[str] = field(default_factory=lambda: ["a"])
    items: list[dict] = field(default_factory=list)
    extra: dict | None = None


def test_values_reach_the_dataclass_typed() -> None:
    (small,) = parse_mapping(
        (Small,),
        {"count": 3, "rate": "2e-4", "name": None, "flag": True, "modules": ["q", "v"], "items": [{"k": 1}]},
        "run.yaml",
    )
    assert (small.count, small.rate, small.name, small.flag, small.modules) == (3, 2e-4, None, True, ["q", "v"])
    assert small.items == [{"k": 1}] and small.extra is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"cont": 2}, r"run\.yaml: unknown key 'cont' for Small; did you mean 'count'\?"),
        ({"count": 2.5}, r"run\.yaml: key 'count': invalid int value: '2\.5'"),
        ({"count": True}, r"run\.yaml: key 'count': invalid int value"),
        ({"rate": "fast"}, r"run\.yaml: key 'rate': invalid float value"),
        ({"flag": "no"}, r"run\.yaml: key 'flag': expected true or false"),
        ({"count": None}, r"run\.yaml: key 'count': null is not allowed"),
        ({"count": [1, 2]}, r"run\.yaml: key 'count': expected a single value"),
        ({"name": {"a": 1}}, r"run\.yaml: key 'name': expected a single value, got a mapping"),
        ({"items": [{"a": 1}, 3]}, r"run\.yaml: key 'items': expected a list of mappings"),
        ({"modules": ["q", 3]}, r"run\.yaml: key 'modules': expected a list of strings, got the item 3"),
    ],
)
def test_bad_values_name_the_key_and_the_file(data: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_mapping((Small,), data, "run.yaml")


@dataclass
class Required:
    """A dataclass with a key that has no default."""

    model: str
    modules: str | list[str] = "all-linear"


def test_missing_keys_and_plain_list_defaults() -> None:
    with pytest.raises(ConfigError, match=r"^run\.yaml: missing key 'model'$"):
        parse_mapping((Required,), {}, "run.yaml")
    assert parse_mapping((Required,), {"model": "m"}, "run.yaml") == (Required("m", "all-linear"),)


def test_trl_dataclasses_and_their_own_checks(tmp_path: Path) -> None:
    from trl import GRPOConfig, ModelConfig

    path = tmp_path / "grpo.yaml"
    path.write_text(
        "output_dir: out\nuse_cpu: true\nbf16: false\nnum_generations: 3\nper_device_train_batch_size: 4\n"
        "model_name_or_path: tiny\nlora_target_modules: [q_proj, v_proj]\nmodel_init_kwargs: {dtype: float32}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"grpo\.yaml: generation_batch_size \(4\) must be divisible by num_gen"):
        parse_config_file((GRPOConfig, ModelConfig), path)
    source, (grpo, model) = parse_config_file((GRPOConfig, ModelConfig), path, {"num_generations": 2, "seed": None})
    assert source == path and grpo.num_generations == 2 and grpo.model_init_kwargs == {"dtype": "float32"}
    assert model.lora_target_modules == ["q_proj", "v_proj"] and grpo.seed == 42  # a None override is "not given"


def test_env_sets_variables_as_trl_parser_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    monkeypatch.delenv("GREETBENCH_TEST_ENV", raising=False)
    path = tmp_path / "run.yaml"
    path.write_text("count: 2\nenv: {GREETBENCH_TEST_ENV: 7}\n", encoding="utf-8")
    _, (small,) = parse_config_file((Small,), path)
    assert small.count == 2 and os.environ["GREETBENCH_TEST_ENV"] == "7"
    monkeypatch.delenv("GREETBENCH_TEST_ENV")
    path.write_text("env: [a]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"key 'env': expected a mapping"):
        parse_config_file((Small,), path)
