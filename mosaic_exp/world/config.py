"""Config of the tiny world (``conf/tiny_world/``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from mosaic_exp.config.ranges import bounded


@dataclass
class TokenizerConfig:
    """Size of the tiny world's byte-level BPE."""

    vocab_size: int = bounded(4096, gt=261, le=65535, hint="256 bytes and 5 special tokens, ids stored as uint16")
    min_frequency: int = bounded(2, ge=1)


@dataclass
class ArchConfig:
    """Size of a tiny transformer (GPT-NeoX causal LM or RoFormer masked LM)."""

    hidden_size: int = bounded(128, ge=1)
    num_layers: int = bounded(4, ge=1)
    num_heads: int = bounded(4, ge=1)
    intermediate_size: int = bounded(512, ge=1)
    # Tokens per training example, special tokens included.
    context_length: int = bounded(256, ge=2)


@dataclass
class PretrainConfig:
    """Training budget of one tiny model."""

    max_steps: int = bounded(300, ge=1)
    batch_size: int = bounded(16, ge=1)
    lr: float = bounded(3e-3, gt=0)
    weight_decay: float = bounded(0.01, ge=0)
    warmup_steps: int = bounded(30, ge=0)
    val_fraction: float = bounded(0.05, ge=0, lt=1)
    accelerator: str = "cpu"


@dataclass
class TinyWorldConfig:
    """Sizes and training budgets of the locally built tiny world."""

    seed: int = 0
    tokenizer: TokenizerConfig = field(default_factory=TokenizerConfig)
    causal_lm: ArchConfig = field(default_factory=ArchConfig)
    mlm: ArchConfig = field(default_factory=lambda: ArchConfig(num_layers=2, context_length=128))
    causal_pretrain: PretrainConfig = field(default_factory=PretrainConfig)
    mlm_pretrain: PretrainConfig = field(default_factory=lambda: PretrainConfig(max_steps=250, batch_size=32, lr=2e-3, warmup_steps=25))
    mlm_probability: float = bounded(0.15, gt=0, lt=1)
    progress_bar: bool = True
