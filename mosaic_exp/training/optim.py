"""AdamW as the Hugging Face ``Trainer`` builds it.

The paper fine-tuned with the ``Trainer``'s defaults, so this is the recipe:
AdamW (betas 0.9 / 0.999, eps 1e-8) with weight decay on every parameter but
biases and normalization weights. The learning-rate schedule is
``transformers.get_linear_schedule_with_warmup`` itself (see
:class:`mosaic_exp.training.module.LanguageModelModule`).
``tests/test_trainer_equivalence.py`` checks both against a real ``Trainer``.
"""

from __future__ import annotations

import re

import torch
from torch import nn

# Devices with a fused AdamW kernel in every torch this project supports.
FUSED_ADAMW_DEVICES = ("cpu", "cuda")

# Parameters named like this never decay: biases and the weights of LayerNorm /
# RMSNorm layers, which families name `ln_1`, `input_layernorm`, `norm`, `q_norm`, ...
_NO_DECAY_NAMES = re.compile(r"bias|layernorm|rmsnorm|(?:^|\.)norm(?:$|\.)|_norm(?:$|\.)")


def decay_parameter_names(model: nn.Module) -> set[str]:
    """Names of the parameters that weight decay applies to (the ``Trainer``'s rule).

    A parameter is exempt when it belongs to an ``nn.LayerNorm`` or its
    lower-cased name matches a bias or normalization pattern; everything else
    decays, embeddings included.
    """
    exempt: set[str] = set()
    for module_name, module in model.named_modules():
        if isinstance(module, nn.LayerNorm):
            exempt.update(f"{module_name}.{p}" if module_name else p for p, _ in module.named_parameters())
    return {name for name, _ in model.named_parameters() if name not in exempt and not _NO_DECAY_NAMES.search(name.lower())}


def can_fuse_adamw(params: list[nn.Parameter], precision: str | None) -> bool:
    """Whether AdamW may run as one fused kernel per tensor instead of a dozen small ops.

    Same update, several times faster (the ``Trainer`` fuses by default too).
    With fp16 AMP a fused step unscales gradients itself, which Lightning cannot
    combine with gradient clipping, so the plain (foreach) loop runs there;
    bf16 autocast has no scaler (``LanguageModelModule`` clips it itself).
    """
    # Lightning normalizes its precision names ("16" is "16-mixed").
    if precision == "16-mixed":
        return False
    return bool(params) and all(p.is_floating_point() and p.device.type in FUSED_ADAMW_DEVICES for p in params)


def adamw(
    model: nn.Module,
    lr: float,
    weight_decay: float,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    precision: str | None = None,
) -> torch.optim.AdamW:
    """AdamW over the trainable parameters, with decay on :func:`decay_parameter_names` only."""
    decayed = decay_parameter_names(model)
    decay, no_decay = [], []
    for name, param in model.named_parameters():
        if param.requires_grad:
            (decay if name in decayed else no_decay).append(param)
    return torch.optim.AdamW(
        [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=lr,
        betas=betas,
        eps=eps,
        fused=can_fuse_adamw(decay + no_decay, precision),
    )
