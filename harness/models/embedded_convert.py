"""Converting a verified GGUF into a bf16 safetensors folder with transformers + ``gguf`` (model, tokenizer, Qwen chat
template, marker file written last).
"""

from __future__ import annotations

import importlib.metadata
import json
import time
from pathlib import Path

from harness.models.embedded_specs import (
    DEFAULT_SPEC,
    ENDOFTEXT,
    IM_END,
    IM_START,
    EmbeddedModelError,
    EmbeddedSpec,
    _say,
)

MARKER_FILENAME = "greetbench-embedded.json"
CONVERSION_RECIPE = 1
"""Bump when the conversion changes; folders converted by an older recipe are rebuilt."""
CONVERTED_DTYPE = "bfloat16"


SAVED_FILE_MODE = 0o644
"""safetensors writes 0600; the cache folder is meant to be shared read-only."""


def _library_versions(spec: EmbeddedSpec) -> dict[str, str]:
    """Versions of the libraries (and chunk packages) that shape the converted folder, for the marker."""
    versions = {}
    for name in ("torch", "transformers", "gguf", "safetensors", "tokenizers", *spec.chunk_distributions):
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _gguf_chat_template(gguf_path: Path) -> str | None:
    """Read ``tokenizer.chat_template`` straight from the GGUF metadata, or ``None`` if absent."""
    from gguf import GGUFReader

    field = GGUFReader(gguf_path).fields.get("tokenizer.chat_template")
    if field is None or not field.data:
        return None
    return bytes(field.parts[field.data[0]]).decode("utf-8")


def check_chat_template(folder: Path) -> str:
    """Load the tokenizer saved in ``folder`` and check that it renders the Qwen (ChatML) chat template.

    Args:
        folder: A saved tokenizer folder.

    Returns:
        The rendered probe prompt.

    Raises:
        EmbeddedModelError: If there is no chat template or it does not render ChatML turns.
    """
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder)
    if not tokenizer.chat_template:
        raise EmbeddedModelError(f"The tokenizer saved in {folder} has no chat template")
    rendered = tokenizer.apply_chat_template(
        [{"role": "user", "content": "你好"}], tokenize=False, add_generation_prompt=True
    )
    expected = f"{IM_START}user\n你好{IM_END}\n{IM_START}assistant\n"
    if not isinstance(rendered, str) or expected not in rendered:
        raise EmbeddedModelError(
            f"The tokenizer saved in {folder} does not render the Qwen chat template; got {rendered!r}"
        )
    return rendered


def convert_gguf(gguf_path: Path, out_dir: Path, *, spec: EmbeddedSpec = DEFAULT_SPEC, progress: bool = False) -> Path:
    """Convert the GGUF into a bf16 safetensors folder (model, tokenizer, chat template, marker last).

    The dequantized model drops its GGUF quantizer and ``quantization_config`` so that ``save_pretrained``
    writes plain bf16 weights that load without ``gguf``. The chat template is taken from the GGUF metadata
    when transformers does not carry it over. As in the GGUF metadata and upstream, the tokenizer's eos is
    ``<|im_end|>`` and pad ``<|endoftext|>``; generation stops at either.

    Args:
        gguf_path: A verified GGUF file.
        out_dir: Folder to create; must not exist yet.
        spec: The model the GGUF is, recorded in the marker.
        progress: Print stderr progress lines.

    Returns:
        ``out_dir``.

    Raises:
        EmbeddedModelError: If the saved tokenizer does not render the Qwen chat template.
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    _say(progress, spec, f"converting GGUF to bf16 safetensors ({spec.conversion_note})")
    started = time.monotonic()
    folder, name = str(gguf_path.parent), gguf_path.name
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.bfloat16)
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    if not tokenizer.chat_template:
        tokenizer.chat_template = _gguf_chat_template(gguf_path)
    # The GGUF's eos is <|im_end|> (as upstream's tokenizer_config); transformers' GGUF reader keeps
    # <|endoftext|>, which would end SFT targets and Inspect's padding with the wrong token.
    tokenizer.eos_token = IM_END
    tokenizer.pad_token = ENDOFTEXT
    stop_ids = [tokenizer.convert_tokens_to_ids(token) for token in (IM_END, ENDOFTEXT)]
    model.generation_config.eos_token_id = [i for i in stop_ids if isinstance(i, int) and i >= 0]
    out_dir.mkdir(parents=True)
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    del model
    check_chat_template(out_dir)
    for path in out_dir.iterdir():
        path.chmod(SAVED_FILE_MODE)
    marker = {
        "model": spec.name,
        "upstream": spec.upstream,
        "license": spec.license,
        "gguf_file": spec.gguf_filename,
        "gguf_size": spec.gguf_size,
        "gguf_sha256": spec.gguf_sha256,
        "dtype": CONVERTED_DTYPE,
        "recipe": CONVERSION_RECIPE,
        "versions": _library_versions(spec),
        "converted_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "conversion_seconds": round(time.monotonic() - started, 1),
    }
    (out_dir / MARKER_FILENAME).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
    return out_dir
