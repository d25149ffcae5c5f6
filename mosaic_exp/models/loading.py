"""Loading any Hugging Face model named by an ``LMConfig`` (or a resolved :class:`ModelRef`).

``name_or_path`` may be a hub id (read from the HF cache when HF_HUB_OFFLINE=1),
a local directory, or ``tiny://NAME`` for a model of the tiny world. The work
is done by :class:`~mosaic_exp.models.ref.ModelRef`; these functions take a
config node and the tiny world's directories for callers that have no ref.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from omegaconf import DictConfig, OmegaConf
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from mosaic_exp.fingerprint import FileDigests
from mosaic_exp.models.ref import TINY_SCHEME, ModelRef, cached_commit, resolve_name_or_path

__all__ = [
    "LM_GROUPS",
    "TINY_SCHEME",
    "ModelRef",
    "as_ref",
    "cached_commit",
    "context_length",
    "inference_device",
    "lm_spec",
    "load_causal_lm",
    "load_masked_lm",
    "load_tokenizer",
    "resolve_name_or_path",
    "resolve_tiny_paths",
    "uses_tiny_world",
]

LM_GROUPS = ("model", "reference", "generator", "mlm")


def uses_tiny_world(cfg: DictConfig) -> bool:
    """Whether any configured LM is a tiny-world model."""
    return any(str(cfg[group].name_or_path).startswith(TINY_SCHEME) for group in LM_GROUPS)


def as_ref(lm: Any, tiny_models: Mapping[str, str] | None = None) -> ModelRef:
    """``lm`` itself when it is a ref, else the ref of the ``LMConfig`` node."""
    return lm if isinstance(lm, ModelRef) else ModelRef.resolve(lm, tiny_models)


def context_length(lm: Any, tiny_models: Mapping[str, str] | None = None) -> int | None:
    """Tokens the LM attends to at once (see :meth:`ModelRef.context_length`)."""
    return as_ref(lm, tiny_models).context_length()


def load_tokenizer(lm: Any, tiny_models: Mapping[str, str] | None = None) -> PreTrainedTokenizerBase:
    """The tokenizer of ``lm`` (``lm.tokenizer`` if set, else the model's own)."""
    return as_ref(lm, tiny_models).load_tokenizer()


def load_causal_lm(lm: Any, tiny_models: Mapping[str, str] | None = None) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """A causal LM and its tokenizer, in eval mode on the CPU."""
    return as_ref(lm, tiny_models).load_causal()


def load_masked_lm(lm: Any, tiny_models: Mapping[str, str] | None = None) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """A masked LM and its tokenizer, in eval mode on the CPU."""
    return as_ref(lm, tiny_models).load_masked()


def lm_spec(lm: Any, tiny_models: Mapping[str, str] | None, digests: FileDigests) -> dict:
    """What identifies an LM in a stage key (see :meth:`ModelRef.spec`)."""
    return as_ref(lm, tiny_models).spec(digests)


def inference_device() -> torch.device:
    """The GPU when there is one, else the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def resolve_tiny_paths(node: Any, tiny_models: Mapping[str, str] | None) -> Any:
    """A plain copy of a config node with every ``tiny://`` model path resolved (e.g. a paraphraser's model)."""
    plain = OmegaConf.to_container(node, resolve=True) if OmegaConf.is_config(node) else node

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, str) and value.startswith(TINY_SCHEME):
            return resolve_name_or_path(value, tiny_models)
        return value

    return OmegaConf.create(walk(plain))
