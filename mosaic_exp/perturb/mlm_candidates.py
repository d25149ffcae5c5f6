"""Masked-LM replacement candidates for many (canary, position) pairs at once.

For each requested position the canary text is rebuilt with that token
masked, the masked LM proposes its top-k tokens there, and each proposal is
re-tokenized with the target tokenizer (it may become several tokens). All
masked inputs of all canaries go through the encoder in large batches, and
the LM head runs only at the masked positions: the head over a whole
vocabulary costs as much as the encoder at this size. For BERT, RoBERTa and
RoFormer the encoder's last layer also runs at the mask only
(`mlm_forward.logits_at_mask`).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from tqdm import tqdm
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from mosaic_exp.batching import length_sorted_batches, pad_right
from mosaic_exp.perturb.mlm_forward import lm_head, logits_at_mask, supports_mask_only_forward


def masked_text(reference: Sequence[int], position: int, target: PreTrainedTokenizerBase, mask: str) -> str:
    """The canary's text with the token at ``position`` replaced by the mask.

    A space before the original token stays before the mask, where MLMs with
    left-stripping masks (RoBERTa) expect it.
    """
    prefix = target.decode(reference[:position])
    original = target.decode(reference[position : position + 1])
    suffix = target.decode(reference[position + 1 :])
    return prefix + (" " if original[:1].isspace() else "") + mask + suffix


def _encode(texts: list[str], mlm_tok: PreTrainedTokenizerBase, max_len: int) -> tuple[list[list[int]], list[int]]:
    """Token ids and the mask's index for each text, cropped around the mask if too long."""
    ids_list, where = [], []
    for ids in mlm_tok(texts, add_special_tokens=True)["input_ids"]:
        at = ids.index(mlm_tok.mask_token_id)
        if len(ids) > max_len:
            start = min(max(0, at - max_len // 2), len(ids) - max_len)
            ids = ids[start : start + max_len]
            at -= start
        ids_list.append(ids)
        where.append(at)
    return ids_list, where


@torch.inference_mode()
def mlm_topk(
    model: PreTrainedModel,
    mlm_tok: PreTrainedTokenizerBase,
    texts: list[str],
    k: int,
    batch_size: int,
) -> torch.Tensor:
    """Top-``k`` MLM token ids at the mask of every text, ``[len(texts), k]``."""
    device = next(model.parameters()).device
    max_len = min(getattr(model.config, "max_position_embeddings", 512), mlm_tok.model_max_length or 10**9)
    ids_list, where = _encode(texts, mlm_tok, max_len)
    banned = torch.tensor(mlm_tok.all_special_ids, device=device)
    mask_only = supports_mask_only_forward(model)
    head = lm_head(model)
    out = torch.empty((len(texts), k), dtype=torch.long)
    with tqdm(total=len(texts), desc="MLM proposals", unit="copy", disable=None) as bar:
        for rows in length_sorted_batches([len(ids) for ids in ids_list], batch_size):
            batch, attention = pad_right([ids_list[i] for i in rows], mlm_tok.pad_token_id)
            batch, attention = batch.to(device), attention.to(device)
            at = torch.tensor([where[i] for i in rows], device=device)
            picks = torch.arange(len(rows), device=device)
            if mask_only:
                logits = logits_at_mask(model, batch, attention, at)
            elif head is not None:
                hidden = model.base_model(input_ids=batch, attention_mask=attention).last_hidden_state
                logits = head(hidden[picks, at])
            else:
                logits = model(input_ids=batch, attention_mask=attention).logits[picks, at]
            logits[:, banned] = float("-inf")
            out[rows] = logits.topk(k, dim=-1).indices.cpu()
            bar.update(len(rows))
    return out


def replacement_candidates(
    references: list[list[int]],
    positions: list[list[int]],
    target: PreTrainedTokenizerBase,
    model: PreTrainedModel,
    mlm_tok: PreTrainedTokenizerBase,
    k: int,
    batch_size: int,
) -> list[dict[int, list[list[int]]]]:
    """For each canary, position → the top-``k`` proposals as target token lists.

    Proposals that re-tokenize to the original token, or to nothing, are dropped;
    the rest keep their multiplicity, so a pick among them is uniform over the top-k.
    """
    jobs = [(c, p) for c, ps in enumerate(positions) for p in sorted(set(ps))]
    texts = [masked_text(references[c], p, target, mlm_tok.mask_token) for c, p in jobs]
    top = mlm_topk(model, mlm_tok, texts, k, batch_size) if jobs else torch.empty((0, k), dtype=torch.long)
    decoded = {tok: mlm_tok.decode([tok]) for tok in set(top.flatten().tolist())}
    result: list[dict[int, list[list[int]]]] = [{} for _ in references]
    for (c, p), proposals in zip(jobs, top.tolist()):
        original = [references[c][p]]
        options = []
        for tok in proposals:
            ids = target.encode(decoded[tok], add_special_tokens=False)
            if ids and ids != original:
                options.append(ids)
        result[c][p] = options
    return result
