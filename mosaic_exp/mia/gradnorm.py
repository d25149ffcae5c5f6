"""Gradnorm: the norm of the gradient of a text's loss with respect to the model's parameters.

Duan et al. 2024, "Do Membership Inference Attacks Work on Large Language
Models?" (arXiv:2402.17012, the MIMIR benchmark, iamgroot42/mimir,
``gradnorm``). Training drives the loss of a member towards a minimum, where
its gradient is small; so the score is the *negated* norm (higher = member).

The loss is the mean negative log-likelihood of tokens 1..n-1 (as MIMIR and
as :func:`~mosaic_exp.mia.forward.token_scores`: the first token is not
predicted). The norm is taken over **all** parameters, concatenated into one
vector: ``‖∇θ L‖_p`` with ``p`` = 2 by default, the gradient norm of the
optimisation literature. MIMIR instead averages the per-tensor norms (with
``p`` = ∞ by default); ``average_tensors=True`` and ``p=inf`` give that
variant. The SoK benchmark (computationalprivacy/mia_llms_benchmark) has no
gradient attack.

Per-sequence gradients are batched with ``torch.func``: ``vmap(grad(loss))``
over right-padded rows (causal attention: a real token never sees the padding
after it, and the padding is left out of the loss, so no attention mask is
needed and no data-dependent masking code runs under ``vmap``). That holds
``batch_size`` copies of the gradient in memory at once: lower ``batch_size``
for large models, or ``vectorize=False`` (one backward per sequence).
The model is left as it was: no ``.grad`` is written, the training flag is
restored, and the parameters are neither changed nor made to require grad.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import torch
from torch.func import functional_call, grad, vmap
from transformers import PreTrainedModel

from mosaic_exp.batching import length_sorted_batches, pad_right


def _mean_nll(logits: torch.Tensor, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean negative log-likelihood of the unpadded tokens 1..n-1 of one or more rows (``mask`` marks real tokens)."""
    logp = torch.log_softmax(logits[..., :-1, :].float(), dim=-1)
    picked = logp.gather(-1, ids[..., 1:, None]).squeeze(-1)
    weight = mask[..., 1:].to(picked.dtype)
    return -(picked * weight).sum() / weight.sum()


def _combine(norms: list[torch.Tensor], p: float, average_tensors: bool) -> torch.Tensor:
    """One norm per row from the per-tensor norms ``[rows]`` of every parameter tensor."""
    stacked = torch.stack(norms, dim=-1).double()
    if average_tensors:
        return stacked.mean(-1)
    return torch.linalg.vector_norm(stacked, ord=p, dim=-1)


def _vectorized(model, params, ids, mask, p, average_tensors) -> torch.Tensor:
    def loss(weights: dict[str, torch.Tensor], row: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
        logits = functional_call(model, weights, (row[None],), {"use_cache": False}).logits[0]
        return _mean_nll(logits, row, keep)

    with warnings.catch_warnings():
        # vmap runs attention kernels without a batching rule (SDPA) one row at a time; correct, only slower.
        warnings.filterwarnings("ignore", message="There is a performance drop", category=UserWarning)
        grads = vmap(grad(loss), in_dims=(None, 0, 0))(params, ids, mask)
    norms = [torch.linalg.vector_norm(g.flatten(1).float(), ord=p, dim=1) for g in grads.values()]
    return _combine(norms, p, average_tensors)


def _looped(model, ids, mask, p, average_tensors) -> torch.Tensor:
    params = list(model.parameters())
    rows = []
    for row, keep in zip(ids, mask):
        logits = model(input_ids=row[None], use_cache=False).logits[0]
        grads = torch.autograd.grad(_mean_nll(logits, row, keep), params, allow_unused=True)
        norms = [torch.linalg.vector_norm(g.float(), ord=p) if g is not None else torch.zeros(()) for g in grads]
        rows.append(_combine([n[None].to(ids.device) for n in norms], p, average_tensors))
    return torch.cat(rows)


def gradnorm_scores(
    target: PreTrainedModel,
    token_lists: Sequence[Sequence[int]],
    *,
    batch_size: int = 8,
    pad_id: int = 0,
    p: float = 2.0,
    average_tensors: bool = False,
    vectorize: bool = True,
) -> list[float]:
    """−‖∇θ mean NLL‖_p per sequence, in order (higher = member)."""
    if any(len(s) < 2 for s in token_lists):
        raise ValueError("gradnorm needs at least 2 tokens per sequence (the first one is not predicted)")
    if p not in (1, 2, math.inf):
        raise ValueError(f"gradnorm: p must be 1, 2 or inf, got {p}")
    device = next(target.parameters()).device
    was_training = target.training
    requires = [q.requires_grad for q in target.parameters()]
    out: list[float] = [0.0] * len(token_lists)
    target.eval()
    try:
        # The caller may score under inference_mode (as token_scores does): gradients need it off.
        with torch.inference_mode(False), torch.enable_grad():
            if vectorize:
                params = {name: q.detach() for name, q in target.named_parameters()}
            else:
                for q in target.parameters():
                    q.requires_grad_(True)
            for rows in length_sorted_batches([len(s) for s in token_lists], batch_size):
                ids, mask = pad_right([token_lists[i] for i in rows], pad_id)
                ids, mask = ids.to(device), mask.to(device)
                if vectorize:
                    norms = _vectorized(target, params, ids, mask, p, average_tensors)
                else:
                    norms = _looped(target, ids, mask, p, average_tensors)
                for r, i in enumerate(rows):
                    out[i] = -float(norms[r])
    finally:
        for q, flag in zip(target.parameters(), requires):
            q.requires_grad_(flag)
        target.train(was_training)
    return out
