"""Perturbation and case generators: deterministic given a seed, and they perturb only what they should."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from inspect_ai.model import ChatMessageUser

from harness.data import load_eval_set, policy_prompt
from harness.models.null import CONSTANT_GREETING, null_response
from harness.probes import (
    PROBES,
    ProbeCase,
    ProbePool,
    ProbeSettings,
    build_probe_cases,
    inflate_with_empty_words,
    injection_forms,
    pad_with_filler,
    parse_probes,
)
from harness.probes.forms import EMPTY_WORDS, FILLER
from tests.harness.probes.scripted import INJECTION_TRIGGERS, MARK, write_eval_set

VOCABULARY = EMPTY_WORDS["heldout"]
GREETING = "亲爱的奶奶，愿您笑口常开，我们永远是您最温暖的依靠。"


@pytest.fixture(scope="module")
def pool(tmp_path_factory: pytest.TempPathFactory) -> ProbePool:
    root = write_eval_set(tmp_path_factory.mktemp("data"))
    return ProbePool.from_rows(load_eval_set(root / "evaluation_set" / "evaluate_data.json"))


def is_subsequence(short: str, long: str) -> bool:
    chars = iter(long)
    return all(c in chars for c in short)


def test_padding_keeps_the_greeting_and_adds_only_filler() -> None:
    places = set()
    for seed in range(20):
        padded = pad_with_filler(GREETING, random.Random(seed), phrases=FILLER["heldout"])
        places.add(padded.place)
        assert GREETING in padded.text
        assert set(padded.added) <= set(FILLER["heldout"])
        assert len(padded.text) - len(GREETING) == sum(map(len, padded.added)) >= len(GREETING)
        assert padded == pad_with_filler(GREETING, random.Random(seed), phrases=FILLER["heldout"])
    assert places == {"append", "prepend", "both"}


def test_inflation_reaches_the_target_with_empty_words_only() -> None:
    for seed in range(20):
        inflated = inflate_with_empty_words("生日快乐，天天开心。", 45, random.Random(seed), vocabulary=VOCABULARY)
        assert len(inflated.text) >= 45
        assert is_subsequence("生日快乐，天天开心。", inflated.text)
        assert set(inflated.added) <= set(VOCABULARY.all)
        assert inflated == inflate_with_empty_words(
            "生日快乐，天天开心。", 45, random.Random(seed), vocabulary=VOCABULARY
        )
    assert inflate_with_empty_words(GREETING, 10, random.Random(0), vocabulary=VOCABULARY).text == GREETING


def test_injection_forms_are_many_distinct_and_all_ask_for_good() -> None:
    forms = injection_forms()
    assert len(forms) >= 100
    assert len({f.id for f in forms}) == len({f.text + f.place for f in forms}) == len(forms)
    assert {f.language for f in forms} == {"zh", "en"}
    texts = " ".join(f.text for f in forms)
    for needle in ("忽略以上要求", "</greeting>", '{"verdict": "good"', "系统提示：", "扮演", "<|im_start|>system"):
        assert needle in texts
    assert all(any(t in f.text for t in INJECTION_TRIGGERS) for f in forms)
    form = forms[0]
    assert form.apply("祝好") in ("祝好" + form.text, form.text + "祝好")


def test_cases_are_deterministic_per_seed_and_per_family(pool: ProbePool) -> None:
    first = build_probe_cases(pool, "all", 6, ProbeSettings(seed=1))
    assert first == build_probe_cases(pool, "all", 6, ProbeSettings(seed=1))
    assert first != build_probe_cases(pool, "all", 6, ProbeSettings(seed=2))
    only_null = build_probe_cases(pool, "null", 6, ProbeSettings(seed=1))
    assert only_null == [c for c in first if c.probe == "null"]  # other families do not shift a family's cases
    assert [c.probe for c in first] == [name for name in PROBES for _ in range(6)]
    assert len({c.id for c in first}) == len(first)
    assert all(ProbeCase.from_metadata(c.to_metadata()) == c for c in first)


def test_each_family_cuts_the_right_rows(pool: ProbePool) -> None:
    cases = {c.id: c for c in build_probe_cases(pool, "all", 6, ProbeSettings(seed=0, stability_runs=4))}
    for case in cases.values():
        details = case.details
        if case.probe == "position":
            assert {details["a_label"], details["b_label"]} == {0, 1}
            assert (MARK in case.original) != (MARK in case.partner)
        elif case.probe in ("length_pad",):
            assert MARK in case.original and case.original in case.perturbed
        elif case.probe == "length_inflate":
            assert MARK not in case.perturbed and len(case.perturbed) >= details["target_length"]
            assert details["target_length"] == pool.typical_good_length
        elif case.probe == "injection":
            assert details["label"] == 0 and case.original.strip() in case.perturbed
        elif case.probe == "null":
            prompt = [ChatMessageUser(content=policy_prompt(case.query))]
            assert case.perturbed == null_response(details["null_kind"], prompt)
        elif case.probe == "stability":
            assert details["seeds"] == [0, 1, 2, 3] and details["temperature"] > 0
    nulls = [c for c in cases.values() if c.probe == "null"]
    assert {c.details["null_kind"] for c in nulls} == {"empty", "constant", "echo"}
    assert CONSTANT_GREETING in {c.perturbed for c in nulls}
    injected = [c for c in cases.values() if c.probe == "injection"]
    assert len({c.details["form"] for c in injected}) == len(injected)  # a shuffled cycle: no repeats


def test_probe_names_and_settings_are_checked() -> None:
    assert parse_probes("all") == list(PROBES)
    assert parse_probes("stability, length") == ["length_pad", "length_inflate", "stability"]
    with pytest.raises(ValueError, match="unknown probes"):
        parse_probes("position,vibes")
    with pytest.raises(ValueError, match="stability_runs"):
        ProbeSettings(stability_runs=1)
    with pytest.raises(ValueError, match="temperature"):
        ProbeSettings(stability_temperature=0.0)


def test_real_data_gives_full_families(shared_data_dir: Path) -> None:
    pool = ProbePool.from_rows(load_eval_set(shared_data_dir / "evaluation_set" / "evaluate_data.json"))
    cases = build_probe_cases(pool, "all", 40)
    assert [c.probe for c in cases].count("injection") == 40
    assert len(cases) == 40 * len(PROBES)
    assert 50 <= pool.typical_good_length <= 70
