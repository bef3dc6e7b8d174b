"""Benchmark: GRPO rollouts and one GRPO step on a GPU: HF generate vs vLLM colocate tokens/s, and a 7B LoRA step.

Run on a GPU machine (no network needed; bring the wheels of trl and vllm if they are absent):
    python tests/benchmarks/bench_grpo_gpu.py --model /path/to/Qwen2.5-7B-Instruct [--prompts 32] [--group 4]
        [--max-new-tokens 512] [--skip-step] [--out grpo_gpu.json]
    python tests/benchmarks/bench_grpo_gpu.py --model random-7b [--tokenizer /path/to/qwen-tokenizer]
``--model random-7b`` builds a randomly initialised Qwen2 of Qwen2.5-7B-Instruct's shape on the device (bfloat16,
saved to a temporary folder): where 7B weights cannot reach the machine, step time and memory are still a 7B's,
though what a random model writes is not (it rarely stops early, so every completion runs to the cap). Its
tokenizer is ``--tokenizer`` (a Qwen2.5 tokenizer folder: the 7B's 152,064-row embedding) or else greetbench's tiny
one (an embedding of the tiny vocabulary: 1.1 GB less than a 7B's). ``random-tiny`` is the same at a tiny shape, for
a CPU dry run of the script.
Not a test: it measures, it does not assert. Goals from issue 10: vLLM colocate >= 5x HF generate tokens/s for the
same policy; one LoRA GRPO step of 32 prompts x 4 completions <= 60 s. The whole run is meant to fit in 10 minutes.

Phases (each records its figures, or what stopped it, and the run goes on):

1. ``hf``: ``model.generate`` in bf16 on one GPU, the 32 x 4 rollouts sampled at temperature 1, one batch;
2. ``vllm``: the same prompts through ``vllm.LLM`` (``gpu_memory_utilization`` 0.3, as TRL colocates it), after
   the HF model is freed;
3. ``step``: one GRPO step with TRL's ``GRPOTrainer`` (LoRA r=16 on every linear layer, bf16, gradient
   checkpointing, vLLM colocate when importable else HF generate, a length reward), 32 prompts x 4, with the
   step's split into generation, reward and the rest (``trainers.step_timing``).

Prompts are the paper's policy prompt over the project's bundled requests (no data download needed).
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from harness.data import load_bundled_requests  # noqa: E402

QWEN25_7B_SHAPE: dict[str, Any] = {
    "hidden_size": 3584,
    "intermediate_size": 18944,
    "num_hidden_layers": 28,
    "num_attention_heads": 28,
    "num_key_value_heads": 4,
    "vocab_size": 152064,
    "max_position_embeddings": 32768,
    "rope_theta": 1_000_000.0,
    "tie_word_embeddings": False,
}
"""Qwen2.5-7B-Instruct's config.json, the fields that set its size."""

TINY_SHAPE: dict[str, Any] = {
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
}

RANDOM_SHAPES = {"random-7b": QWEN25_7B_SHAPE, "random-tiny": TINY_SHAPE}


def build_random_model(shape: dict[str, Any], dest: Path, tokenizer_path: str | None, device: str) -> Path:
    """A randomly initialised Qwen2 of ``shape`` with a tokenizer, saved to ``dest`` (bfloat16 on CUDA).

    Without ``tokenizer_path`` the tokenizer is greetbench's tiny one and the vocabulary shrinks to its size.
    """
    import torch
    from transformers import AutoTokenizer, Qwen2Config, Qwen2ForCausalLM

    from harness.models.tiny import train_tiny_tokenizer

    tokenizer = AutoTokenizer.from_pretrained(tokenizer_path) if tokenizer_path else train_tiny_tokenizer()
    vocab = max(shape.get("vocab_size", 0), len(tokenizer)) if tokenizer_path else len(tokenizer)
    config = Qwen2Config(
        **{**shape, "vocab_size": vocab}, eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id
    )
    dtype = torch.bfloat16 if device.startswith("cuda") else torch.float32
    default = torch.get_default_dtype()
    torch.set_default_dtype(dtype)  # initialise in the target dtype: a 7B in float32 is 30 GB
    try:
        with torch.device(device):
            model = Qwen2ForCausalLM(config)
    finally:
        torch.set_default_dtype(default)
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.save_pretrained(dest)
    tokenizer.save_pretrained(dest)
    del model
    gc.collect()
    if device.startswith("cuda"):
        torch.cuda.empty_cache()
    return dest


def prompts(count: int) -> list[str]:
    """``count`` policy prompts, cycling through the bundled requests."""
    requests = load_bundled_requests()
    return [requests[i % len(requests)].prompt for i in range(count)]


def chat(tokenizer: Any, texts: list[str]) -> list[str]:
    return [
        tokenizer.apply_chat_template([{"role": "user", "content": t}], add_generation_prompt=True, tokenize=False)
        for t in texts
    ]


def _rate(load_s: float, seconds: float, tokens: int) -> dict[str, Any]:
    rate = tokens / seconds
    return {"load_s": round(load_s, 1), "seconds": round(seconds, 2), "tokens": tokens, "tokens_per_s": rate}


def bench_hf(model_path: str, texts: list[str], group: int, max_new_tokens: int, device: str) -> dict[str, Any]:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_path, padding_side="left")
    dtype = torch.bfloat16 if device.startswith("cuda") else torch.float32
    started = time.monotonic()
    model = AutoModelForCausalLM.from_pretrained(model_path, dtype=dtype).to(device).eval()
    load_s = time.monotonic() - started
    batch = tokenizer(chat(tokenizer, texts), return_tensors="pt", padding=True, add_special_tokens=False).to(device)
    started = time.monotonic()
    with torch.no_grad():
        output = model.generate(
            **batch, do_sample=True, temperature=1.0, max_new_tokens=max_new_tokens, num_return_sequences=group
        )
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    seconds = time.monotonic() - started
    new = output[:, batch["input_ids"].shape[1] :]
    pad = tokenizer.pad_token_id
    tokens = int((new != pad).sum()) if pad is not None else int(new.numel())
    del model, output
    gc.collect()
    if device.startswith("cuda"):
        torch.cuda.empty_cache()
    return {
        "load_s": round(load_s, 1),
        "seconds": round(seconds, 2),
        "tokens": tokens,
        "tokens_per_s": tokens / seconds,
    }


def bench_vllm(model_path: str, texts: list[str], group: int, max_new_tokens: int) -> dict[str, Any]:
    try:
        from vllm import LLM, SamplingParams
    except ImportError as err:
        return {"error": f"vllm is not importable here: {err}"}
    started = time.monotonic()
    llm = LLM(model=model_path, dtype="bfloat16", gpu_memory_utilization=0.3, max_model_len=1024, seed=0)
    load_s = time.monotonic() - started
    params = SamplingParams(n=group, temperature=1.0, max_tokens=max_new_tokens, seed=0)
    tokenizer = llm.get_tokenizer()
    started = time.monotonic()
    outputs = llm.generate(chat(tokenizer, texts), params)
    seconds = time.monotonic() - started
    tokens = sum(len(c.token_ids) for o in outputs for c in o.outputs)
    del llm
    gc.collect()
    return {
        "load_s": round(load_s, 1),
        "seconds": round(seconds, 2),
        "tokens": tokens,
        "tokens_per_s": tokens / seconds,
    }


def bench_step(model_path: str, texts: list[str], group: int, max_new_tokens: int, device: str) -> dict[str, Any]:
    from datasets import Dataset
    from peft import LoraConfig
    from trl import GRPOConfig, GRPOTrainer

    from trainers.rewards import LengthReward, LengthRewardSpec
    from trainers.rollouts import choose_rollouts
    from trainers.step_timing import instrument

    cuda = device.startswith("cuda")
    micro = min(16, len(texts) * group)  # 16 completions a micro-batch, fewer in a small dry run
    with tempfile.TemporaryDirectory() as out:
        args = GRPOConfig(
            output_dir=out,
            max_steps=1,
            per_device_train_batch_size=micro,
            gradient_accumulation_steps=len(texts) * group // micro,
            num_generations=group,
            max_completion_length=max_new_tokens,
            learning_rate=1e-5,
            beta=0.001,
            bf16=cuda,
            use_cpu=not cuda,
            gradient_checkpointing=cuda,
            use_vllm=True,
            vllm_mode="colocate",
            vllm_gpu_memory_utilization=0.3,
            model_init_kwargs={"dtype": "bfloat16" if cuda else "float32"},
            report_to="none",
            save_strategy="no",
            logging_steps=1,
        )
        rollouts = choose_rollouts(args)
        trainer = GRPOTrainer(
            model=model_path,
            reward_funcs=[LengthReward(LengthRewardSpec(mode="ramp"))],
            args=args,
            train_dataset=Dataset.from_list([{"prompt": [{"role": "user", "content": t}]} for t in texts]),
            peft_config=LoraConfig(r=16, lora_alpha=32, target_modules="all-linear", task_type="CAUSAL_LM"),
        )
        timing = instrument(trainer)
        if timing is not None:
            trainer.add_callback(timing)
        started = time.monotonic()
        trainer.train()
        seconds = time.monotonic() - started
        logged = next((e for e in trainer.state.log_history if "timing/step_s" in e), {})
    return {
        "rollouts": rollouts.to_dict(),
        "train_seconds": round(seconds, 1),
        "completions": len(texts) * group,
        **{k: logged.get(k) for k in ("timing/step_s", "timing/generation_s", "timing/reward_s", "timing/other_s")},
        "rollout_tokens_per_s": logged.get("rollout/tokens_per_s"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model", required=True, help="A local model folder (e.g. Qwen2.5-7B-Instruct), random-7b or random-tiny."
    )
    parser.add_argument("--tokenizer", default=None, help="Tokenizer folder for a random model (default: tiny).")
    parser.add_argument("--prompts", type=int, default=32)
    parser.add_argument("--group", type=int, default=4)
    parser.add_argument("--max-new-tokens", type=int, default=512)
    parser.add_argument("--device", default=None, help="Default cuda when available, else cpu (a dry run).")
    parser.add_argument("--skip-step", action="store_true", help="Only compare the two rollout engines.")
    parser.add_argument("--out", type=Path, default=Path("grpo_gpu.json"))
    args = parser.parse_args()
    import torch

    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    texts = prompts(args.prompts)
    with tempfile.TemporaryDirectory() as folder:
        model = args.model
        if model in RANDOM_SHAPES:
            started = time.monotonic()
            model = str(build_random_model(RANDOM_SHAPES[model], Path(folder), args.tokenizer, device))
            print(f"built {args.model} in {time.monotonic() - started:.0f} s", flush=True)
        run_phases(args, model, texts, device)


def run_phases(args: argparse.Namespace, model: str, texts: list[str], device: str) -> None:
    """Run the phases on ``model`` (a folder) and write ``args.out``."""
    import torch

    results: dict[str, Any] = {
        "model": args.model,
        "prompts": args.prompts,
        "group": args.group,
        "max_new_tokens": args.max_new_tokens,
        "device": torch.cuda.get_device_name(0) if device.startswith("cuda") else platform.processor() or "cpu",
        "torch": torch.__version__,
    }
    phases = [
        ("hf", lambda: bench_hf(model, texts, args.group, args.max_new_tokens, device)),
        ("vllm", lambda: bench_vllm(model, texts, args.group, args.max_new_tokens)),
    ]
    if not args.skip_step:
        phases.append(("step", lambda: bench_step(model, texts, args.group, args.max_new_tokens, device)))
    cuda = device.startswith("cuda")
    for name, run in phases:
        started = time.monotonic()
        if cuda:
            torch.cuda.reset_peak_memory_stats()
        try:
            results[name] = run()
        except Exception as err:  # record what stopped a phase; the others still run
            results[name] = {"error": f"{type(err).__name__}: {err}", "trace": traceback.format_exc()[-2000:]}
        results[name]["phase_seconds"] = round(time.monotonic() - started, 1)
        if cuda:  # vLLM's own memory is outside torch's allocator, so its phase shows only what torch held
            results[name]["peak_gpu_gib"] = round(torch.cuda.max_memory_allocated() / 2**30, 2)
        print(f"{name}: {json.dumps(results[name], default=str)[:600]}", flush=True)
    hf, vllm = results["hf"].get("tokens_per_s"), results["vllm"].get("tokens_per_s")
    results["vllm_speedup"] = vllm / hf if hf and vllm else None
    args.out.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    print("| HF generate tok/s | vLLM colocate tok/s | speedup | 1 GRPO step (s) | step peak GiB |")
    print("|---|---|---|---|---|")
    step = results.get("step", {})
    print(
        f"| {hf or '-'} | {vllm or '-'} | {results['vllm_speedup'] or '-'} | {step.get('timing/step_s', '-')} "
        f"| {step.get('peak_gpu_gib', '-')} |"
    )
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
