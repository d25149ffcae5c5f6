"""Byte-level BPE tokenizer of the tiny world, trained locally with ``tokenizers``.

One vocabulary serves both tiny models. It is wrapped twice as a
``PreTrainedTokenizerFast``: for the causal LM (``<|endoftext|>`` ends a
document, GPT-2 style) and for the masked LM (``<s> … </s>`` and ``<mask>``,
RoBERTa style). Byte-level pre-tokenization means every string is encodable.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import PreTrainedTokenizerFast

from mosaic_exp.errors import UserError

EOS = "<|endoftext|>"
PAD = "<pad>"
CLS = "<s>"
SEP = "</s>"
MASK = "<mask>"
SPECIAL_TOKENS = [EOS, PAD, CLS, SEP, MASK]
# Token ids are stored as uint16 and 0xFFFF separates documents in token files.
MAX_VOCAB = 0xFFFF


def train_bpe(texts: Iterable[str], vocab_size: int, min_frequency: int) -> Tokenizer:
    """Trains a byte-level BPE; deterministic for the same texts and sizes."""
    if not len(SPECIAL_TOKENS) + 256 < vocab_size <= MAX_VOCAB:
        raise UserError(
            f"tiny_world.tokenizer.vocab_size={vocab_size} must be above {len(SPECIAL_TOKENS) + 256} "
            f"(bytes and special tokens) and at most {MAX_VOCAB} (ids are stored as uint16)"
        )
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(texts, trainer=trainer)
    return tokenizer


def _wrap(tokenizer: Tokenizer, post_processor, max_length: int, **special: str) -> PreTrainedTokenizerFast:
    # A copy, so the two wrappers do not share one post-processor.
    inner = Tokenizer.from_str(tokenizer.to_str())
    inner.post_processor = post_processor(inner)
    return PreTrainedTokenizerFast(tokenizer_object=inner, model_max_length=max_length, **special)


def causal_tokenizer(tokenizer: Tokenizer, max_length: int) -> PreTrainedTokenizerFast:
    """GPT-style wrapper: no special tokens added, ``<|endoftext|>`` as BOS/EOS/UNK."""
    return _wrap(
        tokenizer,
        lambda inner: processors.ByteLevel(trim_offsets=False),
        max_length,
        bos_token=EOS,
        eos_token=EOS,
        unk_token=EOS,
        pad_token=PAD,
    )


def masked_tokenizer(tokenizer: Tokenizer, max_length: int) -> PreTrainedTokenizerFast:
    """RoBERTa-style wrapper: ``<s> A </s>`` around every input, ``<mask>`` for MLM."""
    return _wrap(
        tokenizer,
        lambda inner: processors.RobertaProcessing((SEP, inner.token_to_id(SEP)), (CLS, inner.token_to_id(CLS)), trim_offsets=False),
        max_length,
        bos_token=CLS,
        eos_token=SEP,
        cls_token=CLS,
        sep_token=SEP,
        unk_token=EOS,
        pad_token=PAD,
        mask_token=MASK,
    )


def save_tokenizer(tokenizer: Tokenizer, directory: Path) -> None:
    """Saves the raw BPE; the wrappers are saved next to each model."""
    directory.mkdir(parents=True, exist_ok=True)
    tokenizer.save(str(directory / "tokenizer.json"))


def load_bpe(directory: str | Path) -> Tokenizer:
    """The raw BPE saved by :func:`save_tokenizer`."""
    return Tokenizer.from_file(str(Path(directory) / "tokenizer.json"))
