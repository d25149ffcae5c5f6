"""Masked-LM logits at one mask per sequence, for BERT, RoBERTa and RoFormer encoders.

A masked copy of a canary needs the model's prediction at a single position.
Every layer but the last must still run at every position (the mask reaches
every position through attention), but the last layer only matters at the
mask: there it needs the keys and values of every position and the query,
attention output and feed-forward of the mask alone. Before the first
attention, positions depend only on their token and position, so the first
layer's projections are computed once per distinct (token, position) of a
batch, which holds copies of the same few canaries. With the LM head also run
at the mask only, a two-layer encoder does about a fifth of the work of a full
forward pass, and the logits are the same up to float rounding.

The encoder is evaluated here from the model's own modules (the same weights,
the same layer structure), with PyTorch's fused attention, so it works for any
checkpoint of the supported families; other models use the full forward pass.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from transformers import PreTrainedModel

SUPPORTED = ("bert", "roberta", "roformer")


def supports_mask_only_forward(model: PreTrainedModel) -> bool:
    """Whether :func:`logits_at_mask` can evaluate this model exactly."""
    config = model.config
    return (
        config.model_type in SUPPORTED
        and not config.is_decoder
        and getattr(config, "position_embedding_type", "absolute") == "absolute"
        and lm_head(model) is not None
    )


def lm_head(model: PreTrainedModel) -> nn.Module | None:
    """The LM head on top of the encoder, when the model has exactly one."""
    heads = [m for name, m in model.named_children() if name != model.base_model_prefix]
    return heads[0] if len(heads) == 1 else None


class _Rotary:
    """RoFormer's rotary position encoding of queries and keys (pairs of features rotated together)."""

    def __init__(self, table: torch.Tensor, length: int) -> None:
        sin, cos = table[:length].chunk(2, dim=-1)
        self.sin = torch.repeat_interleave(sin, 2, dim=-1)  # [length, head_dim]
        self.cos = torch.repeat_interleave(cos, 2, dim=-1)

    def __call__(self, x: torch.Tensor, positions: torch.Tensor | None = None) -> torch.Tensor:
        """Rotate ``x`` (``[..., head_dim]``) at ``positions``, shaped to broadcast against ``x.shape[:-1]``
        (by default ``x``'s second-to-last axis is the position)."""
        sin, cos = (self.sin, self.cos) if positions is None else (self.sin[positions], self.cos[positions])
        rotated = torch.stack([-x[..., 1::2], x[..., ::2]], dim=-1).reshape_as(x)
        return x * cos + rotated * sin


def _heads(x: torch.Tensor, n_heads: int) -> torch.Tensor:
    """``[batch, n, hidden]`` → ``[batch, heads, n, head_dim]``."""
    batch, n, hidden = x.shape
    return x.view(batch, n, n_heads, hidden // n_heads).transpose(1, 2)


QKV = tuple[torch.Tensor, torch.Tensor, torch.Tensor]


def _shared_projections(
    attention: nn.Module, hidden: torch.Tensor, input_ids: torch.Tensor, n_heads: int, rotary: _Rotary | None, rotary_value: bool
) -> QKV:
    """The first layer's queries, keys and values, computed once per distinct (token, position) of the batch.

    Before the first attention every position depends only on its token and
    position, and copies of one canary masked at different places share all
    but a token or two: a batch of them repeats the same few hundred rows.
    """
    batch, width, dim = hidden.shape
    key = (input_ids * width + torch.arange(width, device=hidden.device)).flatten()
    distinct, inverse = torch.unique(key, return_inverse=True)
    first = torch.empty(len(distinct), dtype=torch.long, device=hidden.device)
    first[inverse] = torch.arange(key.numel(), device=hidden.device)  # any occurrence: they are all equal
    rows, positions = hidden.reshape(-1, dim)[first], (first % width)[:, None]

    def project(linear: nn.Module, rotate: bool) -> torch.Tensor:
        x = linear(rows).view(len(distinct), n_heads, dim // n_heads)
        if rotate:
            x = rotary(x, positions)
        return x[inverse].view(batch, width, n_heads, -1).transpose(1, 2)

    rotated = rotary is not None
    return project(attention.query, rotated), project(attention.key, rotated), project(attention.value, rotated and rotary_value)


def _projections(
    attention: nn.Module,
    rows: torch.Tensor,
    hidden: torch.Tensor,
    n_heads: int,
    rotary: _Rotary | None,
    rotary_value: bool,
    at: torch.Tensor | None,
) -> QKV:
    """Queries of ``rows`` (at positions ``at``, or every position), keys and values of every position of ``hidden``."""
    q, k, v = (_heads(attention.query(rows), n_heads), _heads(attention.key(hidden), n_heads), _heads(attention.value(hidden), n_heads))
    if rotary is not None:
        q, k = rotary(q, None if at is None else at[:, None, None]), rotary(k)
        if rotary_value:
            v = rotary(v)
    return q, k, v


def _layer(
    layer: nn.Module,
    hidden: torch.Tensor,
    keep: torch.Tensor,
    n_heads: int,
    rotary: _Rotary | None,
    rotary_value: bool,
    at: torch.Tensor | None = None,
    shared: QKV | None = None,
) -> torch.Tensor:
    """One post-LayerNorm encoder layer; at every position, or (``at`` given) only at ``hidden[b, at[b]]``.

    ``shared``: the layer's rotated queries, keys and values at every position, when already computed.
    """
    attention = layer.attention
    picks = None if at is None else torch.arange(len(at), device=hidden.device)
    rows = hidden if at is None else hidden[picks, at][:, None]
    if shared is None:
        q, k, v = _projections(attention.self, rows, hidden, n_heads, rotary, rotary_value, at)
    else:
        q, k, v = shared
        if at is not None:
            q = q[picks, :, at][:, :, None]
    context = F.scaled_dot_product_attention(q, k, v, attn_mask=keep[:, None, None, :])
    context = context.transpose(1, 2).reshape(rows.shape)
    attended = attention.output.LayerNorm(attention.output.dense(context) + rows)
    inner = layer.intermediate.intermediate_act_fn(layer.intermediate.dense(attended))
    return layer.output.LayerNorm(layer.output.dense(inner) + attended)


@torch.inference_mode()
def logits_at_mask(model: PreTrainedModel, input_ids: torch.Tensor, attention_mask: torch.Tensor, at: torch.Tensor) -> torch.Tensor:
    """LM logits ``[batch, vocab]`` of right-padded sequences at position ``at[b]`` of row ``b``.

    Equal, up to float rounding, to ``model(input_ids, attention_mask).logits[b, at[b]]``.
    """
    if not supports_mask_only_forward(model):
        raise ValueError(f"{type(model).__name__} is not a BERT, RoBERTa or RoFormer masked LM with absolute or rotary positions")
    if model.training:
        raise ValueError("logits_at_mask evaluates the model without dropout: call model.eval() first")
    config, base = model.config, model.base_model
    hidden = base.embeddings(input_ids=input_ids)
    if hasattr(base, "embeddings_project"):
        hidden = base.embeddings_project(hidden)
    rotary = _Rotary(base.encoder.embed_positions.weight, input_ids.shape[1]) if config.model_type == "roformer" else None
    rotary_value = bool(getattr(config, "rotary_value", False))
    keep = attention_mask.bool()
    heads, layers = config.num_attention_heads, list(base.encoder.layer)
    shared = _shared_projections(layers[0].attention.self, hidden, input_ids, heads, rotary, rotary_value)
    for i, layer in enumerate(layers):
        last = i == len(layers) - 1
        hidden = _layer(layer, hidden, keep, heads, rotary, rotary_value, at=at if last else None, shared=shared if i == 0 else None)
    return lm_head(model)(hidden[:, 0])
