"""The mask-only forward pass equals the model's own forward at the mask, for every supported family."""

from __future__ import annotations

import pytest
import torch
from transformers import (
    BertConfig,
    BertForMaskedLM,
    GPTNeoXConfig,
    GPTNeoXForCausalLM,
    RobertaConfig,
    RobertaForMaskedLM,
    RoFormerConfig,
    RoFormerForMaskedLM,
)

from mosaic_exp.perturb.mlm_forward import logits_at_mask, supports_mask_only_forward

SIZES = dict(vocab_size=97, hidden_size=32, num_hidden_layers=3, num_attention_heads=4, intermediate_size=64, max_position_embeddings=64)


def _models():
    torch.manual_seed(0)
    yield "bert", BertForMaskedLM(BertConfig(**SIZES))
    yield "roberta", RobertaForMaskedLM(RobertaConfig(**SIZES, pad_token_id=1))
    yield "roformer", RoFormerForMaskedLM(RoFormerConfig(**SIZES, embedding_size=24))
    yield "roformer-rotary-value", RoFormerForMaskedLM(RoFormerConfig(**SIZES, rotary_value=True))
    yield "roformer-1-layer", RoFormerForMaskedLM(RoFormerConfig(**{**SIZES, "num_hidden_layers": 1}))


@pytest.mark.parametrize("name,model", list(_models()), ids=lambda v: v if isinstance(v, str) else "")
def test_logits_at_mask_equal_the_full_forward(name: str, model) -> None:
    model.eval()
    generator = torch.Generator().manual_seed(1)
    lengths = [20, 13, 20, 7, 1]
    ids = torch.randint(5, SIZES["vocab_size"], (len(lengths), max(lengths)), generator=generator)
    mask = torch.zeros_like(ids)
    for row, n in enumerate(lengths):
        mask[row, :n] = 1
        ids[row, n:] = model.config.pad_token_id or 0
    at = torch.tensor([0, 12, 19, 3, 0])

    with torch.no_grad():
        full = model(input_ids=ids, attention_mask=mask).logits[torch.arange(len(at)), at]
    fast = logits_at_mask(model, ids, mask, at)

    assert supports_mask_only_forward(model)
    assert fast.shape == (len(at), SIZES["vocab_size"])
    torch.testing.assert_close(fast, full, rtol=1e-5, atol=1e-5)


def test_other_models_are_refused_with_the_reason() -> None:
    causal = GPTNeoXForCausalLM(
        GPTNeoXConfig(vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32)
    )
    assert not supports_mask_only_forward(causal)
    with pytest.raises(ValueError, match="not a BERT, RoBERTa or RoFormer"):
        logits_at_mask(causal, torch.zeros((1, 3), dtype=torch.long), torch.ones((1, 3)), torch.tensor([1]))


def test_training_mode_is_refused() -> None:
    model = BertForMaskedLM(BertConfig(**SIZES)).train()
    with pytest.raises(ValueError, match="model.eval"):
        logits_at_mask(model, torch.zeros((1, 3), dtype=torch.long), torch.ones((1, 3)), torch.tensor([1]))
