"""The dtype of the weights the optimizer updates.

Checkpoints such as Gemma-2B or Llama-3.2-1B come in bfloat16. AdamW steps of
lr 2e-5 on bfloat16 weights mostly round away (bf16 keeps 8 bits of mantissa:
an update below 1/256 of a weight's size is lost), so a model trained in its
checkpoint's dtype learns far less than the paper's fp32 run. The target is
therefore always trained with fp32 master weights; on a GPU, ``trainer=gpu``
adds bf16 autocast for the matmuls (``precision: bf16-mixed``), which keeps
the master copy in fp32. Training the low-precision weights themselves (the
original scripts' ``--reduced-precision``) is an explicit opt-in.
"""

from __future__ import annotations

import logging

import torch
from transformers import PreTrainedModel

log = logging.getLogger(__name__)

REDUCED_DTYPE = torch.bfloat16


def training_weights(model: PreTrainedModel, reduced_precision: bool = False) -> PreTrainedModel:
    """Casts ``model`` in place to the dtype its weights are trained in: fp32, or bf16 when opted in."""
    dtype = REDUCED_DTYPE if reduced_precision else torch.float32
    loaded = {p.dtype for p in model.parameters() if p.is_floating_point()}
    if reduced_precision:
        log.warning(
            "train.reduced_precision=true: AdamW updates %s weights without an fp32 master copy, so updates "
            "smaller than about 1/256 of a weight are lost (the paper's runs trained fp32 weights)",
            dtype,
        )
    elif loaded - {dtype}:
        log.info(
            "training fp32 master weights of a model loaded as %s (model.dtype=float32 loads an fp32 checkpoint without rounding it first)",
            ", ".join(map(str, sorted(loaded, key=str))),
        )
    return model.to(dtype)
