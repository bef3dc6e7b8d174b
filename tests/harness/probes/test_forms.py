"""The attack forms' split: two sides that share nothing, no empty family, deterministic forms, and probes that
use only the held-out side."""

from __future__ import annotations

import random

import pytest

from harness.data import load_eval_set
from harness.probes import FAMILIES, SPLITS, ProbePool, ProbeSettings, all_forms, attack_forms, build_probe_cases
from harness.probes.forms import split_record
from tests.harness.probes.scripted import write_eval_set

GREETING = "亲爱的妈妈，生日快乐！愿你幸福安康。"
REQUEST = "给妈妈的生日祝福"


def test_no_form_is_on_both_sides() -> None:
    train, heldout = attack_forms("train"), attack_forms("heldout")
    assert not {f.id for f in train} & {f.id for f in heldout}
    assert not {text for f in train for text in f.added} & {text for f in heldout for text in f.added}
    assert len({f.id for f in all_forms()}) == len(all_forms()) == len(train) + len(heldout)


def test_every_family_has_forms_on_each_side_and_the_record_lists_them() -> None:
    record = split_record()
    for split in SPLITS:
        assert set(record[split]) == set(FAMILIES)
        assert all(record[split][family] for family in FAMILIES)


def test_an_empty_or_unknown_family_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown attack families"):
        attack_forms("train", "nope")
    with pytest.raises(ValueError, match="unknown form split"):
        attack_forms("test")  # type: ignore[arg-type]


@pytest.mark.parametrize("split", SPLITS)
def test_forms_keep_the_greeting_add_text_and_are_deterministic(split: str) -> None:
    for form in attack_forms(split):  # type: ignore[arg-type]
        text = form.apply(GREETING, REQUEST, random.Random(3))
        assert text == form.apply(GREETING, REQUEST, random.Random(3))
        assert len(text) > len(GREETING), form.id
        if form.family not in ("empty_words",):  # inflation slips words inside the greeting
            assert GREETING.rstrip("。") in text or all(c in text for c in GREETING), form.id


def test_probes_use_held_out_forms_only(tmp_path) -> None:
    root = write_eval_set(tmp_path)
    pool = ProbePool.from_rows(load_eval_set(root / "evaluation_set" / "evaluate_data.json"))
    cases = build_probe_cases(pool, "injection,repetition,meta_text", 30, ProbeSettings(seed=0))
    held_out = {f.id for f in attack_forms("heldout")}
    train = {f.id for f in attack_forms("train")}
    used = set()
    for case in cases:
        form = case.details["form"]
        used.add(form if case.probe != "injection" else f"injection/{form}")
    assert used and used <= held_out and not used & train
    assert {c.probe for c in cases} == {"injection", "repetition", "meta_text"}
    for case in build_probe_cases(pool, "length_pad,length_inflate", 10, ProbeSettings(seed=0)):
        assert set(case.details["added"]) <= {t for f in attack_forms("heldout") for t in f.added}
