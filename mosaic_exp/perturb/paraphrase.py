"""Paraphrases from an instruction-tuned LM (Hugging Face) or a chat API (OpenAI client)."""

from __future__ import annotations

import logging
import os
import re
from typing import Any

import torch

from mosaic_exp.errors import UserError
from mosaic_exp.models.loading import inference_device, load_causal_lm
from mosaic_exp.perturb.base import PARAPHRASER, TOKENIZER, PerturbationBase, PerturbEnv, Variation

log = logging.getLogger(__name__)

_ITEM = re.compile(r"^\s*(\d+)\s*[.):]\s*(.*)$")


def parse_numbered_list(text: str) -> list[str]:
    """Items of a numbered list (``1. …``, ``2) …``); lines without a number continue the item."""

    def clean(part: str) -> str:
        return part.strip().strip('"\u201c\u201d').strip()

    items: list[str] = []
    for line in text.splitlines():
        match = _ITEM.match(line)
        if match:
            items.append(clean(match.group(2)))
        elif items and clean(line):
            items[-1] = f"{items[-1]} {clean(line)}".strip()
    return [item for item in items if item]


class ParaphraseError(UserError):
    """Too few paraphrases came back, even after the retries."""

    pass


class ChatParaphraser:
    """Asks a chat model for ``n`` paraphrases; retries with twice the budget if too few come back."""

    def __init__(self, prompt: str, temperature: float, top_p: float, max_new_tokens: int, max_retries: int) -> None:
        self.prompt = prompt
        self.temperature = temperature
        self.top_p = top_p
        self.max_new_tokens = max_new_tokens
        self.max_retries = max_retries

    def complete(self, prompt: str, max_new_tokens: int) -> str:
        """The model's answer to ``prompt``, at most ``max_new_tokens`` long."""
        raise NotImplementedError

    def paraphrase(self, text: str, n: int) -> list[str]:
        """``n`` paraphrases of ``text``; raises :class:`ParaphraseError` when the retries run out."""
        budget = self.max_new_tokens
        found: list[str] = []
        for attempt in range(self.max_retries + 1):
            found = parse_numbered_list(self.complete(self.prompt.format(n=n, text=text), budget))
            if len(found) >= n:
                return found[:n]
            log.info("attempt %d: %d of %d paraphrases; retrying with %d tokens", attempt + 1, len(found), n, 2 * budget)
            budget *= 2
        raise ParaphraseError(
            f"only {len(found)} of {n} paraphrases after {self.max_retries + 1} attempts "
            f"(last budget {budget // 2} tokens); raise paraphraser.max_retries or max_new_tokens, or adapt the prompt"
        )


class HFChatParaphraser(ChatParaphraser):
    """Any Hugging Face chat model, prompted through its chat template."""

    def __init__(self, model: Any, seed: int = 0, **settings: Any) -> None:
        super().__init__(**settings)
        self.model, self.tokenizer = load_causal_lm(model)
        self.model.to(inference_device())
        if not self.tokenizer.chat_template:
            raise UserError(f"{model.name_or_path} has no chat template; use an instruction-tuned chat model")
        torch.manual_seed(seed)

    @torch.inference_mode()
    def complete(self, prompt: str, max_new_tokens: int) -> str:
        """One sampled answer through the model's chat template."""
        ids = self.tokenizer.apply_chat_template(
            [{"role": "user", "content": prompt}], add_generation_prompt=True, return_tensors="pt", return_dict=True
        )["input_ids"].to(self.model.device)
        out = self.model.generate(
            ids,
            attention_mask=torch.ones_like(ids),
            do_sample=True,
            temperature=self.temperature,
            top_p=self.top_p,
            max_new_tokens=max_new_tokens,
            pad_token_id=self.tokenizer.pad_token_id,
        )
        return self.tokenizer.decode(out[0, ids.shape[1] :], skip_special_tokens=True)


class OpenAIParaphraser(ChatParaphraser):
    """A chat-completions API through the official ``openai`` client."""

    def __init__(
        self,
        model: str,
        base_url: str | None = None,
        api_key_env: str = "OPENAI_API_KEY",
        timeout_s: float = 120.0,
        seed: int | None = None,
        **settings: Any,
    ) -> None:
        super().__init__(**settings)
        try:
            import openai  # optional: only this paraphraser needs it
        except ImportError as err:
            raise UserError("paraphraser=openai needs the openai client: pip install 'mosaic-exp[openai]'") from err

        key = os.environ.get(api_key_env)
        if not key:
            raise UserError(f"set the API key in the environment variable {api_key_env} (paraphraser.api_key_env)")
        self.client = openai.OpenAI(api_key=key, base_url=base_url, timeout=timeout_s)
        self.model = model
        self.seed = seed

    def complete(self, prompt: str, max_new_tokens: int) -> str:
        """One chat completion."""
        response = self.client.chat.completions.create(
            model=self.model,
            messages=[{"role": "user", "content": prompt}],
            temperature=self.temperature,
            top_p=self.top_p,
            max_tokens=max_new_tokens,
            seed=self.seed,
        )
        return response.choices[0].message.content or ""


class Paraphrase(PerturbationBase):
    """``n_variations`` paraphrases of each canary, re-tokenized with the target tokenizer."""

    # The canary is decoded for the paraphraser and its answers encoded back with the target tokenizer.
    needs = frozenset({TOKENIZER, PARAPHRASER})

    def generate(self, references: list[list[int]], env: PerturbEnv) -> list[list[Variation]]:
        """Asks the paraphraser for every canary in turn (one request each)."""
        paraphraser = env.load_paraphraser()
        out = []
        for i, ref in enumerate(self.each(references)):
            texts = paraphraser.paraphrase(env.tokenizer.decode(ref), self.n_variations)
            log.info("paraphrased canary %d/%d", i + 1, len(references))
            out.append([Variation.of(ref, env.tokenizer.encode(t, add_special_tokens=False)) for t in texts])
        return out
