"""Models greetbench ships: the embedded models (the default Qwen2.5-Coder-0.5B-Instruct and the optional
Qwen2.5-Coder-1.5B-Instruct judge) and their Inspect provider, and tiny random models for tests and CPU smoke runs."""

from harness.models.embedded import (
    DEFAULT_SPEC,
    GGUF_SHA256,
    GGUF_SIZE,
    MODEL_DIR_ENV,
    QWEN_CODER_0_5B,
    QWEN_CODER_1_5B,
    SPECS,
    EmbeddedModelError,
    EmbeddedSpec,
    assemble_gguf,
    converted_model_dir,
    embedded_gguf,
    ensure_embedded_model,
    locate_chunks,
)
from harness.models.local_info import register_local_model_info
from harness.models.provider import (
    EMBEDDED_JUDGE_MODEL,
    EMBEDDED_MODEL,
    EMBEDDED_MODELS,
    check_model_name,
    embedded_model_id,
    make_model,
    model_for,
    resolve_model_name,
)
from harness.models.tiny import build_tiny_qwen2, build_tiny_tokenizer

__all__ = [
    "register_local_model_info",
    "DEFAULT_SPEC",
    "EMBEDDED_JUDGE_MODEL",
    "EMBEDDED_MODEL",
    "EMBEDDED_MODELS",
    "GGUF_SHA256",
    "GGUF_SIZE",
    "MODEL_DIR_ENV",
    "QWEN_CODER_0_5B",
    "QWEN_CODER_1_5B",
    "SPECS",
    "EmbeddedModelError",
    "EmbeddedSpec",
    "assemble_gguf",
    "build_tiny_qwen2",
    "build_tiny_tokenizer",
    "check_model_name",
    "converted_model_dir",
    "embedded_gguf",
    "embedded_model_id",
    "ensure_embedded_model",
    "locate_chunks",
    "make_model",
    "model_for",
    "resolve_model_name",
]
