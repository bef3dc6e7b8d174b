"""Retrieval: exact cosine top-k by query similarity, the exact-query exclusion, the disk cache, the encoders."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from harness.data import DATA_DIR_ENV, DataFiles, PreferencePair
from harness.paths import CACHE_ENV
from harness.retrieval import (
    CorpusUnavailableError,
    Retriever,
    SentenceTransformerEncoder,
    UseEncoder,
    default_corpus,
    embeddings_key,
    make_encoder,
    same_text,
)


class TableEncoder:
    """A deterministic fake: each known text has a hand-set vector; every call is recorded."""

    def __init__(self, table: dict[str, list[float]], name: str = "table") -> None:
        self.table = table
        self.name = name
        self.calls: list[list[str]] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(list(texts))
        vectors = np.array([self.table[t.strip()] for t in texts], dtype=np.float32).reshape(len(texts), -1)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


TABLE = {
    "妈妈生日祝福": [1.0, 0.0, 0.0],
    "朋友生日祝福": [0.9, 0.3, 0.0],
    "新年祝福": [0.2, 1.0, 0.0],
    "考试顺利": [0.0, 0.1, 1.0],
    "同事生日祝福": [1.0, 0.1, 0.0],
}
PAIRS = [
    PreferencePair("妈妈生日祝福", "妈妈，愿您岁岁安康，笑口常开！", "生日快乐", 0),
    PreferencePair("朋友生日祝福", "老友，新的一岁继续发光，生日快乐！", "快乐", 1),
    PreferencePair("新年祝福", "新春大吉，愿你新的一年所愿皆所得！", "新年好", 2),
    PreferencePair("考试顺利", "沉着应考，金榜题名！", "加油", 3),
]


@pytest.fixture(autouse=True)
def _fresh_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv(CACHE_ENV, str(cache))
    return cache


def test_top_k_orders_by_query_similarity() -> None:
    retriever = Retriever.from_pairs(PAIRS, TableEncoder(TABLE))
    top = retriever.top_k("同事生日祝福", k=3)
    assert [e.query for e in top] == ["妈妈生日祝福", "朋友生日祝福", "新年祝福"]
    assert top[0].response == PAIRS[0].chosen  # the chosen side is the example, never the rejected one
    assert top[0].score > top[1].score > top[2].score
    assert top[0].score == pytest.approx(1 / np.linalg.norm([1.0, 0.1, 0.0]), abs=1e-6)


def test_top_k_many_batches_queries_and_bounds_k() -> None:
    encoder = TableEncoder(TABLE)
    retriever = Retriever.from_pairs(PAIRS, encoder)
    encoder.calls.clear()
    many = retriever.top_k_many(["同事生日祝福", "考试顺利"], k=1)
    assert [[e.query for e in hits] for hits in many] == [["妈妈生日祝福"], ["新年祝福"]]
    assert encoder.calls == [["同事生日祝福", "考试顺利"]]  # one batch
    assert len(retriever.top_k("同事生日祝福", k=10)) == len(PAIRS)
    assert retriever.top_k("同事生日祝福", k=0) == []


def test_exclude_exact_drops_the_judged_query_own_pairs() -> None:
    pairs = [*PAIRS, PreferencePair("妈妈生日祝福", "妈妈，谢谢您，生日快乐！", "快乐", 4)]
    retriever = Retriever.from_pairs(pairs, TableEncoder(TABLE))
    kept = retriever.top_k(" 妈妈生日祝福 ", k=3, exclude_exact=False)
    assert [e.query for e in kept][:2] == ["妈妈生日祝福", "妈妈生日祝福"]
    assert kept[0].score == pytest.approx(1.0)
    excluded = retriever.top_k(" 妈妈生日祝福 ", k=3)  # whitespace around the query does not defeat it
    assert [e.query for e in excluded] == ["朋友生日祝福", "新年祝福", "考试顺利"]


def test_duplicate_examples_are_dropped_and_empty_corpus_refused() -> None:
    retriever = Retriever.from_pairs([*PAIRS, PAIRS[0]], TableEncoder(TABLE))
    assert len(retriever) == len(PAIRS)
    with pytest.raises(ValueError, match="empty"):
        Retriever.from_pairs([], TableEncoder(TABLE))


def test_cache_hit_skips_encoding_the_corpus(_fresh_cache: Path) -> None:
    first = TableEncoder(TABLE)
    Retriever.from_pairs(PAIRS, first)
    assert first.calls == [[p.prompt for p in PAIRS]]
    key = embeddings_key("table", [p.prompt for p in PAIRS])
    assert (_fresh_cache / "embeddings" / f"{key}.npy").is_file()

    second = TableEncoder(TABLE)
    retriever = Retriever.from_pairs(PAIRS, second)
    assert second.calls == []  # the corpus matrix came from disk
    assert retriever.top_k("同事生日祝福", k=1)[0].query == "妈妈生日祝福"

    other = TableEncoder(TABLE, name="another-model")  # another encoder is another key
    Retriever.from_pairs(PAIRS, other)
    assert len(other.calls) == 1
    uncached = TableEncoder(TABLE)
    Retriever.from_pairs(PAIRS, uncached, cache=False)
    assert len(uncached.calls) == 1


def test_corrupt_cache_file_is_recomputed(_fresh_cache: Path) -> None:
    key = embeddings_key("table", [p.prompt for p in PAIRS])
    path = _fresh_cache / "embeddings" / f"{key}.npy"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a numpy file")
    encoder = TableEncoder(TABLE)
    Retriever.from_pairs(PAIRS, encoder)
    assert len(encoder.calls) == 1
    assert np.load(path).shape == (len(PAIRS), 3)


def test_use_encoder_ranks_the_semantically_closest_first() -> None:
    corpus = [
        PreferencePair("给妈妈的生日祝福", "妈妈生日快乐！", "快乐", 0),
        PreferencePair("公司年会的开场致辞", "各位同事，新年好！", "好", 1),
        PreferencePair("中秋节问候朋友", "月圆人团圆，中秋快乐！", "快乐", 2),
    ]
    retriever = Retriever.from_pairs(corpus, UseEncoder(), cache=False)
    assert np.allclose(np.linalg.norm(retriever.matrix, axis=1), 1.0, atol=1e-5)
    assert retriever.matrix.dtype == np.float32 and retriever.matrix.shape == (3, 512)
    assert retriever.top_k("母亲过生日，写一句祝福", k=1)[0].query == "给妈妈的生日祝福"


def test_make_encoder_specs() -> None:
    assert isinstance(make_encoder("use"), UseEncoder)
    encoder = make_encoder("sentence-transformers:/models/bge-small-zh")
    assert isinstance(encoder, SentenceTransformerEncoder)
    assert encoder.name == "sentence-transformers:/models/bge-small-zh"
    for bad in ("bert", "sentence-transformers:"):
        with pytest.raises(ValueError, match="unknown encoder"):
            make_encoder(bad)


def _write_rm_train(root: Path, pairs: list[tuple[str, str, str]]) -> Path:
    path = DataFiles(root).rm_train
    path.parent.mkdir(parents=True)
    records = [
        {"conversations": [{"from": "human", "value": p}], "chosen": {"value": c}, "rejected": {"value": r}}
        for p, c, r in pairs
    ]
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return root


def test_default_corpus_skips_pairs_with_identical_sides(tmp_path: Path) -> None:
    root = _write_rm_train(tmp_path / "data", [("端午安康", "端午安康", "端午安康"), ("新年祝福", "新春大吉！", "好")])
    assert [p.prompt for p in default_corpus(root)] == ["新年祝福"]
    assert len(Retriever.from_data_dir(root, TableEncoder(TABLE))) == 1


def test_default_corpus_without_data_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    with pytest.raises(CorpusUnavailableError, match="retrieval=False"):
        default_corpus()


def test_real_rm_train_corpus_loads(shared_data_dir: Path) -> None:
    pairs = default_corpus(shared_data_dir)
    assert len(pairs) == 6310 - 12  # the 12 RM-train pairs with identical sides are left out
    assert all(p.chosen != p.rejected for p in pairs)


def test_the_judged_response_is_never_retrieved_under_another_query() -> None:
    own = PAIRS[1].chosen  # the judged greeting, filed in the corpus under another request
    retriever = Retriever.from_pairs(PAIRS, TableEncoder(TABLE))
    before = retriever.top_k("同事生日祝福", k=2)
    assert [e.response for e in before] == [PAIRS[0].chosen, own]  # without the response, it would be shown
    spaced = " 老友， 新的一岁\n继续发光，\u3000生日快乐！ "  # whitespace, newlines and a full-width space differ only
    after = retriever.top_k("同事生日祝福", k=2, response=spaced)
    assert [e.response for e in after] == [PAIRS[0].chosen, PAIRS[2].chosen]
    assert retriever.top_k("同事生日祝福", k=2, exclude_exact=False, response=own) == after  # independent of it
    near = retriever.top_k("同事生日祝福", k=2, response=own.replace("！", "!"))  # punctuation is a real difference
    assert [e.response for e in near] == [PAIRS[0].chosen, own]


def test_top_k_many_excludes_each_query_own_response() -> None:
    retriever = Retriever.from_pairs(PAIRS, TableEncoder(TABLE))
    hits = retriever.top_k_many(
        ["同事生日祝福", "同事生日祝福", "考试顺利"], k=1, responses=[PAIRS[0].chosen, None, PAIRS[2].chosen]
    )
    assert [[e.response for e in row] for row in hits] == [[PAIRS[1].chosen], [PAIRS[0].chosen], [PAIRS[1].chosen]]
    with pytest.raises(ValueError, match="2 responses for 3 queries"):
        retriever.top_k_many(["同事生日祝福", "考试顺利", "新年祝福"], k=1, responses=["a", "b"])


def test_same_text_ignores_only_whitespace() -> None:
    assert same_text("生日 快乐！\n", "生日快乐！")
    assert same_text("a\u3000b\t", " ab")
    assert not same_text("生日快乐！", "生日快乐!")
    assert not same_text("Happy", "happy")


def test_the_debate_scorer_hands_retrieval_the_judged_response(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from inspect_ai import Task
    from inspect_ai import eval as inspect_eval
    from inspect_ai.dataset import MemoryDataset, Sample
    from inspect_ai.model import get_model
    from mocks import mock_output

    from harness.judges.debate import debate_judge
    from harness.solvers import given_response

    own = PAIRS[1].chosen
    retriever = Retriever.from_pairs(PAIRS, TableEncoder(TABLE))
    monkeypatch.setattr(Retriever, "from_data_dir", classmethod(lambda cls, data_dir=None, encoder=None: retriever))
    sample = Sample(id=1, input="同事生日祝福", metadata={"query": "同事生日祝福", "response": own})
    judge = get_model("mockllm/judge", custom_outputs=lambda *_: mock_output('{"verdict": "good", "reason": "好"}'))
    [log] = inspect_eval(
        Task(dataset=MemoryDataset([sample]), solver=given_response(), scorer=debate_judge(k=2)),
        model="none",
        model_roles={"judge": judge},
        display="none",
        log_dir=str(tmp_path / "logs"),
    )
    assert log.status == "success", log.error
    trace = log.samples[0].scores["debate_judge"].metadata["trace"]
    shown = [example["response"] for example in trace[0]["examples"]]
    assert shown == [PAIRS[0].chosen, PAIRS[2].chosen]  # the judged greeting is not its own yardstick
