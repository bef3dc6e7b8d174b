"""The embedded provider's batcher on a tiny random model: batched rows equal lone rows, each row reports its own
tokens and stop reason, logprobs are the model's own, and a failing row never fails its neighbours."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from harness.models.batching import BatchedGenerator, Generated, Settings

PROMPTS = ("祝妈妈生日快乐", "新年快乐，万事如意，阖家幸福，身体健康", "恭喜")
SIMILAR = ("新年快乐，万事如意，阖家幸福", "新年快乐，万事如意，身体健康", "新年快乐，心想事成，步步高升")
"""Prompts of about one length: the batcher runs them as one batch (it splits rows whose padding would cost)."""


@pytest.fixture(scope="module")
def generator(tiny_policy_dir: Path) -> BatchedGenerator:
    model = AutoModelForCausalLM.from_pretrained(tiny_policy_dir, dtype=torch.float32)
    return BatchedGenerator(model, AutoTokenizer.from_pretrained(tiny_policy_dir))


def _run(generator: BatchedGenerator, prompts: tuple[str, ...], settings: Settings) -> list[Generated]:
    async def run() -> list[Generated]:
        return await asyncio.gather(*(generator.generate(p, settings) for p in prompts))

    return asyncio.run(run())


def test_batched_rows_equal_lone_rows(generator: BatchedGenerator) -> None:
    settings = Settings(max_new_tokens=12)
    together = _run(generator, SIMILAR, settings)
    alone = [_run(generator, (p,), settings)[0] for p in SIMILAR]
    assert [g.batch_size for g in together] == [len(SIMILAR)] * len(SIMILAR)
    assert [g.text for g in together] == [g.text for g in alone]
    assert [g.output_tokens for g in together] == [g.output_tokens for g in alone]


def test_seeded_sampled_rows_run_alone_and_seeded_greedy_rows_batch(generator: BatchedGenerator) -> None:
    sampled = Settings(max_new_tokens=4, greedy=False, temperature=1.0, seed=42)
    assert [g.batch_size for g in _run(generator, SIMILAR, sampled)] == [1] * len(SIMILAR)
    assert [g.text for g in _run(generator, SIMILAR, sampled)] == [g.text for g in _run(generator, SIMILAR, sampled)]
    greedy = Settings(max_new_tokens=4, seed=42)  # a run's seed reaches its greedy judges too
    assert [g.batch_size for g in _run(generator, SIMILAR, greedy)] == [len(SIMILAR)] * len(SIMILAR)


def test_each_row_reports_its_own_length_and_stop_reason(generator: BatchedGenerator) -> None:
    for row in _run(generator, PROMPTS, Settings(max_new_tokens=12, top_logprobs=3)):
        assert row.logprobs is not None
        if row.stop_reason == "stop":
            assert row.output_tokens == len(row.logprobs) + 1  # the stop token counts, but carries no content
        else:
            assert row.stop_reason == "max_tokens" and row.output_tokens == len(row.logprobs) == 12


def test_input_tokens_exclude_padding(generator: BatchedGenerator) -> None:
    rows = _run(generator, PROMPTS, Settings(max_new_tokens=1))
    assert [r.input_tokens for r in rows] == [len(generator.tokenizer(p)["input_ids"]) for p in PROMPTS]


def test_logprobs_are_the_models_own(generator: BatchedGenerator) -> None:
    prompt = PROMPTS[1]
    row = _run(generator, (prompt,), Settings(max_new_tokens=1, top_logprobs=5))[0]
    ids = torch.tensor([generator.tokenizer(prompt)["input_ids"]])
    with torch.inference_mode():
        logp = torch.log_softmax(generator.model(ids).logits[0, -1].float(), dim=-1)
    values, indices = logp.topk(5)
    assert row.logprobs is not None and len(row.logprobs) == 1
    step = row.logprobs[0]
    assert step.logprob == pytest.approx(float(values[0]), abs=1e-5)  # greedy: the top token was generated
    assert [v for _, v in step.top] == pytest.approx([float(v) for v in values], abs=1e-5)
    assert [t for t, _ in step.top] == [generator._bytes(int(i)) for i in indices]


def test_sampled_tokens_get_their_own_logprob(generator: BatchedGenerator) -> None:
    settings = Settings(max_new_tokens=6, greedy=False, temperature=1.0, top_logprobs=2, seed=3)
    row = _run(generator, (PROMPTS[0],), settings)[0]
    assert row.logprobs is not None
    for step in row.logprobs:
        assert step.logprob <= step.top[0][1] + 1e-6


def test_a_failing_row_is_retried_alone_and_fails_alone(
    generator: BatchedGenerator, monkeypatch: pytest.MonkeyPatch
) -> None:
    poison = "毒"
    run = generator._run

    def failing(batch: list) -> list[Generated]:
        if any(generator.tokenizer.decode(r.ids) == poison for r in batch):
            raise RuntimeError("boom")
        return run(batch)

    monkeypatch.setattr(generator, "_run", failing)

    async def gather() -> list:
        calls = [generator.generate(p, Settings(max_new_tokens=2)) for p in (*PROMPTS, poison)]
        return await asyncio.gather(*calls, return_exceptions=True)

    results = asyncio.run(gather())
    assert all(isinstance(r, Generated) for r in results[:-1])
    assert isinstance(results[-1], RuntimeError)


SHARED = (
    "你是一名严格的中文祝福语评审。请依据下列准则判断这条祝福语是否是一条好的祝福语。准则：紧扣请求，情感真挚，得体。"
)


@pytest.fixture(scope="module")
def uncached(tiny_policy_dir: Path) -> BatchedGenerator:
    model = AutoModelForCausalLM.from_pretrained(tiny_policy_dir, dtype=torch.float32)
    return BatchedGenerator(model, AutoTokenizer.from_pretrained(tiny_policy_dir), prefix_cache=False)


def test_prefix_cache_gives_the_same_rows(generator: BatchedGenerator, uncached: BatchedGenerator) -> None:
    prompts = tuple(SHARED + p for p in PROMPTS)
    assert len(generator.tokenizer(SHARED)["input_ids"]) >= 32  # long enough to be cached
    settings = Settings(max_new_tokens=8, top_logprobs=3)
    expected = _run(uncached, prompts, settings)
    for _ in range(2):  # the second batch reuses the first one's prefix
        got = _run(generator, prompts, settings)
        assert generator._prefix is not None and len(generator._prefix[0]) >= 32
        assert [g.text for g in got] == [e.text for e in expected]
        assert [g.input_tokens for g in got] == [e.input_tokens for e in expected]
        for g, e in zip(got, expected, strict=True):
            assert [s.logprob for s in g.logprobs] == pytest.approx([s.logprob for s in e.logprobs], abs=1e-4)
    for prompt, e in zip(prompts, expected, strict=True):  # single calls, one after another
        assert _run(generator, (prompt,), settings)[0].text == e.text


def test_greedy_rows_equal_transformers_generate(generator: BatchedGenerator) -> None:
    """The batcher's own decode loop (finished rows leave the batch) writes what ``generate`` writes."""
    tokenizer, model = generator.tokenizer, generator.model
    rows = _run(generator, PROMPTS, Settings(max_new_tokens=10))
    for prompt, row in zip(PROMPTS, rows, strict=True):
        ids = torch.tensor([tokenizer(prompt)["input_ids"]])
        with torch.inference_mode():
            out = model.generate(input_ids=ids, max_new_tokens=10, do_sample=False, pad_token_id=tokenizer.pad_token_id)
        new = out[0, ids.shape[1] :].tolist()
        stop = next((i for i, t in enumerate(new) if t in generator.stop_ids), None)
        expected = new if stop is None else new[: stop + 1]
        assert row.output_tokens == len(expected)
        content = expected[:-1] if stop is not None else expected
        assert row.text == tokenizer.decode(content, skip_special_tokens=True, clean_up_tokenization_spaces=False)


def test_top_p_and_top_k_sampling_stay_inside_the_allowed_tokens(generator: BatchedGenerator) -> None:
    logits = torch.tensor([[5.0, 4.0, 0.0, -1.0, -2.0]] * 200)
    picked = generator._sample(logits, Settings(max_new_tokens=1, greedy=False, temperature=1.0, top_k=2))
    assert set(picked.tolist()) <= {0, 1} and set(picked.tolist()) == {0, 1}
    picked = generator._sample(logits, Settings(max_new_tokens=1, greedy=False, temperature=1.0, top_p=0.5))
    assert set(picked.tolist()) == {0}


def test_batches_group_similar_lengths_and_bound_padding() -> None:
    from harness.models.batching import MAX_PADDING_SHARE, _Request, low_padding_batch

    shared = list(range(100, 140))
    lengths = [3, 40, 4, 5, 41, 6, 42]
    requests = [_Request(shared + [200 + k] * n, Settings(max_new_tokens=1), None) for k, n in enumerate(lengths)]  # type: ignore[arg-type]
    first = low_padding_batch(requests, limit=32)
    assert sorted(len(r.ids) - len(shared) for r in first) == [3, 4, 5, 6]  # the 40s wait for a batch of their own
    own = [len(r.ids) - len(shared) for r in first]
    assert 1 - sum(own) / (len(own) * max(own)) <= MAX_PADDING_SHARE
    rest = [r for r in requests if r not in first]
    assert sorted(len(r.ids) - len(shared) for r in low_padding_batch(rest, limit=32)) == [40, 41, 42]
    assert len(low_padding_batch(requests, limit=2)) == 2
    assert len(low_padding_batch(requests[1:2], limit=32)) == 1
