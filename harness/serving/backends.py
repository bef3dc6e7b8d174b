"""The command lines of the two servers greetbench starts: llama.cpp's ``llama-server`` on CPU, ``vllm serve`` on GPU.

Both speak OpenAI's chat completions with logprobs, so one client path (Inspect's ``openai-api`` provider) reaches
either. Neither command line ever holds an API key: the key goes to the child's environment (``LLAMA_API_KEY``,
``VLLM_API_KEY``), where ``ps`` and the logs cannot show it.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from typing import Literal

Backend = Literal["llama.cpp", "vllm"]
BACKENDS: tuple[Backend, ...] = ("llama.cpp", "vllm")

KEY_ENV: dict[Backend, str] = {"llama.cpp": "LLAMA_API_KEY", "vllm": "VLLM_API_KEY"}
"""The environment variable through which each server takes its API key."""

DEFAULT_PARALLEL: dict[Backend, int] = {"llama.cpp": 4, "vllm": 64}
"""Requests decoded at once: llama.cpp's slots (2 CPU cores gain little past 4), vLLM's ``--max-num-seqs``."""

CONTEXT_PER_REQUEST = 2048
"""Tokens of context each request may use: a judge prompt (~300 tokens) with its reason, or a policy prompt and a
256-token greeting, with room to spare."""


def llama_server_command(
    binary: Path, gguf: Path, *, host: str, port: int, model_id: str, parallel: int, threads: int | None = None
) -> list[str]:
    """``llama-server`` serving ``gguf`` as ``model_id``.

    - ``--poll 0``: idle threads sleep instead of busy-polling (an idle server held half a core without it);
    - ``--parallel`` slots, each with its own prompt cache: a judge's constant system turn and rules are processed
      once per slot, then only what follows them (requests go to the slot whose cached prompt shares most);
    - ``--ctx-size`` is per slot times slots, as llama.cpp splits it;
    - ``--no-webui``: the bundled web page is not served;
    - ``--threads``/``--threads-batch``: llama.cpp's own default (the physical cores) unless given.
    """
    command = [
        str(binary), "--model", str(gguf), "--alias", model_id, "--host", host, "--port", str(port),
        "--parallel", str(parallel), "--ctx-size", str(CONTEXT_PER_REQUEST * parallel), "--poll", "0", "--no-webui",
    ]  # fmt: skip
    if threads:
        command += ["--threads", str(threads), "--threads-batch", str(threads)]
    return command


def vllm_command(checkpoint: str, *, host: str, port: int, model_id: str, parallel: int) -> list[str]:
    """``vllm serve`` on a checkpoint folder (a GRPO or SFT output) or a model name.

    - ``--generation-config vllm``: the checkpoint's own sampling defaults never override what a request asks
      (a judge asks for temperature 0);
    - ``--max-logprobs 20``: P(good) reads 20 alternatives at the verdict token;
    - ``--enable-prefix-caching``: the judge's shared system turn and rules are computed once;
    - ``--max-model-len``: the context a request needs, not the model's 32k, so more sequences fit;
    - ``--max-num-seqs``: how many requests decode at once.
    """
    return [
        "vllm", "serve", checkpoint, "--served-model-name", model_id, "--host", host, "--port", str(port),
        "--max-model-len", str(CONTEXT_PER_REQUEST), "--max-num-seqs", str(parallel), "--max-logprobs", "20",
        "--enable-prefix-caching", "--generation-config", "vllm", "--gpu-memory-utilization", "0.85",
    ]  # fmt: skip


def gpu_available() -> bool:
    """Whether an NVIDIA GPU is visible (its device node), without importing torch."""
    return Path("/dev/nvidia0").exists() or shutil.which("nvidia-smi") is not None and Path("/dev/nvidiactl").exists()


def vllm_installed() -> bool:
    """Whether vLLM is importable here (found, not imported)."""
    return importlib.util.find_spec("vllm") is not None and shutil.which("vllm") is not None


def default_backend(source: str) -> Backend:
    """vLLM for a checkpoint when a GPU and vLLM are here; llama.cpp otherwise (and always for a GGUF file)."""
    if source.endswith(".gguf") or not (gpu_available() and vllm_installed()):
        return "llama.cpp"
    return "vllm"
