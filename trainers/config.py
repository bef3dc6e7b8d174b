"""What every trainer shares: presets and config files, the base config, model resolution, LoRA, resume.

A trainer's config is a dataclass (``SftConfig``, ``RewardConfig``; GRPO's are TRL's own plus one of ours) read from
a YAML file of ``key: value`` lines: either a preset bundled in ``trainers/presets/<name>.yaml`` named by its stem
(``sft-tiny-cpu``), or any file path. Every trainer's file is read by the same parser, TRL's (``HfArgumentParser``,
:mod:`trainers.trl_parser`). Every key must be a field of the dataclass; an unknown key, or a value of the wrong
type, is an error that names the key and the file. Command-line overrides (``--output-dir``, ``--max-steps``) are
applied on top.

Nothing here imports ``torch`` or ``trl`` at import time: loading a config stays cheap.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

PRESETS_DIR = Path(__file__).resolve().parent / "presets"
"""The bundled presets, one YAML file per preset."""

TINY_MODEL = "tiny"
"""``model: tiny`` builds a tiny random Qwen2 (``harness.models.tiny``) into ``<output_dir>/base-model`` once."""

EMBEDDED_MODEL_ALIAS = "embedded"
"""``model: embedded`` is the embedded Qwen2.5-Coder-0.5B-Instruct, converted once to a local bf16 folder."""

TINY_BASE_DIRNAME = "base-model"
"""Where ``model: tiny`` is built, inside the output folder (kept, so a resumed run trains the same model)."""

FINAL_DIRNAME = "model"
"""Where a trainer saves what it made, inside the output folder: a merged, full ``save_pretrained`` checkpoint."""

LOGS_DIRNAME = "logs"
"""Where a trainer's closing evaluation writes its Inspect logs, inside the output folder."""

DATA_REPORT_FILENAME = "data_report.json"
"""The input counts (kept, dropped and why) written at the start of training, inside the output folder."""

Dtype = Literal["auto", "float32", "bfloat16", "float16"]
Finetune = Literal["lora", "full"]

C = TypeVar("C", bound="TrainConfig")


class ConfigError(ValueError):
    """A config that cannot be used: unknown preset, unreadable file, unknown key, wrong type, bad value."""


class RunFolders:
    """The folders of a training run, all inside its ``output_path`` (which the subclass defines)."""

    @property
    def output_path(self) -> Path:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    @property
    def final_dir(self) -> Path:
        """Where the finished model is saved: ``<output_dir>/model``."""
        return self.output_path / FINAL_DIRNAME

    @property
    def logs_dir(self) -> Path:
        """Where the closing evaluation's Inspect logs go: ``<output_dir>/logs``."""
        return self.output_path / LOGS_DIRNAME


@dataclass
class TrainConfig(RunFolders):
    """Fields every trainer shares. Subclasses add their own; YAML keys map one to one onto fields.

    Attributes:
        model: A Hugging Face id, a local ``save_pretrained`` folder, ``embedded`` (the embedded 0.5B model), or
            ``tiny`` (a tiny random Qwen2 built into ``<output_dir>/base-model``: tests and CPU smoke runs only).
        output_dir: Where checkpoints, the final model (``model/``), logs and reports go. A rerun on the same
            folder resumes from its last ``checkpoint-*``.
        data_dir: The paper's data folder (upstream ``dataset/`` layout); default ``$GREETBENCH_DATA_DIR`` or a
            fetched copy.
        max_train_rows: Train on a seeded random subset of this many rows (after bad rows are dropped); None: all.
        seed: Seed of the subset and of training.
        finetune: ``lora`` (adapters on every linear layer by default, merged into the base at the end) or
            ``full`` (every weight trained).
        lora_r: LoRA rank.
        lora_alpha: LoRA scaling numerator.
        lora_dropout: LoRA dropout.
        lora_target_modules: ``all-linear`` or a list of module names.
        lora_layers: Put adapters on the last N decoder layers only (PEFT's ``layers_to_transform``); the backward
            pass then stops below them, which makes a CPU step several times cheaper. Needs
            ``lora_target_modules`` as a list. None: every layer.
        dtype: The dtype the model is loaded in. TRL loads a model named by path in float32 unless told, so a
            GPU preset says ``bfloat16``.
        bf16: Mixed-precision bf16 autocast (TRL's default is on; CPU presets turn it off).
        gradient_checkpointing: Recompute activations in the backward pass (less memory, ~20% slower).
        learning_rate: Peak learning rate.
        lr_scheduler_type: A transformers scheduler name.
        warmup_steps: Warm-up steps (a float below 1 is a share of all steps).
        num_train_epochs: Epochs, unless ``max_steps`` is set.
        max_steps: Optimizer steps; -1 runs ``num_train_epochs``.
        per_device_train_batch_size: Rows per device per step (pairs, for a reward model).
        gradient_accumulation_steps: Micro-batches per optimizer step.
        max_length: Longest tokenized sequence; longer rows are dropped before training (counted, reported).
        logging_steps: Steps between loss logs.
        save_steps: Steps between checkpoints (what resuming starts from).
        save_total_limit: Checkpoints kept; None keeps all.
        use_cpu: Train on CPU even when a GPU is present.
        eval_device: Device of the closing evaluation (``cpu``, ``cuda:0``); None picks CUDA when available.
    """

    model: str
    output_dir: str
    data_dir: str | None = None
    max_train_rows: int | None = None
    seed: int = 42
    finetune: Finetune = "lora"
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.05
    lora_target_modules: str | list[str] = "all-linear"
    lora_layers: int | None = None
    dtype: Dtype = "bfloat16"
    bf16: bool = True
    gradient_checkpointing: bool = False
    learning_rate: float = 2e-4
    lr_scheduler_type: str = "linear"
    warmup_steps: float = 0
    num_train_epochs: float = 1.0
    max_steps: int = -1
    per_device_train_batch_size: int = 8
    gradient_accumulation_steps: int = 1
    max_length: int = 512
    logging_steps: int = 10
    save_steps: int = 200
    save_total_limit: int | None = 2
    use_cpu: bool = False
    eval_device: str | None = None

    def __post_init__(self) -> None:
        """Check values that no type can express."""
        if self.lora_layers is not None and self.lora_layers < 1:
            raise ConfigError(f"lora_layers must be at least 1 (or null for every layer), got {self.lora_layers}")
        for name in ("lora_r", "lora_alpha", "per_device_train_batch_size", "gradient_accumulation_steps"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.max_length < 8:
            raise ConfigError(f"max_length must be at least 8 tokens, got {self.max_length}")
        if self.max_train_rows is not None and self.max_train_rows < 1:
            raise ConfigError(f"max_train_rows must be at least 1 (or null for all rows), got {self.max_train_rows}")
        if self.max_steps == 0 or self.max_steps < -1:
            raise ConfigError(f"max_steps must be positive, or -1 to run num_train_epochs, got {self.max_steps}")
        if not self.model.strip():
            raise ConfigError("model must name a model")
        if isinstance(self.lora_target_modules, list) and self.lora_target_modules == ["all-linear"]:
            self.lora_target_modules = "all-linear"  # the parser reads a list field; PEFT wants the bare keyword

    @property
    def output_path(self) -> Path:
        """``output_dir`` as a Path."""
        return Path(self.output_dir)


def preset_names() -> list[str]:
    """The bundled presets, sorted (``sft-tiny-cpu``, ``rm-embedded-0.5b``, ...)."""
    return sorted(path.stem for path in PRESETS_DIR.glob("*.yaml"))


def resolve_config_path(name_or_path: str | Path) -> Path:
    """Find a config file: an existing file path, else a bundled preset named by its stem.

    Raises:
        ConfigError: Neither exists; the message lists the presets.
    """
    path = Path(name_or_path).expanduser()
    if path.is_file():
        return path
    preset = PRESETS_DIR / f"{name_or_path}.yaml"
    if preset.is_file():
        return preset
    raise ConfigError(f"no config file {str(name_or_path)!r} and no such preset; presets: {', '.join(preset_names())}")


def load_config(cls: type[C], name_or_path: str | Path, **overrides: Any) -> C:
    """Read a config file (see :func:`resolve_config_path`) into ``cls`` with the parser every trainer shares.

    The file is read by ``HfArgumentParser`` (what TRL's ``TrlParser`` is built on) through
    :func:`trainers.trl_parser.parse_config_file`: each value is checked by its field's own type (``int`` takes
    integers only, ``float`` also numeric strings such as ``2e-4``, booleans ``true``/``false`` only, ``Literal``
    fields their listed values, lists of strings strings only), ``null`` only where the field admits None.
    Overrides whose value is None are ignored (an unset command-line option).

    Args:
        cls: The config dataclass (``SftConfig``, ``RewardConfig``).
        name_or_path: A preset name or a YAML file.
        **overrides: Field values that win over the file's.

    Returns:
        The config.

    Raises:
        ConfigError: The file is missing or not a YAML mapping, a key is unknown or missing, or a value has the
            wrong type; one line naming the key and the file.
    """
    from trainers.trl_parser import parse_config_file

    _, (config,) = parse_config_file((cls,), name_or_path, overrides)
    return config


def config_to_dict(config: TrainConfig) -> dict[str, Any]:
    """The config as a JSON/YAML-ready dict (for reports and the run record)."""
    return dataclasses.asdict(config)


def resolve_model(model: str, output_dir: Path, kind: Literal["causal-lm", "seq-cls"] = "causal-lm") -> str:
    """Turn a config's ``model`` into something ``from_pretrained`` loads.

    ``tiny`` builds a tiny random Qwen2 causal LM (a reward trainer loads it as a sequence classifier, as it would
    a real instruct model) into ``<output_dir>/base-model`` on first use and reuses it after, so a resumed run
    trains the same base; ``embedded`` converts the embedded model once and returns its folder; anything else (a
    Hugging Face id or a local path) is returned unchanged.

    Args:
        model: The config's ``model``.
        output_dir: The run's output folder.
        kind: What to build for ``tiny``.

    Returns:
        A Hugging Face id or a local folder.
    """
    name = model.strip()
    if name == TINY_MODEL:
        dest = output_dir / TINY_BASE_DIRNAME
        if not (dest / "config.json").is_file():
            from harness.models.tiny import build_tiny_qwen2

            build_tiny_qwen2(dest, kind, seed=0)
        return str(dest)
    if name == EMBEDDED_MODEL_ALIAS:
        from harness.models.embedded import ensure_embedded_model

        return str(ensure_embedded_model(progress=True))
    return model


def last_checkpoint(output_dir: Path) -> Path | None:
    """The newest ``checkpoint-N`` folder in ``output_dir`` (what a rerun resumes from), or None."""
    if not output_dir.is_dir():
        return None
    from transformers.trainer_utils import get_last_checkpoint

    found = get_last_checkpoint(str(output_dir))
    return Path(found) if found else None


def lora_config(
    config: TrainConfig, task_type: str, modules_to_save: list[str] | None = None, model_path: str | None = None
) -> Any:
    """The PEFT LoRA config of a run, or None for full fine-tuning.

    Args:
        config: The run's config.
        task_type: ``CAUSAL_LM`` or ``SEQ_CLS``.
        modules_to_save: Modules trained in full beside the adapters (``["score"]`` for a reward head).
        model_path: The model, read for its layer count when ``lora_layers`` is set.

    Raises:
        ConfigError: ``lora_layers`` without a model path, or more layers than the model has.
    """
    if config.finetune == "full":
        return None
    from peft import LoraConfig

    layers = None
    if config.lora_layers is not None:
        if model_path is None:
            raise ConfigError("lora_layers needs the model's layer count; this trainer does not support it")
        if isinstance(config.lora_target_modules, str):
            raise ConfigError("lora_layers needs lora_target_modules as a list of module names (PEFT's rule)")
        from transformers import AutoConfig

        total = AutoConfig.from_pretrained(model_path).num_hidden_layers
        if config.lora_layers > total:
            raise ConfigError(f"lora_layers is {config.lora_layers}, but {model_path} has {total} layers")
        layers = list(range(total - config.lora_layers, total))

    return LoraConfig(
        task_type=task_type,
        r=config.lora_r,
        lora_alpha=config.lora_alpha,
        lora_dropout=config.lora_dropout,
        target_modules=config.lora_target_modules,
        modules_to_save=modules_to_save,
        layers_to_transform=layers,
    )


def training_arguments(config: TrainConfig) -> dict[str, Any]:
    """The keyword arguments of a TRL trainer config (``SFTConfig``, ``RewardConfig``) taken from the shared fields.

    Checkpoints are saved every ``save_steps`` into ``output_dir`` (what a rerun resumes from); nothing is reported
    to experiment trackers; the model loads in ``dtype``.
    """
    return {
        "output_dir": str(config.output_path),
        "seed": config.seed,
        "learning_rate": config.learning_rate,
        "lr_scheduler_type": config.lr_scheduler_type,
        "warmup_steps": config.warmup_steps,
        "num_train_epochs": config.num_train_epochs,
        "max_steps": config.max_steps,
        "per_device_train_batch_size": config.per_device_train_batch_size,
        "gradient_accumulation_steps": config.gradient_accumulation_steps,
        "gradient_checkpointing": config.gradient_checkpointing,
        "bf16": config.bf16,
        "logging_steps": config.logging_steps,
        "save_strategy": "steps",
        "save_steps": config.save_steps,
        "save_total_limit": config.save_total_limit,
        "use_cpu": config.use_cpu,
        "report_to": "none",
        "model_init_kwargs": {"dtype": config.dtype},
        "max_length": config.max_length,
    }


def load_tokenizer(model_path: str) -> Any:
    """Load a model's tokenizer and make sure it can serve training and the harness.

    Padding must be a token other than end-of-sequence: a sequence classifier pools at the last non-pad token, and
    a policy trained with pad == eos would never learn to stop. When the tokenizer has no pad token or pads with
    eos, ``<|endoftext|>`` (Qwen's pad) is used if the vocabulary has it and it is not eos, else the unknown token.

    Raises:
        ConfigError: The tokenizer has no chat template (both trainers render conversations through it), or no
            token other than eos can pad.
    """
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_path)
    if not tokenizer.chat_template:
        raise ConfigError(
            f"the tokenizer of {model_path} has no chat template; the trainers render every row through the model's "
            "chat template (use an instruct model, or save a tokenizer with one)"
        )
    if tokenizer.pad_token is None or tokenizer.pad_token == tokenizer.eos_token:
        vocab = tokenizer.get_vocab()
        candidates = ["<|endoftext|>", tokenizer.unk_token]
        pad = next((t for t in candidates if t and t in vocab and t != tokenizer.eos_token), None)
        if pad is None:
            raise ConfigError(
                f"the tokenizer of {model_path} pads with its eos token {tokenizer.eos_token!r} and offers no other "
                "token to pad with; save a tokenizer whose pad token differs from eos"
            )
        tokenizer.pad_token = pad
    return tokenizer


def save_final(model: Any, tokenizer: Any, dest: Path) -> Path:
    """Save a trained model (LoRA merged into its base) and its tokenizer as one plain checkpoint folder.

    The folder is written beside ``dest`` and renamed into place, so ``dest`` never holds half a checkpoint.
    ``config.pad_token_id`` is set to the tokenizer's pad (never eos) and the KV cache, which training turned off,
    back on.
    """
    import shutil

    from peft import PeftModel

    if isinstance(model, PeftModel):
        model = model.merge_and_unload()
    model.config.pad_token_id = tokenizer.pad_token_id
    if getattr(model.config, "use_cache", None) is False:
        model.config.use_cache = True  # TRL turns the cache off for training; inference wants it back
    partial = dest.with_name(dest.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    model.save_pretrained(partial)
    tokenizer.save_pretrained(partial)
    shutil.rmtree(dest, ignore_errors=True)
    partial.rename(dest)
    return dest


def require_data_dir(data_dir: str | None) -> Path:
    """The paper's data folder for a run.

    Raises:
        ConfigError: None can be found; the message says how to provide one.
    """
    from harness.data import resolve_data_dir
    from harness.data.commands import NO_DATA_DIR_MESSAGE

    root = resolve_data_dir(data_dir)
    if root is None:
        raise ConfigError(NO_DATA_DIR_MESSAGE.replace("--data-dir DIR", "data_dir in the config or --data-dir DIR"))
    return root


def write_json(path: Path, data: Any) -> Path:
    """Write JSON (UTF-8, indented, non-ASCII kept) and return the path."""
    import json

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
    return path


def chat_lengths(tokenizer: Any, conversations: list[list[dict[str, str]]], batch: int = 512) -> list[int]:
    """Token counts of conversations rendered through the chat template, tokenized as TRL tokenizes them.

    ``apply_chat_template(..., tokenize=True)`` with no generation prompt: the ids TRL trains on and
    ``harness.judges.RewardModel.encode`` scores.
    """
    lengths: list[int] = []
    for start in range(0, len(conversations), batch):
        encoded = tokenizer.apply_chat_template(conversations[start : start + batch], tokenize=True, return_dict=True)
        lengths.extend(len(ids) for ids in encoded["input_ids"])
    return lengths


def say(prefix: str) -> Any:
    """A progress printer for a trainer: ``[greetbench] <prefix>: message`` on stderr."""
    import sys

    def emit(message: str) -> None:
        print(f"[greetbench] {prefix}: {message}", file=sys.stderr, flush=True)

    return emit
