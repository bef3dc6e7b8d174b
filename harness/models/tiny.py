"""Tiny random Qwen2 models and a tiny byte-level BPE tokenizer, built offline in a second or two.

These are random models for tests and CPU smoke runs, nothing else: their weights are noise, so their greetings
are gibberish and their rewards are meaningless. What they do have is the real shape of the pipeline: a Qwen2
architecture, Qwen's special tokens and the Qwen2.5 chat template, a pad token distinct from the end-of-turn
token (sequence classification pools at the last non-pad token), and ``save_pretrained`` folders that load with
the ``Auto*`` classes like any checkpoint.

``torch`` and ``transformers`` are imported inside the functions, so importing this module stays cheap.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from harness.data import load_bundled_requests
from harness.models.embedded import ENDOFTEXT, IM_END, IM_START

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerFast

TinyKind = Literal["causal-lm", "seq-cls"]
"""``causal-lm`` builds a ``Qwen2ForCausalLM`` (a policy); ``seq-cls`` a one-label ``Qwen2ForSequenceClassification``
(a reward model)."""

SPECIAL_TOKENS = (ENDOFTEXT, IM_START, IM_END)
"""Qwen's special tokens, given the first ids in this order (so ``<|endoftext|>`` is 0)."""

EOS_TOKEN = IM_END
"""End of a turn, as in Qwen2.5 instruct checkpoints."""

PAD_TOKEN = ENDOFTEXT
"""Padding, as in Qwen2.5 checkpoints; never equal to ``EOS_TOKEN``."""

TINY_VOCAB_SIZE = 2048
"""Target BPE vocabulary (256 byte symbols, the special tokens, the rest merges); the corpus may yield fewer."""

TINY_INIT_STD = 0.1
"""Weight init scale. Qwen's usual 0.02 leaves a tiny random model's outputs nearly constant (rewards of different
pairs agree to the third decimal, since every templated pair ends in the same tokens); 0.1 makes them differ
visibly, so tests can tell pairs, and pooling positions, apart."""

TINY_MAX_POSITIONS = 2048
"""Context length of tiny models: room for the chat template's system turn, a request and a long greeting."""

QWEN_CHAT_TEMPLATE = "qwen2_5.jinja"
"""The Qwen2.5 chat template as TRL's wheel ships it (``trl/chat_templates/``). TRL recognises it by identity and
swaps in its training variant where a trainer needs assistant-token masks."""

# Phrases of our own for the tokenizer corpus, combined with the bundled requests so the merges cover the words
# greetings are made of. The corpus only shapes the vocabulary; the models never learn from it.
_OPENERS = ("亲爱的", "敬爱的", "祝", "愿", "衷心祝愿", "在这个特别的日子里，", "值此佳节，", "恭喜")
_WISHES = (
    "生日快乐，健康长寿，笑口常开",
    "新年快乐，万事如意，阖家幸福",
    "前程似锦，心想事成，步步高升",
    "新婚快乐，白头偕老，永结同心",
    "考试顺利，金榜题名，梦想成真",
    "早日康复，平安喜乐，身体健康",
    "乔迁之喜，家宅平安，福气满门",
    "工作顺利，事业有成，一切顺心",
    "中秋团圆，月圆人圆，幸福美满",
    "退休愉快，岁月静好，安享晚年",
)
_CLOSERS = ("！", "。", "，我们永远爱你！", "，感谢一路有你。", "，每一天都充满阳光。", "，谢谢您的照顾。")
_ENGLISH = ("You are Qwen, created by Alibaba Cloud. You are a helpful assistant.", "Happy birthday! Best wishes.")


def qwen_chat_template() -> str:
    """Return the Qwen2.5 chat template from TRL's installed wheel, without importing ``trl`` (slow to import).

    Returns:
        The Jinja template text.

    Raises:
        FileNotFoundError: ``trl`` is not installed, or its wheel lacks ``chat_templates/qwen2_5.jinja``.
    """
    spec = importlib.util.find_spec("trl")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    if not locations:
        raise FileNotFoundError("the Qwen2.5 chat template comes from TRL's wheel, but trl is not installed")
    path = Path(locations[0]) / "chat_templates" / QWEN_CHAT_TEMPLATE
    if not path.is_file():
        raise FileNotFoundError(f"trl is installed at {locations[0]} but has no chat_templates/{QWEN_CHAT_TEMPLATE}")
    return path.read_text(encoding="utf-8")


def tiny_corpus() -> list[str]:
    """Return the tokenizer's training text: the bundled requests, their policy prompts, and greeting-like lines.

    The greeting lines are combinations of a few stock openers, wishes and closers, six per request (about two
    hundred and fifty). Deterministic: the same list every call.

    Returns:
        Lines of text.
    """
    requests = load_bundled_requests()
    lines = [text for request in requests for text in (request.query, request.prompt)]
    for i in range(len(requests)):
        for j in range(6):
            opener = _OPENERS[(i + j) % len(_OPENERS)]
            wish = _WISHES[(3 * i + j) % len(_WISHES)]
            closer = _CLOSERS[(i + 2 * j) % len(_CLOSERS)]
            lines.append(f"{opener}{wish}{closer}")
    return [*lines, *_ENGLISH]


def train_tiny_tokenizer(vocab_size: int = TINY_VOCAB_SIZE) -> PreTrainedTokenizerFast:
    """Train a byte-level BPE tokenizer on :func:`tiny_corpus` and dress it as a Qwen-style fast tokenizer.

    Byte-level, so any text (any script, emoji, control characters) encodes without unknown tokens. The special
    tokens are Qwen's; ``eos`` is ``<|im_end|>``, ``pad`` is ``<|endoftext|>``, there is no BOS, padding is on the
    right, and the chat template is Qwen2.5's (from TRL's wheel). Training is deterministic and takes well
    under a second.

    Args:
        vocab_size: Target vocabulary size, special tokens included.

    Returns:
        The tokenizer (not saved; see :func:`build_tiny_tokenizer`).

    Raises:
        FileNotFoundError: The chat template cannot be found (see :func:`qwen_chat_template`).
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    backend = Tokenizer(models.BPE())
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    backend.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    backend.train_from_iterator(tiny_corpus(), trainer=trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=backend,
        eos_token=EOS_TOKEN,
        pad_token=PAD_TOKEN,
        additional_special_tokens=[IM_START, IM_END],
        padding_side="right",
        model_max_length=TINY_MAX_POSITIONS,
        chat_template=qwen_chat_template(),
    )


def build_tiny_tokenizer(dest: str | Path) -> Path:
    """Train the tiny tokenizer (:func:`train_tiny_tokenizer`) and save it with ``save_pretrained``.

    For tests and CPU smoke runs only.

    Args:
        dest: Folder to save into; created if missing. Existing tokenizer files there are overwritten.

    Returns:
        ``dest`` as a Path; ``AutoTokenizer.from_pretrained(dest)`` loads it.
    """
    dest = Path(dest)
    train_tiny_tokenizer().save_pretrained(dest)
    return dest


def build_tiny_qwen2(
    dest: str | Path,
    kind: TinyKind,
    seed: int = 0,
    hidden_size: int = 32,
    layers: int = 2,
) -> Path:
    """Build a random, tiny Qwen2 model with the tiny tokenizer and save both to ``dest``.

    These are random models for tests and CPU smoke runs, nothing else. The same ``seed`` (and sizes) always
    gives identical weights; the global torch random state is left as it was. Weights are drawn with standard
    deviation :data:`TINY_INIT_STD`. The model is float32 with four
    attention heads (two key/value heads), an MLP twice the hidden size, tied embeddings, and the tokenizer's
    pad/eos ids in its config (``pad_token_id`` is what sequence classification pools by) and, for
    ``causal-lm``, in its generation config, so ``generate`` stops at ``<|im_end|>``.

    Args:
        dest: Folder to save into; created if missing. Existing files there are overwritten.
        kind: ``causal-lm`` (a policy) or ``seq-cls`` (a reward model with ``num_labels=1``).
        seed: Seed for the weights.
        hidden_size: Width; a positive multiple of 8 (four heads, each of an even size for rotary embeddings).
        layers: Number of decoder layers.

    Returns:
        ``dest`` as a Path, loadable with ``AutoModelForCausalLM`` / ``AutoModelForSequenceClassification``
        and ``AutoTokenizer``.

    Raises:
        ValueError: ``kind`` is unknown, or ``hidden_size`` / ``layers`` are unusable.
    """
    if kind not in ("causal-lm", "seq-cls"):
        raise ValueError(f"kind must be 'causal-lm' or 'seq-cls', got {kind!r}")
    if hidden_size < 8 or hidden_size % 8:
        raise ValueError(f"hidden_size must be a positive multiple of 8, got {hidden_size}")
    if layers < 1:
        raise ValueError(f"layers must be at least 1, got {layers}")

    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM, Qwen2ForSequenceClassification

    dest = Path(dest)
    tokenizer = train_tiny_tokenizer()
    config = Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=hidden_size,
        intermediate_size=2 * hidden_size,
        num_hidden_layers=layers,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=TINY_MAX_POSITIONS,
        initializer_range=TINY_INIT_STD,
        tie_word_embeddings=True,
        bos_token_id=None,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        num_labels=1,
    )
    model_class = Qwen2ForCausalLM if kind == "causal-lm" else Qwen2ForSequenceClassification
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = model_class(config)
    if kind == "causal-lm":
        model.generation_config.eos_token_id = tokenizer.eos_token_id
        model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.save_pretrained(dest)
    tokenizer.save_pretrained(dest)
    return dest
