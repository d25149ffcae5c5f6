"""Loading any Hugging Face model named by an ``LMConfig``.

``name_or_path`` may be a hub id (read from the HF cache when HF_HUB_OFFLINE=1),
a local directory, or ``tiny://NAME`` for a model of the tiny world.
"""

from __future__ import annotations

import os
from typing import Any, Mapping, Optional

import torch
from omegaconf import DictConfig, OmegaConf
from transformers import AutoModelForCausalLM, AutoModelForMaskedLM, AutoTokenizer, PreTrainedModel, PreTrainedTokenizerBase

TINY_SCHEME = "tiny://"
LM_GROUPS = ("model", "reference", "generator", "mlm")


def uses_tiny_world(cfg: DictConfig) -> bool:
    """Whether any configured LM is a tiny-world model."""
    return any(str(cfg[group].name_or_path).startswith(TINY_SCHEME) for group in LM_GROUPS)


def resolve_name_or_path(name_or_path: str, tiny_models: Optional[Mapping[str, str]] = None) -> str:
    """Turns ``tiny://NAME`` into the directory of the built tiny model."""
    if not name_or_path.startswith(TINY_SCHEME):
        return name_or_path
    name = name_or_path[len(TINY_SCHEME):]
    if tiny_models is None:
        raise ValueError(f"{name_or_path} needs the tiny world; build it first with `python run.py task=prepare`")
    if name not in tiny_models:
        raise ValueError(f"unknown tiny model {name_or_path!r}; choose one of {sorted(tiny_models)}")
    return tiny_models[name]


def _dtype(name: str) -> torch.dtype | str:
    return "auto" if name == "auto" else getattr(torch, name)


def _explain(err: OSError, what: str) -> OSError:
    offline = os.environ.get("HF_HUB_OFFLINE", "0") not in ("0", "", "false", "False")
    hint = (
        "HF_HUB_OFFLINE is set, so only the local HF cache is read: download it once where there is "
        f"network (`hf download {what}`) or point name_or_path at a local directory"
        if offline
        else "check the hub id, your access to gated models (`hf auth login`), or use a local directory"
    )
    return OSError(f"cannot load {what!r}: {err}\n{hint}")


def load_tokenizer(lm: DictConfig, tiny_models: Optional[Mapping[str, str]] = None) -> PreTrainedTokenizerBase:
    """The tokenizer of ``lm`` (``lm.tokenizer`` if set, else the model's own)."""
    source = resolve_name_or_path(str(lm.tokenizer or lm.name_or_path), tiny_models)
    try:
        tokenizer = AutoTokenizer.from_pretrained(
            source, revision=lm.revision, cache_dir=lm.cache_dir, trust_remote_code=lm.trust_remote_code
        )
    except OSError as err:
        raise _explain(err, source) from err
    if tokenizer.pad_token is None:
        # Batched scoring pads; padded positions are masked, so any id works.
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def _load(auto_class, lm: DictConfig, tiny_models: Optional[Mapping[str, str]]) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    source = resolve_name_or_path(str(lm.name_or_path), tiny_models)
    try:
        model = auto_class.from_pretrained(
            source,
            revision=lm.revision,
            cache_dir=lm.cache_dir,
            dtype=_dtype(str(getattr(lm.dtype, "value", lm.dtype))),
            trust_remote_code=lm.trust_remote_code,
        )
    except OSError as err:
        raise _explain(err, source) from err
    return model.eval(), load_tokenizer(lm, tiny_models)


def load_causal_lm(lm: DictConfig, tiny_models: Optional[Mapping[str, str]] = None) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """A causal LM and its tokenizer, in eval mode on the CPU."""
    return _load(AutoModelForCausalLM, lm, tiny_models)


def load_masked_lm(lm: DictConfig, tiny_models: Optional[Mapping[str, str]] = None) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """A masked LM and its tokenizer, in eval mode on the CPU."""
    return _load(AutoModelForMaskedLM, lm, tiny_models)


def inference_device() -> torch.device:
    """The GPU when there is one, else the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def lm_spec(lm: DictConfig, tiny_models: Optional[Mapping[str, str]] = None) -> dict:
    """What identifies an LM in a stage key: its resolved location and revision."""
    return {
        "name_or_path": resolve_name_or_path(str(lm.name_or_path), tiny_models),
        "tokenizer": resolve_name_or_path(str(lm.tokenizer), tiny_models) if lm.tokenizer else None,
        "revision": lm.revision,
    }


def resolve_tiny_paths(node: Any, tiny_models: Optional[Mapping[str, str]]) -> Any:
    """A plain copy of a config node with every ``tiny://`` model path resolved."""
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
