"""How a GRPO run generates its rollouts: vLLM (colocated on the training GPU, or a ``trl vllm-serve`` server),
greetbench's batched sampler (:mod:`trainers.decoder`) or Hugging Face ``generate``, chosen from the config and the
machine, and recorded in the run's metadata.

``use_vllm: true`` in the config asks for vLLM in ``vllm_mode`` (``colocate``, TRL's default, or ``server``).
vLLM needs a GPU and the ``gpu`` extra; where it cannot be imported (a CPU machine) the run falls back and says so,
in its log and in ``grpo_summary.json``. Without vLLM the rollouts are greetbench's sampler, unless the run needs
what only HF generate does (several processes, a repetition penalty, ``min_p``, other ``generation_kwargs``).
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
from dataclasses import asdict, dataclass
from typing import Any

HF_GENERATE = "hf-generate"
GREETBENCH_SAMPLER = "greetbench-sampler"
VLLM_COLOCATE = "vllm-colocate"
VLLM_SERVER = "vllm-server"


@dataclass(frozen=True)
class RolloutChoice:
    """The rollout engine of a run.

    Attributes:
        engine: :data:`GREETBENCH_SAMPLER`, :data:`HF_GENERATE`, :data:`VLLM_COLOCATE` or :data:`VLLM_SERVER`.
        requested: What the config asked for (vLLM, or no vLLM: :data:`HF_GENERATE`).
        reason: Why ``engine`` differs from ``requested`` (None when it does not).
        vllm_version: The importable vLLM's version, or None.
        settings: The config's rollout settings (``vllm_gpu_memory_utilization``, sleep mode, server address ...).
    """

    engine: str
    requested: str
    reason: str | None
    vllm_version: str | None
    settings: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return asdict(self)


def vllm_version() -> str | None:
    """The installed vLLM's version when it can be found (no import: vLLM's import is slow), else None."""
    if importlib.util.find_spec("vllm") is None:
        return None
    try:
        return importlib.metadata.version("vllm")
    except importlib.metadata.PackageNotFoundError:
        return None


SAMPLER_KWARGS = {"min_new_tokens"}
"""``generation_kwargs`` greetbench's sampler honours; any other key leaves the rollouts to HF generate."""


def sampler_unsupported(grpo_config: Any, processes: int = 1) -> str | None:
    """Why greetbench's sampler cannot make this run's rollouts (None: it can)."""
    if processes > 1:
        return "several processes: HF generate gathers sharded weights"
    if (getattr(grpo_config, "repetition_penalty", 1.0) or 1.0) != 1.0:
        return "repetition_penalty is set"
    if getattr(grpo_config, "min_p", None):
        return "min_p is set"
    extra = set(getattr(grpo_config, "generation_kwargs", None) or {}) - SAMPLER_KWARGS
    if extra:
        return f"generation_kwargs {sorted(extra)} need HF generate"
    return None


def choose_rollouts(grpo_config: Any, processes: int = 1) -> RolloutChoice:
    """Decide the rollout engine and set ``grpo_config.use_vllm`` accordingly (False when vLLM is absent).

    Args:
        grpo_config: The run's ``trl.GRPOConfig`` (changed in place when falling back).
        processes: Training processes (accelerate's ``num_processes``).

    Returns:
        The choice, for the run's metadata.
    """
    mode = getattr(grpo_config, "vllm_mode", "colocate")
    requested = (VLLM_SERVER if mode == "server" else VLLM_COLOCATE) if grpo_config.use_vllm else HF_GENERATE
    version = vllm_version()
    settings = {
        key: getattr(grpo_config, key, None)
        for key in (
            "use_vllm",
            "vllm_mode",
            "vllm_gpu_memory_utilization",
            "vllm_enable_sleep_mode",
            "vllm_tensor_parallel_size",
            "vllm_server_base_url",
            "vllm_server_host",
            "vllm_server_port",
            "max_completion_length",
            "num_generations",
            "generation_batch_size",
            "temperature",
        )
    }
    if requested != HF_GENERATE and version is not None:
        return RolloutChoice(requested, requested, None, version, settings)
    reasons = []
    if requested != HF_GENERATE:
        grpo_config.use_vllm = False
        settings = {**settings, "use_vllm": False}
        reasons.append("use_vllm is set but vllm cannot be imported here (install the gpu extra on a GPU machine)")
    unsupported = sampler_unsupported(grpo_config, processes)
    engine = HF_GENERATE if unsupported else GREETBENCH_SAMPLER
    reasons += [f"HF generate: {unsupported}"] if unsupported else []
    return RolloutChoice(engine, requested, "; ".join(reasons) or None, version, settings)
