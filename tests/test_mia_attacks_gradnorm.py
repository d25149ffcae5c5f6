"""gradnorm against a plain per-sequence loss.backward() on a tiny random GPT-NeoX, and the model left untouched."""

from __future__ import annotations

import math

import pytest
import torch
from transformers import GPTNeoXConfig, GPTNeoXForCausalLM

from mosaic_exp.mia.gradnorm import gradnorm_scores

SEQUENCES = [[1, 5, 9, 2, 7], [3, 4], [8, 8, 8, 1, 2, 3, 60, 11], [10, 20, 30], [63, 0, 5, 5, 5, 5]]


@pytest.fixture(scope="module")
def model() -> GPTNeoXForCausalLM:
    torch.manual_seed(0)
    config = GPTNeoXConfig(vocab_size=64, hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64)
    return GPTNeoXForCausalLM(config).train()  # train mode: gradnorm must switch dropout off and back


def _reference(model: GPTNeoXForCausalLM, tokens: list[int], p: float = 2.0, average: bool = False) -> float:
    """Plain backward of the mean NLL of tokens 1..n-1 of one sequence; the norm over all parameter grads."""
    model.eval()
    model.zero_grad()
    ids = torch.tensor([tokens])
    logp = torch.log_softmax(model(input_ids=ids).logits[0, :-1], dim=-1)
    loss = -logp[torch.arange(len(tokens) - 1), ids[0, 1:]].mean()
    loss.backward()
    grads = [q.grad for q in model.parameters()]
    if average:
        norm = torch.stack([torch.linalg.vector_norm(g, ord=p) for g in grads]).mean()
    else:
        norm = torch.linalg.vector_norm(torch.cat([g.flatten() for g in grads]), ord=p)
    model.zero_grad(set_to_none=True)
    model.train()
    return -float(norm)


@pytest.mark.parametrize("vectorize", [True, False])
@pytest.mark.parametrize("batch_size", [1, 3, 8])
def test_gradnorm_equals_per_sample_backward(model: GPTNeoXForCausalLM, vectorize: bool, batch_size: int) -> None:
    expected = [_reference(model, s) for s in SEQUENCES]
    got = gradnorm_scores(model, SEQUENCES, batch_size=batch_size, pad_id=0, vectorize=vectorize)
    assert got == pytest.approx(expected, rel=1e-4)
    assert all(g < 0 for g in got)


@pytest.mark.parametrize(("p", "average"), [(1.0, False), (math.inf, False), (math.inf, True)])
def test_gradnorm_other_norms(model: GPTNeoXForCausalLM, p: float, average: bool) -> None:
    expected = [_reference(model, s, p, average) for s in SEQUENCES]
    got = gradnorm_scores(model, SEQUENCES, batch_size=4, p=p, average_tensors=average)
    assert got == pytest.approx(expected, rel=1e-4)


def test_gradnorm_leaves_model_unchanged(model: GPTNeoXForCausalLM) -> None:
    before = {n: q.detach().clone() for n, q in model.named_parameters()}
    model.gpt_neox.embed_in.weight.requires_grad_(False)  # a frozen tensor stays frozen
    try:
        with torch.inference_mode():  # as callers score: gradnorm must still get its gradients
            gradnorm_scores(model, SEQUENCES, batch_size=2)
        gradnorm_scores(model, SEQUENCES, batch_size=2, vectorize=False)
        assert model.training
        assert all(q.grad is None for q in model.parameters())
        assert not model.gpt_neox.embed_in.weight.requires_grad
        assert all(q.requires_grad for n, q in model.named_parameters() if n != "gpt_neox.embed_in.weight")
        assert all(torch.equal(before[n], q) for n, q in model.named_parameters())
    finally:
        model.gpt_neox.embed_in.weight.requires_grad_(True)


def test_gradnorm_rejects_bad_input(model: GPTNeoXForCausalLM) -> None:
    with pytest.raises(ValueError, match="at least 2 tokens"):
        gradnorm_scores(model, [[1]])
    with pytest.raises(ValueError, match="p must be"):
        gradnorm_scores(model, SEQUENCES, p=3)
