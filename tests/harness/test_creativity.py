"""Creativity and form measures: hand-computed values, the fast self-BLEU against a slow reference, and the
scorer inside an Inspect eval."""

from __future__ import annotations

import json
import math
import random
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from inspect_ai import Task
from inspect_ai import eval as inspect_eval
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.log import read_eval_log
from inspect_ai.model import ChatMessage, ModelOutput, get_model
from inspect_ai.scorer import SampleScore, Score
from inspect_ai.solver import generate
from mocks import mock_output

from harness.creativity import (
    CREATIVITY_FIGURES,
    NoveltyIndex,
    char_ngrams,
    cliche_count,
    cliche_rate,
    corpus_creativity,
    creativity,
    distinct_n,
    load_cliches,
    mean_novelty,
    segments,
    self_bleu,
)
from harness.data import DATA_DIR_ENV, DataError, DataFiles, load_preference_pairs
from harness.paths import CACHE_ENV

# ---------------------------------------------------------------------------------------------------------------
# characters and distinct-n


def test_segments_split_at_punctuation_whitespace_and_symbols() -> None:
    assert segments("  祝你快乐，Happy 2025！🎉生日_快乐\n") == ["祝你快乐", "happy", "2025", "生日", "快乐"]
    assert segments("，。！ 🎉") == []
    assert char_ngrams("快乐，幸福", 2) == ["快乐", "幸福"]  # no 乐幸 across the comma


def test_distinct_n_by_hand() -> None:
    texts = ["祝你快乐", "快乐，快乐"]
    # unigrams: 祝你快乐 + 快乐快乐 = 8, distinct 祝你快乐 = 4
    assert distinct_n(texts, 1) == 4 / 8
    # bigrams: 祝你 你快 快乐 + 快乐 快乐 = 5, distinct 3
    assert distinct_n(texts, 2) == 3 / 5
    assert distinct_n(texts, 3) == 1.0  # 祝你快 你快乐
    assert distinct_n(["Happy happy"], 1) == 4 / 10  # lower-cased: h a p y


def test_distinct_n_empty_cases() -> None:
    assert math.isnan(distinct_n([], 1))
    assert math.isnan(distinct_n(["", "！！", "  "], 1))
    assert math.isnan(distinct_n(["祝你快乐"], 5))
    with pytest.raises(ValueError):
        distinct_n(["祝你快乐"], 0)


# ---------------------------------------------------------------------------------------------------------------
# self-BLEU


def slow_self_bleu(texts: list[str], max_n: int = 4) -> list[float]:
    """Per-hypothesis BLEU, straight from the definition: every reference compared one by one."""
    usable = [t for t in texts if char_ngrams(t, 1)]
    if len(usable) < 2:
        return []
    result = []
    for i, hyp in enumerate(usable):
        refs = [t for j, t in enumerate(usable) if j != i]
        c = len(char_ngrams(hyp, 1))
        r = min((len(char_ngrams(ref, 1)) for ref in refs), key=lambda length: (abs(length - c), length))
        log_sum = 0.0
        for n in range(1, max_n + 1):
            hyp_counts = Counter(char_ngrams(hyp, n))
            ref_max: Counter[str] = Counter()
            for ref in refs:
                ref_max |= Counter(char_ngrams(ref, n))  # | keeps the maximum count
            clipped = sum(min(count, ref_max[gram]) for gram, count in hyp_counts.items())
            total = sum(hyp_counts.values())
            if n == 1:
                log_sum = -math.inf if clipped == 0 else math.log(clipped / total)
            else:
                log_sum += math.log((clipped + 1) / (total + 1))
        penalty = 1.0 if c > r else math.exp(1 - r / c)
        result.append(0.0 if log_sum == -math.inf else penalty * math.exp(log_sum / max_n))
    return result


def _random_corpus(seed: int, size: int = 50) -> list[str]:
    rng = random.Random(seed)
    alphabet = "祝你快乐生日平安，！ "
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14))) for _ in range(size)]


def test_self_bleu_two_texts_by_hand() -> None:
    # 甲乙丙丁 vs 甲乙丙戊: p1 = 3/4, p2 = (2+1)/(3+1), p3 = (1+1)/(2+1), p4 = (0+1)/(1+1), equal lengths (BP 1).
    assert self_bleu(["甲乙丙丁", "甲乙丙戊"]) == pytest.approx((3 / 4 * 3 / 4 * 2 / 3 * 1 / 2) ** 0.25)
    # 甲乙 vs 甲乙丙丁: the short one has every precision 1 but BP exp(1 - 4/2); the long one
    # p = 2/4, (1+1)/(3+1), (0+1)/(2+1), (0+1)/(1+1) and BP 1.
    short = math.exp(1 - 4 / 2)
    long = (1 / 2 * 1 / 2 * 1 / 3 * 1 / 2) ** 0.25
    assert self_bleu(["甲乙", "甲乙丙丁"]) == pytest.approx((short + long) / 2)
    assert self_bleu(["甲乙", "丙丁"]) == 0.0  # no shared character
    assert self_bleu(["祝你快乐", "祝你快乐"]) == pytest.approx(1.0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_self_bleu_fast_equals_slow_on_random_corpora(seed: int) -> None:
    texts = _random_corpus(seed)
    slow = slow_self_bleu(texts)
    assert self_bleu(texts) == pytest.approx(sum(slow) / len(slow), abs=1e-12)
    assert self_bleu(texts, max_n=2) == pytest.approx(sum(b := slow_self_bleu(texts, 2)) / len(b), abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="甲乙丙丁，a ", max_size=8), min_size=2, max_size=12))
def test_self_bleu_fast_equals_slow_property(texts: list[str]) -> None:
    slow = slow_self_bleu(texts)
    if len(slow) < 2:
        assert math.isnan(self_bleu(texts))
    else:
        assert self_bleu(texts) == pytest.approx(sum(slow) / len(slow), abs=1e-12)


def test_self_bleu_sample_scores_drawn_hypotheses_against_all_others() -> None:
    texts = [t for t in _random_corpus(5) if char_ngrams(t, 1)]
    slow = slow_self_bleu(texts)
    drawn = random.Random(3).sample(range(len(texts)), 10)
    assert self_bleu(texts, sample=10, seed=3) == pytest.approx(sum(slow[i] for i in drawn) / 10, abs=1e-12)
    assert self_bleu(texts, sample=len(texts) + 5) == self_bleu(texts)


def test_self_bleu_edge_cases() -> None:
    assert math.isnan(self_bleu([]))
    assert math.isnan(self_bleu(["祝你快乐"]))
    assert math.isnan(self_bleu(["祝你快乐", "", "！！"]))  # only one usable text
    assert self_bleu(["祝你快乐", "", "祝你快乐"]) == pytest.approx(1.0)  # the empty text takes no part


# ---------------------------------------------------------------------------------------------------------------
# novelty


def test_novelty_by_hand() -> None:
    index = NoveltyIndex(["祝你生日快乐", "新年快乐，万事如意"])
    assert index.grams == {"祝你生日", "你生日快", "生日快乐", "新年快乐", "万事如意"}
    assert len(index) == 5
    assert index.novelty("生日快乐") == 0.0
    assert index.novelty("祝你新年快乐") == pytest.approx(2 / 3)  # 祝你新年, 你新年快 new; 新年快乐 seen
    assert index.novelty("生日快乐！万事如意") == 0.0  # no 4-gram across the exclamation mark
    assert index.novelty("愿岁月温柔") == 1.0
    assert math.isnan(index.novelty("快乐"))
    assert math.isnan(index.novelty("生日，快乐"))  # no run of 4 counted characters
    assert math.isnan(index.novelty(""))


def _write_training_dir(root: Path) -> Path:
    files = DataFiles(root)
    files.sft.parent.mkdir(parents=True)
    files.rm_train.parent.mkdir(parents=True)
    files.sft.write_text(
        json.dumps([{"instruction": "升职祝福", "input": "", "output": "愿您笑口常开，前程似锦"}], ensure_ascii=False),
        encoding="utf-8",
    )
    pair = {
        "conversations": [{"from": "human", "value": "妈妈生日祝福"}],
        "chosen": {"from": "gpt", "value": "妈妈，愿您平安喜乐每一天"},
        "rejected": {"from": "gpt", "value": "祝你生日快乐"},
    }
    files.rm_train.write_text(json.dumps([pair], ensure_ascii=False), encoding="utf-8")
    return root


def test_novelty_index_from_a_data_dir(tmp_path: Path) -> None:
    index = NoveltyIndex.from_data_dir(_write_training_dir(tmp_path))
    assert index.novelty("前程似锦") == 0.0  # SFT output
    assert index.novelty("平安喜乐每一天") == 0.0  # RM chosen
    assert index.novelty("祝你生日快乐") == 0.0  # RM rejected
    assert index.novelty("愿岁月温柔") == 1.0


def test_novelty_index_without_data_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    with pytest.raises(DataError):
        NoveltyIndex.from_data_dir()


def test_novelty_index_from_shared_data(shared_data_dir: Path) -> None:
    index = NoveltyIndex.from_data_dir(shared_data_dir)
    assert len(index) > 50_000
    pair = load_preference_pairs(DataFiles(shared_data_dir).rm_train)[0]
    novelty = index.novelty(pair.chosen)
    assert novelty == 0.0 or math.isnan(novelty)  # a training response is not novel
    assert index.novelty("甲乙丙丁戊己庚辛") == 1.0


# ---------------------------------------------------------------------------------------------------------------
# clichés


def test_bundled_cliches() -> None:
    phrases = load_cliches()
    assert len(phrases) >= 40
    assert len(set(phrases)) == len(phrases)
    assert {"万事如意", "心想事成", "身体健康", "寿比南山", "平安喜乐"} <= set(phrases)
    assert all(p and "#" not in p and p == p.strip() for p in phrases)
    assert "生日快乐" not in phrases  # naming the occasion is not a cliché


def test_load_cliches_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "list.txt"
    path.write_text("# stock phrases\n万事如意  # the classic\n\n心想事成\n万事如意\n", encoding="utf-8")
    assert load_cliches(path) == ("万事如意", "心想事成")


def test_cliche_count() -> None:
    assert cliche_count("万事如意，心想事成！") == 2
    assert cliche_count("愿你的每一天都闪闪发光") == 0
    assert cliche_count("") == 0
    assert cliche_count("万事如意万事如意") == 2  # repeats count
    assert cliche_count("祝您身体健康、工作顺利、阖家欢乐、万事如意！") == 4
    # overlapping phrases: non-overlapping occurrences, leftmost first
    assert cliche_count("身体健康长寿", ["身体健康", "健康长寿"]) == 1
    assert cliche_count("身体健康，健康长寿", ["身体健康", "健康长寿"]) == 2
    # at one position the longest phrase wins
    assert cliche_count("平安喜乐", ["平安", "喜乐", "平安喜乐"]) == 1
    assert cliche_count("万事如意", []) == 0


def test_cliche_rate() -> None:
    assert cliche_rate(["万事如意", "你好", "", "心想事成万事如意"]) == 2 / 4
    assert math.isnan(cliche_rate([]))


# ---------------------------------------------------------------------------------------------------------------
# corpus figures


TEXTS = ["亲爱的奶奶，愿您笑口常开，身体健康！", "万事如意，心想事成。", "好", "愿岁月温柔以待你"]


def test_corpus_creativity_by_parts() -> None:
    index = NoveltyIndex(["愿您笑口常开", "万事如意"])
    figures = corpus_creativity(TEXTS, index)
    assert list(figures) == list(CREATIVITY_FIGURES)
    assert figures["mean_length"] == pytest.approx((18 + 10 + 1 + 8) / 4)
    assert figures["mean_cliches"] == pytest.approx((2 + 2 + 0 + 0) / 4)
    assert figures["cliche_rate"] == 0.5
    novelties = [index.novelty(t) for t in TEXTS]
    assert math.isnan(novelties[2])
    assert figures["mean_novelty"] == pytest.approx((novelties[0] + novelties[1] + novelties[3]) / 3)
    assert figures["distinct_1"] == distinct_n(TEXTS, 1)
    assert figures["distinct_2"] == distinct_n(TEXTS, 2)
    assert figures["self_bleu"] == self_bleu(TEXTS)
    assert "mean_novelty" not in corpus_creativity(TEXTS)


def test_corpus_creativity_empty() -> None:
    figures = corpus_creativity([], NoveltyIndex([]))
    assert set(figures) == set(CREATIVITY_FIGURES)
    assert all(math.isnan(v) for v in figures.values())


def test_mean_novelty_metric_skips_missing() -> None:
    def scores(*values: dict) -> list[SampleScore]:
        return [SampleScore(score=Score(value=v, answer="x"), sample_id=i) for i, v in enumerate(values)]

    assert mean_novelty()(scores({"novelty": 0.5}, {"novelty": math.nan}, {"novelty": 1.0})) == {"mean_novelty": 0.75}
    assert mean_novelty()(scores({"length": 1}, {"length": 2})) == {"mean_novelty": None}
    assert mean_novelty()([]) == {"mean_novelty": None}


# ---------------------------------------------------------------------------------------------------------------
# the scorer in an eval


RESPONSES = {"奶奶": TEXTS[0], "同事": TEXTS[1], "朋友": TEXTS[2], "自己": TEXTS[3]}


def policy(messages: list[ChatMessage], *_: object) -> ModelOutput:
    text = messages[-1].text
    return mock_output(next(response for key, response in RESPONSES.items() if key in text))


def _eval(tmp_path: Path, data_dir: Path | None, epochs: int = 1):
    samples = [Sample(id=key, input=f"请只生成一条祝福语：给{key}的祝福") for key in RESPONSES]
    task = Task(
        dataset=MemoryDataset(samples), solver=generate(), scorer=creativity(str(data_dir) if data_dir else None)
    )
    task.epochs = epochs
    [log] = inspect_eval(
        task,
        model=get_model("mockllm/policy", custom_outputs=policy),
        display="none",
        log_dir=str(tmp_path / "logs"),
    )
    assert log.status == "success", log.error
    return read_eval_log(log.location)  # what a reader of the log file sees


def test_scorer_in_an_eval(tmp_path: Path) -> None:
    data_dir = _write_training_dir(tmp_path / "data")
    log = _eval(tmp_path, data_dir)
    [result] = log.results.scores  # one entry, one column per figure
    assert result.name == "creativity"
    expected = corpus_creativity(list(RESPONSES.values()), NoveltyIndex.from_data_dir(data_dir))
    assert list(result.metrics) == list(CREATIVITY_FIGURES)
    for name, value in expected.items():
        assert result.metrics[name].value == pytest.approx(value), name
    by_id = {s.id: s.scores["creativity"] for s in log.samples}
    assert by_id["奶奶"].answer == TEXTS[0]
    assert by_id["奶奶"].value["length"] == 18 and by_id["奶奶"].value["cliches"] == 2
    assert by_id["奶奶"].value["novelty"] == pytest.approx(3 / 6)  # 愿您笑口 您笑口常 笑口常开 are in the SFT output
    assert math.isnan(by_id["朋友"].value["novelty"])  # too short for a 4-gram: nan, not 0


def test_scorer_without_data_leaves_novelty_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    log = _eval(tmp_path, None)
    [result] = log.results.scores
    assert list(result.metrics) == [f for f in CREATIVITY_FIGURES if f != "mean_novelty"]
    assert all("novelty" not in s.scores["creativity"].value for s in log.samples)
    assert result.metrics["self_bleu"].value == pytest.approx(self_bleu(list(RESPONSES.values())))


def test_scorer_over_epochs_counts_every_output(tmp_path: Path) -> None:
    log = _eval(tmp_path, _write_training_dir(tmp_path / "data"), epochs=2)
    [result] = log.results.scores
    texts = list(RESPONSES.values()) * 2
    assert result.metrics["distinct_1"].value == pytest.approx(distinct_n(texts, 1))
    assert result.metrics["self_bleu"].value == pytest.approx(self_bleu(texts))
    assert result.metrics["mean_length"].value == pytest.approx((18 + 10 + 1 + 8) / 4)


def test_repeated_ngram_rate_within_one_text() -> None:
    from harness.creativity import repeated_ngram_rate

    assert repeated_ngram_rate("祝你生日快乐，万事如意") == 0.0
    assert repeated_ngram_rate("祝你生日快乐祝你生日快乐") == pytest.approx(4 / 10)
    assert repeated_ngram_rate("快乐快乐快乐", n=2) == pytest.approx(3 / 5)
    assert repeated_ngram_rate("好") == 0.0 and repeated_ngram_rate("") == 0.0
    with pytest.raises(ValueError, match="order"):
        repeated_ngram_rate("abc", n=0)
