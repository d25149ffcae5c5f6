"""Architectures of the tiny world, built from config with seeded initial weights."""

from __future__ import annotations

import torch
from transformers import GPTNeoXConfig, GPTNeoXForCausalLM, PreTrainedTokenizerFast, RoFormerConfig, RoFormerForMaskedLM

from mosaic_exp.world.config import ArchConfig


def tiny_causal_lm(arch: ArchConfig, tokenizer: PreTrainedTokenizerFast, seed: int) -> GPTNeoXForCausalLM:
    """A GPT-NeoX-like causal LM; the same seed gives the same initial weights."""
    config = GPTNeoXConfig(
        vocab_size=len(tokenizer),
        hidden_size=arch.hidden_size,
        num_hidden_layers=arch.num_layers,
        num_attention_heads=arch.num_heads,
        intermediate_size=arch.intermediate_size,
        max_position_embeddings=arch.context_length,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=True,
        hidden_dropout=0.0,
        attention_dropout=0.0,
    )
    torch.manual_seed(seed)
    return GPTNeoXForCausalLM(config)


def tiny_masked_lm(arch: ArchConfig, tokenizer: PreTrainedTokenizerFast, seed: int) -> RoFormerForMaskedLM:
    """A BERT/RoBERTa-style masked LM with rotary positions; seeded initial weights.

    At this scale RoBERTa's learned absolute positions leave the model stuck
    for hundreds of steps near the unigram loss (it cannot tell its neighbours
    apart); with rotary positions it learns to use context within the budget.
    """
    config = RoFormerConfig(
        vocab_size=len(tokenizer),
        hidden_size=arch.hidden_size,
        embedding_size=arch.hidden_size,
        num_hidden_layers=arch.num_layers,
        num_attention_heads=arch.num_heads,
        intermediate_size=arch.intermediate_size,
        max_position_embeddings=arch.context_length,
        type_vocab_size=1,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.cls_token_id,
        eos_token_id=tokenizer.sep_token_id,
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
    )
    torch.manual_seed(seed)
    return RoFormerForMaskedLM(config)
