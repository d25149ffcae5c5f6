"""Per-token log-probabilities of many sequences, batched by length, one pass per model.

Every attack is a function of what a single forward pass gives: the
log-probability of each token given its prefix and, for min-k%++, the mean
and variance of the log-probability under the model's own next-token
distribution. Sequences are never packed together: each is scored alone,
from its first token (which has no prediction and is not scored).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from tqdm import tqdm
from transformers import PreTrainedModel

from mosaic_exp.batching import length_sorted_batches, pad_right


@dataclass
class TokenScores:
    """For tokens 1..n-1 of one sequence."""

    logprobs: torch.Tensor
    # E[log p(z)] and Var[log p(z)] for z ~ p(. | prefix); empty unless asked for.
    mean: torch.Tensor
    var: torch.Tensor


@torch.inference_mode()
def token_scores(
    model: PreTrainedModel,
    sequences: Sequence[Sequence[int]],
    batch_size: int = 32,
    moments: bool = False,
    pad_id: int = 0,
    progress: str | None = None,
) -> list[TokenScores]:
    """Scores every sequence with ``model``; batches hold sequences of similar length.

    ``progress`` names a progress bar (shown on a terminal only); None shows
    none, as during training, where Lightning's bar is on screen.
    """
    if any(len(s) < 2 for s in sequences):
        raise ValueError("every scored sequence needs at least 2 tokens (the first one is not predicted)")
    device = next(model.parameters()).device
    out: list[TokenScores | None] = [None] * len(sequences)
    with tqdm(total=len(sequences), desc=progress, unit="seq", disable=None if progress else True) as bar:
        for rows in length_sorted_batches([len(s) for s in sequences], batch_size):
            ids, attention = pad_right([sequences[i] for i in rows], pad_id)
            ids, attention = ids.to(device), attention.to(device)
            logits = model(input_ids=ids, attention_mask=attention).logits[:, :-1].float()
            logp = torch.log_softmax(logits, dim=-1)
            picked = logp.gather(-1, ids[:, 1:, None]).squeeze(-1)
            if moments:
                p = logp.exp()
                mean = (p * logp).sum(-1)
                var = (p * logp.square()).sum(-1) - mean.square()
            for r, i in enumerate(rows):
                n = len(sequences[i]) - 1
                out[i] = TokenScores(
                    logprobs=picked[r, :n].cpu(),
                    mean=mean[r, :n].cpu() if moments else torch.empty(0),
                    var=var[r, :n].cpu() if moments else torch.empty(0),
                )
            bar.update(len(rows))
    return out  # type: ignore[return-value]
