"""Suffix scores from a cached prefix equal a full pass of the whole sequence, on several model families."""

from __future__ import annotations

import pytest
import torch
from transformers import (
    GemmaConfig,
    GemmaForCausalLM,
    GPT2Config,
    GPT2LMHeadModel,
    GPTNeoConfig,
    GPTNeoForCausalLM,
    GPTNeoXConfig,
    GPTNeoXForCausalLM,
    LlamaConfig,
    LlamaForCausalLM,
    MistralConfig,
    MistralForCausalLM,
    PhiConfig,
    PhiForCausalLM,
)

from mosaic_exp.mia.forward import token_scores
from mosaic_exp.mia.prefix_cache import SuffixRequest, suffix_logprobs

V = 50
SMALL = {"vocab_size": V, "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 64}
FAMILIES = {
    "gpt2": lambda: GPT2LMHeadModel(GPT2Config(vocab_size=V, n_embd=32, n_layer=2, n_head=4, n_positions=64)),
    "gpt_neox": lambda: GPTNeoXForCausalLM(GPTNeoXConfig(**SMALL)),
    # Local attention layers with a window shorter than the sequences.
    "gpt_neo": lambda: GPTNeoForCausalLM(
        GPTNeoConfig(vocab_size=V, hidden_size=32, num_layers=2, num_heads=4, attention_types=[[["global", "local"], 1]], window_size=8)
    ),
    "llama": lambda: LlamaForCausalLM(LlamaConfig(**SMALL, num_key_value_heads=2)),
    "mistral_sliding": lambda: MistralForCausalLM(MistralConfig(**SMALL, num_key_value_heads=2, sliding_window=8)),
    "phi": lambda: PhiForCausalLM(PhiConfig(**SMALL)),
    "gemma": lambda: GemmaForCausalLM(GemmaConfig(**SMALL, num_key_value_heads=1, head_dim=8)),
}


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_suffix_scores_equal_full_passes(family: str) -> None:
    torch.manual_seed(0)
    model = FAMILIES[family]().eval()
    gen = torch.Generator().manual_seed(1)
    bases = [torch.randint(1, V, (n,), generator=gen).tolist() for n in (20, 24, 17)]
    requests = []
    for b, base in enumerate(bases):
        for shared in (0, 1, 2, 5, 11, len(base) - 1):
            tail = torch.randint(1, V, (len(base) - shared + (b % 2),), generator=gen).tolist()  # some one token longer
            requests.append(SuffixRequest(b, shared, base[:shared] + tail))
    got = suffix_logprobs(model, bases, requests, batch_size=4, pad_id=0)
    full = token_scores(model, [r.tokens for r in requests], batch_size=4)
    for r, g, f in zip(requests, got, full):
        expected = f.logprobs[max(r.shared - 1, 0) :]
        assert g.shape == expected.shape
        torch.testing.assert_close(g, expected, atol=2e-5, rtol=1e-5)


def test_requests_must_match_their_base() -> None:
    model = FAMILIES["gpt_neox"]().eval()
    with pytest.raises(ValueError, match="does not start with"):
        suffix_logprobs(model, [[1, 2, 3, 4]], [SuffixRequest(0, 3, [1, 2, 9, 4])])
    with pytest.raises(ValueError, match="bad suffix request"):
        suffix_logprobs(model, [[1, 2, 3, 4]], [SuffixRequest(1, 2, [1, 2, 3])])


def test_models_without_a_key_value_cache_get_full_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    import mosaic_exp.mia.prefix_cache as prefix_cache

    torch.manual_seed(0)
    model = FAMILIES["gpt_neox"]().eval()
    base = list(range(1, 13))
    requests = [SuffixRequest(0, 6, base[:6] + [7, 7, 7]), SuffixRequest(0, 0, [3, 4, 5])]
    monkeypatch.setattr(prefix_cache, "_key_values", lambda cache, width: None)
    got = suffix_logprobs(model, [base], requests)
    full = token_scores(model, [r.tokens for r in requests])
    torch.testing.assert_close(got[0], full[0].logprobs[5:])
    torch.testing.assert_close(got[1], full[1].logprobs)
