"""Tiny, random-weight stand-ins for every model family of the paper, built offline.

The paper fine-tunes GPT-Neo, Gemma, Llama-3.2 and Phi-2 targets, uses Llama-2 as
generator and reference, and RoBERTa as the masked LM. Tests cannot download any
of them, so this module builds look-alikes locally:

* :func:`train_tokenizer` trains a tokenizer of one *kind* on ``texts`` with the
  ``tokenizers`` library and saves it, wrapped in the transformers class the real
  family uses, so that ``AutoTokenizer.from_pretrained(directory)`` gives back
  the real family's class, pre-tokenization, decoder, special tokens, and the
  BOS-or-not behaviour of ``tokenizer(text)``.
* :func:`build_model` puts a tiny model of one *family* (the real config class
  with the family's distinctive options, seeded random weights, vocabulary and
  special-token ids from the tokenizer) next to a copy of that tokenizer, so the
  directory works as ``model.name_or_path`` with the ``Auto*`` classes.
* :func:`build_family` does both in one directory; :func:`real_texts` is a small
  offline English corpus (CPython's own documentation) to train tokenizers on.

Why the tokenizers are built through their transformers class: in transformers 5
``from_pretrained`` of a class with its own ``__init__`` (``LlamaTokenizer``,
``GemmaTokenizer``, ``GPT2Tokenizer``, ``CodeGenTokenizer``, ``RobertaTokenizer``,
``BertTokenizer``) reads only the vocabulary, the merges and the post-processor
from ``tokenizer.json`` and rebuilds normalizer, pre-tokenizer and decoder itself.
Constructing the wrapper from the trained ``vocab``/``merges`` therefore gives
exactly the pipeline that loading will rebuild. Only the Llama-3 kind keeps its
own pipeline, saved as a plain ``TokenizersBackend`` (``PreTrainedTokenizerFast``),
like the real Llama-3.2 repository.

``vocab_size`` is the size of the trained vocabulary (special tokens, the 256
byte tokens or byte-level alphabet, and learned merges); the trainer may stop
short on a small corpus. The Gemma kind adds a block of ``<unusedN>`` tokens
between its byte tokens and its learned pieces so that, as in Gemma's 256k
vocabulary, ordinary text gets ids above 65,535 (the uint16 limit).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import torch
from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from transformers import (
    AutoModelForCausalLM,
    AutoModelForMaskedLM,
    AutoTokenizer,
    BertConfig,
    BertForMaskedLM,
    BertTokenizer,
    CodeGenTokenizer,
    GemmaConfig,
    GemmaForCausalLM,
    GemmaTokenizer,
    GPT2Tokenizer,
    GPTNeoConfig,
    GPTNeoForCausalLM,
    LlamaConfig,
    LlamaForCausalLM,
    LlamaTokenizer,
    PhiConfig,
    PhiForCausalLM,
    PretrainedConfig,
    PreTrainedModel,
    PreTrainedTokenizerBase,
    PreTrainedTokenizerFast,
    RobertaConfig,
    RobertaForMaskedLM,
    RobertaTokenizer,
)

# Llama-3's pre-tokenization regex (tiktoken's cl100k pattern), as in transformers' TikTokenConverter.
LLAMA3_PATTERN = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
# First id of the Gemma kind's learned pieces: the first 128 lie below 65,536, the rest above.
GEMMA_TEXT_START = 65_536 - 128
BYTE_TOKENS = [f"<0x{b:02X}>" for b in range(256)]
# Tiny architecture shared by all families (hidden, layers, heads, MLP width).
HIDDEN, LAYERS, HEADS, INTERMEDIATE = 64, 2, 4, 128

Merges = list[tuple[str, str]]


# --------------------------------------------------------------------------- tokenizers


def _train_bpe(
    texts: Sequence[str],
    vocab_size: int,
    pre_tokenizer: pre_tokenizers.PreTokenizer,
    initial_alphabet: Sequence[str] = (),
    special_tokens: Sequence[str] = (),
) -> tuple[dict[str, int], Merges]:
    """Trains a BPE model; returns its vocabulary and its merges in priority order."""
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizer
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=list(special_tokens),
        initial_alphabet=list(initial_alphabet),
        show_progress=False,
    )
    tokenizer.train_from_iterator(texts, trainer=trainer)
    model = json.loads(tokenizer.to_str())["model"]
    # tokenizers >= 0.20 writes merges as pairs, older versions as "a b" strings.
    merges = [tuple(m) if isinstance(m, list) else tuple(m.split(" ", 1)) for m in model["merges"]]
    return model["vocab"], merges


def _ordered(vocab: dict[str, int]) -> list[str]:
    return sorted(vocab, key=vocab.__getitem__)


def _byte_level(texts: Sequence[str], vocab_size: int, special_tokens: Sequence[str] = ()) -> tuple[dict[str, int], Merges]:
    """GPT-2 style byte-level BPE: the 256 byte symbols, then merges (GPT-2's regex split)."""
    return _train_bpe(
        texts,
        vocab_size,
        pre_tokenizers.ByteLevel(add_prefix_space=False),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        special_tokens=special_tokens,
    )


def _sentencepiece(texts: Sequence[str], vocab_size: int, dummy_prefix: bool) -> tuple[list[str], Merges]:
    """Learned pieces (in id order) and merges of a SentencePiece-style BPE ("▁" marks a word start).

    Training splits words at "▁" (as SentencePiece does), though the real fast
    tokenizers encode without splitting: merges never cross a word start anyway.
    Both real models were trained with ``split_digits``, so no piece holds two
    digits and numbers encode digit by digit. Llama-2 prepends "▁" to the text
    (a dummy prefix), Gemma does not.
    """
    scheme = "first" if dummy_prefix else "never"
    pre = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Metaspace(replacement="▁", prepend_scheme=scheme, split=True),
            pre_tokenizers.Digits(individual_digits=True),
        ]
    )
    vocab, merges = _train_bpe(texts, vocab_size, pre, initial_alphabet=["▁"])
    return _ordered(vocab), merges


def _layout(*blocks: Sequence[str]) -> dict[str, int]:
    """Consecutive ids for blocks of tokens (a later duplicate keeps its first id)."""
    vocab: dict[str, int] = {}
    for block in blocks:
        for token in block:
            vocab.setdefault(token, len(vocab))
    return vocab


def _byte_bpe(texts: Sequence[str], vocab_size: int) -> GPT2Tokenizer:
    """GPT-Neo: GPT-2's byte-level BPE, ``<|endoftext|>`` (last id) as BOS/EOS/UNK, no pad."""
    vocab, merges = _byte_level(texts, vocab_size - 1)
    vocab = _layout(_ordered(vocab), ["<|endoftext|>"])
    return GPT2Tokenizer(vocab=vocab, merges=merges)


def _codegen_bpe(texts: Sequence[str], vocab_size: int) -> CodeGenTokenizer:
    """Phi-2: CodeGen's tokenizer, GPT-2's vocabulary layout plus added tokens for runs of
    2-31 spaces and 2-9 tabs (as Phi-2's ids 50257-50294); no BOS added, no pad."""
    vocab, merges = _byte_level(texts, vocab_size - 1)
    tokenizer = CodeGenTokenizer(vocab=_layout(_ordered(vocab), ["<|endoftext|>"]), merges=merges)
    runs = [" " * n for n in range(31, 1, -1)] + ["\t" * n for n in range(9, 1, -1)]
    tokenizer.add_tokens([AddedToken(run, normalized=True, special=False) for run in runs])
    return tokenizer


def _sentencepiece_bpe(texts: Sequence[str], vocab_size: int) -> LlamaTokenizer:
    """Llama-2: ``<unk>``=0, ``<s>``=1 (added), ``</s>``=2, byte tokens 3-258, then pieces."""
    pieces, merges = _sentencepiece(texts, vocab_size - 3 - 256, dummy_prefix=True)
    vocab = _layout(["<unk>", "<s>", "</s>"], BYTE_TOKENS, pieces)
    # The class default leaves add_bos_token False; Llama-2's tokenizer_config sets it.
    return LlamaTokenizer(vocab=vocab, merges=merges, add_bos_token=True, add_eos_token=False, legacy=False)


def _gemma_bpe(texts: Sequence[str], vocab_size: int) -> GemmaTokenizer:
    """Gemma: ``<pad>``=0, ``<eos>``=1, ``<bos>``=2 (added), ``<unk>``=3, ``<mask>``=4, byte
    tokens, reserved ``<unusedN>``, then the learned pieces from :data:`GEMMA_TEXT_START`."""
    specials = ["<pad>", "<eos>", "<bos>", "<unk>", "<mask>"]
    pieces, merges = _sentencepiece(texts, vocab_size - len(specials) - 256, dummy_prefix=False)
    # Reserved tokens are plain vocabulary entries, not added tokens: tens of thousands
    # of added tokens would make every load slow (each one is rebuilt in Python).
    unused = [f"<unused{i}>" for i in range(GEMMA_TEXT_START - len(specials) - 256)]
    vocab = _layout(specials, BYTE_TOKENS, unused, pieces)
    return GemmaTokenizer(vocab=vocab, merges=merges, add_bos_token=True, add_eos_token=False)


def _tiktoken_bpe(texts: Sequence[str], vocab_size: int) -> PreTrainedTokenizerFast:
    """Llama-3: tiktoken-style byte-level BPE, ``<|begin_of_text|>`` added by the post-processor."""
    bos, eos = "<|begin_of_text|>", "<|end_of_text|>"
    pre = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(LLAMA3_PATTERN), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    vocab, merges = _train_bpe(texts, vocab_size - 2, pre, initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    # tiktoken looks a whole pre-token up in the vocabulary before merging (ignore_merges).
    tokenizer = Tokenizer(models.BPE(vocab=vocab, merges=merges, ignore_merges=True, fuse_unk=False))
    tokenizer.pre_tokenizer = pre
    tokenizer.decoder = decoders.ByteLevel()
    # Special tokens follow the learned vocabulary (ids 128000 and 128001 in Llama-3).
    tokenizer.add_special_tokens([AddedToken(t, normalized=False, special=True) for t in (bos, eos)])
    bos_id = tokenizer.token_to_id(bos)
    tokenizer.post_processor = processors.Sequence(
        [
            processors.ByteLevel(trim_offsets=False),
            processors.TemplateProcessing(single=f"{bos}:0 $A:0", pair=f"{bos}:0 $A:0 {bos}:1 $B:1", special_tokens=[(bos, bos_id)]),
        ]
    )
    return PreTrainedTokenizerFast(tokenizer_object=tokenizer, bos_token=bos, eos_token=eos)


def _roberta_bpe(texts: Sequence[str], vocab_size: int) -> RobertaTokenizer:
    """RoBERTa: GPT-2's byte-level BPE with ``<s>``=0, ``<pad>``=1, ``</s>``=2, ``<unk>``=3 and
    ``<mask>`` last; ``<s> … </s>`` around every input."""
    vocab, merges = _byte_level(texts, vocab_size - 1, special_tokens=["<s>", "<pad>", "</s>", "<unk>"])
    vocab = _layout(_ordered(vocab), ["<mask>"])
    # As in roberta-base, "<mask>" swallows the space before it ("Paris is the <mask>").
    mask = AddedToken("<mask>", lstrip=True, rstrip=False, normalized=False, special=True)
    return RobertaTokenizer(vocab=vocab, merges=merges, mask_token=mask)


def _wordpiece(texts: Sequence[str], vocab_size: int) -> BertTokenizer:
    """BERT (uncased): lower-cased WordPiece, ``[PAD]``=0, ``[unusedN]``, ``[UNK]``=100,
    ``[CLS]``=101, ``[SEP]``=102, ``[MASK]``=103 as in bert-base-uncased."""
    specials = ["[PAD]", *[f"[unused{i}]" for i in range(99)], "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = trainers.WordPieceTrainer(vocab_size=vocab_size, special_tokens=specials, show_progress=False)
    tokenizer.train_from_iterator(texts, trainer=trainer)
    return BertTokenizer(vocab=tokenizer.get_vocab(), do_lower_case=True)


@dataclass(frozen=True)
class TokenizerKind:
    """How to train a tokenizer kind, and the transformers class it loads back as."""

    train: Callable[[Sequence[str], int], PreTrainedTokenizerBase]
    class_name: str


TOKENIZER_KINDS: dict[str, TokenizerKind] = {
    "byte_bpe": TokenizerKind(_byte_bpe, "GPT2Tokenizer"),
    "codegen_bpe": TokenizerKind(_codegen_bpe, "CodeGenTokenizer"),
    "sentencepiece_bpe": TokenizerKind(_sentencepiece_bpe, "LlamaTokenizer"),
    "gemma_bpe": TokenizerKind(_gemma_bpe, "GemmaTokenizer"),
    # PreTrainedTokenizerFast is an alias of TokenizersBackend in transformers 5.
    "tiktoken_bpe": TokenizerKind(_tiktoken_bpe, "TokenizersBackend"),
    "roberta_bpe": TokenizerKind(_roberta_bpe, "RobertaTokenizer"),
    "wordpiece": TokenizerKind(_wordpiece, "BertTokenizer"),
}


def train_tokenizer(kind: str, texts: Sequence[str], directory: Path, vocab_size: int = 1000) -> Path:
    """Trains a tokenizer of ``kind`` (a key of :data:`TOKENIZER_KINDS`) on ``texts`` and
    saves it to ``directory``, which ``AutoTokenizer.from_pretrained`` then loads."""
    if kind not in TOKENIZER_KINDS:
        raise ValueError(f"unknown tokenizer kind {kind!r}; choose one of {sorted(TOKENIZER_KINDS)}")
    if not texts:
        raise ValueError("a tokenizer needs some texts to train on")
    # Room for 256 byte tokens, the specials (BERT's 104) and some merges.
    if vocab_size < 400:
        raise ValueError(f"vocab_size={vocab_size} is too small: it must be at least 400")
    directory.mkdir(parents=True, exist_ok=True)
    TOKENIZER_KINDS[kind].train(list(texts), vocab_size).save_pretrained(directory)
    return directory


# --------------------------------------------------------------------------- models


def _special_ids(tokenizer: PreTrainedTokenizerBase, pad: bool) -> dict[str, int | None]:
    ids = {"bos_token_id": tokenizer.bos_token_id, "eos_token_id": tokenizer.eos_token_id}
    return {**ids, "pad_token_id": tokenizer.pad_token_id} if pad else ids


def _sizes(tokenizer: PreTrainedTokenizerBase) -> dict[str, int]:
    """The tiny dimensions, under the argument names most transformers configs share."""
    return {
        "vocab_size": len(tokenizer),
        "hidden_size": HIDDEN,
        "intermediate_size": INTERMEDIATE,
        "num_hidden_layers": LAYERS,
        "num_attention_heads": HEADS,
    }


def _gpt_neo(tokenizer: PreTrainedTokenizerBase, context_length: int) -> GPTNeoConfig:
    # Layers alternate global and local attention; the local window is 1/8 of the
    # context, as GPT-Neo's 256 of 2048 (so local attention really is local).
    return GPTNeoConfig(
        vocab_size=len(tokenizer),
        max_position_embeddings=context_length,
        hidden_size=HIDDEN,
        num_layers=LAYERS,
        attention_types=[[["global", "local"], LAYERS // 2]],
        num_heads=HEADS,
        intermediate_size=INTERMEDIATE,
        window_size=max(1, context_length // 8),
        activation_function="gelu_new",
        resid_dropout=0.0,
        embed_dropout=0.0,
        attention_dropout=0.0,
        tie_word_embeddings=True,
        **_special_ids(tokenizer, pad=False),
    )


def _phi(tokenizer: PreTrainedTokenizerBase, context_length: int) -> PhiConfig:
    # Phi-2: rotary embeddings on 40% of each head, untied output layer, gelu_new.
    return PhiConfig(
        **_sizes(tokenizer),
        max_position_embeddings=context_length,
        hidden_act="gelu_new",
        rope_parameters={"rope_type": "default", "rope_theta": 10_000.0, "partial_rotary_factor": 0.4},
        resid_pdrop=0.0,
        embd_pdrop=0.0,
        attention_dropout=0.0,
        layer_norm_eps=1e-5,
        tie_word_embeddings=False,
        **_special_ids(tokenizer, pad=False),
    )


def _llama2(tokenizer: PreTrainedTokenizerBase, context_length: int) -> LlamaConfig:
    # Llama-2-7B: multi-head attention (no GQA), theta 10k, untied output layer.
    return LlamaConfig(
        **_sizes(tokenizer),
        num_key_value_heads=HEADS,
        max_position_embeddings=context_length,
        rms_norm_eps=1e-5,
        rope_parameters={"rope_type": "default", "rope_theta": 10_000.0},
        attention_dropout=0.0,
        tie_word_embeddings=False,
        **_special_ids(tokenizer, pad=False),
    )


def _llama3(tokenizer: PreTrainedTokenizerBase, context_length: int) -> LlamaConfig:
    # Llama-3.2-1B: grouped-query attention, theta 500k with "llama3" frequency
    # scaling, tied embeddings. Its scaling extends 8k pretraining positions to
    # 128k (1/16); transformers wants the original length below the maximum.
    rope = {
        "rope_type": "llama3",
        "rope_theta": 500_000.0,
        "factor": 32.0,
        "low_freq_factor": 1.0,
        "high_freq_factor": 4.0,
        "original_max_position_embeddings": max(1, context_length // 16),
    }
    return LlamaConfig(
        **_sizes(tokenizer),
        num_key_value_heads=HEADS // 2,
        max_position_embeddings=context_length,
        rms_norm_eps=1e-5,
        rope_parameters=rope,
        attention_dropout=0.0,
        tie_word_embeddings=True,
        **_special_ids(tokenizer, pad=False),
    )


def _gemma(tokenizer: PreTrainedTokenizerBase, context_length: int) -> GemmaConfig:
    # Gemma-2B: multi-query attention, a head_dim that is not hidden/heads,
    # tanh-approximated GELU, tied embeddings, and a pad token in the config.
    return GemmaConfig(
        **_sizes(tokenizer),
        num_key_value_heads=1,
        head_dim=32,
        hidden_act="gelu_pytorch_tanh",
        max_position_embeddings=context_length,
        rms_norm_eps=1e-6,
        attention_dropout=0.0,
        tie_word_embeddings=True,
        **_special_ids(tokenizer, pad=True),
    )


def _roberta(tokenizer: PreTrainedTokenizerBase, context_length: int) -> RobertaConfig:
    # Position ids start at pad_token_id + 1, hence two extra position embeddings
    # (roberta-base: 514 for 512 tokens); one token type.
    return RobertaConfig(
        **_sizes(tokenizer),
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
        max_position_embeddings=context_length + 2,
        type_vocab_size=1,
        layer_norm_eps=1e-5,
        tie_word_embeddings=True,
        **_special_ids(tokenizer, pad=True),
    )


def _bert(tokenizer: PreTrainedTokenizerBase, context_length: int) -> BertConfig:
    # bert-base-uncased has a pad id but no BOS/EOS ids in its config.
    return BertConfig(
        **_sizes(tokenizer),
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
        max_position_embeddings=context_length,
        type_vocab_size=2,
        pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=True,
    )


@dataclass(frozen=True)
class Family:
    """A paper model family: its tokenizer kind, head, model class and tiny config."""

    kind: str
    head: Literal["causal", "masked"]
    model_class: type[PreTrainedModel]
    config: Callable[[PreTrainedTokenizerBase, int], PretrainedConfig]

    @property
    def auto_class(self) -> type:
        """The ``Auto*`` class that loads a saved model of this family."""
        return AutoModelForCausalLM if self.head == "causal" else AutoModelForMaskedLM


FAMILIES: dict[str, Family] = {
    "gpt_neo": Family("byte_bpe", "causal", GPTNeoForCausalLM, _gpt_neo),
    "phi": Family("codegen_bpe", "causal", PhiForCausalLM, _phi),
    "llama2": Family("sentencepiece_bpe", "causal", LlamaForCausalLM, _llama2),
    "gemma": Family("gemma_bpe", "causal", GemmaForCausalLM, _gemma),
    "llama3": Family("tiktoken_bpe", "causal", LlamaForCausalLM, _llama3),
    "roberta": Family("roberta_bpe", "masked", RobertaForMaskedLM, _roberta),
    "bert": Family("wordpiece", "masked", BertForMaskedLM, _bert),
}


def build_model(family: str, tokenizer_dir: Path, directory: Path, seed: int = 0, context_length: int = 256) -> Path:
    """Saves a tiny ``family`` model with seeded random weights and its tokenizer (read
    from ``tokenizer_dir``, a :func:`train_tokenizer` output of the family's kind) to
    ``directory``; returns ``directory``. ``tokenizer_dir`` may be ``directory`` itself."""
    if family not in FAMILIES:
        raise ValueError(f"unknown model family {family!r}; choose one of {sorted(FAMILIES)}")
    spec = FAMILIES[family]
    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    expected = TOKENIZER_KINDS[spec.kind].class_name
    if type(tokenizer).__name__ != expected:
        found = type(tokenizer).__name__
        raise ValueError(f"{family} needs a {spec.kind} tokenizer ({expected}); {tokenizer_dir} holds a {found}")
    tokenizer.model_max_length = context_length
    # Loading records these in init_kwargs and saving would write them to tokenizer_config.json.
    for key in ("is_local", "local_files_only"):
        tokenizer.init_kwargs.pop(key, None)
    torch.manual_seed(seed)
    model = spec.model_class(spec.config(tokenizer, context_length))
    directory.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


def build_family(
    family: str, texts: Sequence[str], directory: Path, vocab_size: int = 1000, seed: int = 0, context_length: int = 256
) -> Path:
    """Trains the family's tokenizer on ``texts`` and builds its model, both in ``directory``."""
    train_tokenizer(FAMILIES[family].kind, texts, directory, vocab_size)
    return build_model(family, directory, directory, seed, context_length)


# --------------------------------------------------------------------------- texts

_UNDERLINE = re.compile(r"\s*([*=\-~^+#])\1{2,}\s*")
_BULLET = re.compile(r"^\s*[*+-]\s+")


def _clean(doc: str) -> str:
    """English paragraphs of one rendered documentation page: headings' underlines,
    indented blocks (code samples, grammar rules, tables) and bullets dropped, hard
    line wraps and double spaces joined into single spaces."""
    paragraphs = []
    for block in re.split(r"\n\s*\n", doc):
        lines = [line for line in block.split("\n") if line.strip() and not _UNDERLINE.fullmatch(line)]
        if not lines or lines[0].startswith("   "):
            continue
        text = " ".join(" ".join(_BULLET.sub("", line) for line in lines).split())
        if text:
            paragraphs.append(text)
    return "\n\n".join(paragraphs)


def real_texts(n: int | None = None) -> list[str]:
    """Up to ``n`` (all if None) cleaned English documentation pages shipped with CPython
    (``pydoc_data.topics``), sorted by topic name (CPython 3.11: 77 pages, 280k characters)."""
    from pydoc_data.topics import topics

    texts = [text for text in (_clean(topics[key]) for key in sorted(topics)) if len(text) >= 200]
    return texts if n is None else texts[:n]
