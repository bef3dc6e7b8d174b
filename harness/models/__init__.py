"""Models greetbench ships: the embedded default (Qwen2.5-Coder-0.5B-Instruct) and its Inspect provider, and tiny
random models for tests and CPU smoke runs."""

from harness.models.embedded import (
    GGUF_SHA256,
    GGUF_SIZE,
    MODEL_DIR_ENV,
    EmbeddedModelError,
    assemble_gguf,
    converted_model_dir,
    ensure_embedded_model,
    locate_chunks,
)
from harness.models.provider import EMBEDDED_MODEL, resolve_model_name
from harness.models.tiny import build_tiny_qwen2, build_tiny_tokenizer

__all__ = [
    "EMBEDDED_MODEL",
    "GGUF_SHA256",
    "GGUF_SIZE",
    "MODEL_DIR_ENV",
    "EmbeddedModelError",
    "assemble_gguf",
    "build_tiny_qwen2",
    "build_tiny_tokenizer",
    "converted_model_dir",
    "ensure_embedded_model",
    "locate_chunks",
    "resolve_model_name",
]
