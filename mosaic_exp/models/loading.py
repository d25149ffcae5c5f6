"""Loading any Hugging Face model named by an ``LMConfig``.

``name_or_path`` may be a hub id (read from the HF cache when HF_HUB_OFFLINE=1),
a local directory, or ``tiny://NAME`` for a model of the tiny world.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from huggingface_hub import try_to_load_from_cache
from omegaconf import DictConfig, OmegaConf
from transformers import (
    AutoConfig,
    AutoModelForCausalLM,
    AutoModelForMaskedLM,
    AutoTokenizer,
    PretrainedConfig,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)
from transformers.models.auto.modeling_auto import MODEL_FOR_CAUSAL_LM_MAPPING_NAMES, MODEL_FOR_MASKED_LM_MAPPING_NAMES

from mosaic_exp.errors import MissingInput, UserError
from mosaic_exp.fingerprint import FileDigests

TINY_SCHEME = "tiny://"
LM_GROUPS = ("model", "reference", "generator", "mlm")


def uses_tiny_world(cfg: DictConfig) -> bool:
    """Whether any configured LM is a tiny-world model."""
    return any(str(cfg[group].name_or_path).startswith(TINY_SCHEME) for group in LM_GROUPS)


def resolve_name_or_path(name_or_path: str, tiny_models: Mapping[str, str] | None = None) -> str:
    """Turns ``tiny://NAME`` into the directory of the built tiny model."""
    if not name_or_path.startswith(TINY_SCHEME):
        return name_or_path
    name = name_or_path[len(TINY_SCHEME) :]
    if tiny_models is None:
        raise UserError(f"{name_or_path} needs the tiny world; build it first with `python run.py task=prepare`")
    if name not in tiny_models:
        raise UserError(f"unknown tiny model {name_or_path!r}; choose one of {sorted(tiny_models)}")
    return tiny_models[name]


def _dtype(name: str) -> torch.dtype | str:
    return "auto" if name == "auto" else getattr(torch, name)


def _setting(lm: DictConfig, key: str) -> str:
    """The dotted name of ``lm.key`` in the whole config (``model.name_or_path``), for messages."""
    parent = lm._key() if OmegaConf.is_config(lm) else None  # the LM's group: model, reference, generator, ...
    return f"{parent}.{key}" if parent else key


def _looks_local(source: str) -> bool:
    """A filesystem path rather than a hub id ("org/name" has one slash and no leading dot or tilde)."""
    return source.startswith(("/", ".", "~")) or source.count("/") > 1 or os.sep != "/" and os.sep in source


def _check_local(source: str, setting: str) -> None:
    if _looks_local(source) and not Path(source).expanduser().exists():
        raise MissingInput(
            f"{setting}={source}: no such folder ({Path(source).expanduser().resolve()}); "
            "point it at a saved model folder (save_pretrained) or use a hub id"
        )


def _explain(err: OSError, what: str, setting: str) -> UserError:
    offline = os.environ.get("HF_HUB_OFFLINE", "0") not in ("0", "", "false", "False")
    hint = (
        "HF_HUB_OFFLINE is set, so only the local HF cache is read: download it once where there is "
        f"network (`hf download {what}`) or point {setting} at a local folder"
        if offline
        else "check the hub id, your access to gated models (`hf auth login`), or use a local folder"
    )
    return UserError(f"{setting}={what}: cannot load it: {err}\n{hint}")


def _config(lm: DictConfig, source: str) -> PretrainedConfig:
    try:
        return AutoConfig.from_pretrained(source, revision=lm.revision, cache_dir=lm.cache_dir, trust_remote_code=lm.trust_remote_code)
    except OSError as err:
        raise _explain(err, source, _setting(lm, "name_or_path")) from err


def _check_kind(source: str, lm: DictConfig, masked: bool) -> None:
    """Refuses a masked LM where a causal LM is needed and the other way round, naming the slot."""
    config = _config(lm, source)
    wanted = MODEL_FOR_MASKED_LM_MAPPING_NAMES if masked else MODEL_FOR_CAUSAL_LM_MAPPING_NAMES
    architectures = config.architectures or []
    if architectures:
        fits = any(a in wanted.values() or a.endswith("ForMaskedLM" if masked else "ForCausalLM") for a in architectures)
    else:
        fits = config.model_type in wanted
    if not fits:
        need = (
            "mlm needs a masked LM (BERT, RoBERTa, ...)"
            if masked
            else "model, reference and generator need a causal LM (GPT-Neo, Pythia, Llama, ...); a masked LM goes to mlm"
        )
        raise UserError(
            f"{_setting(lm, 'name_or_path')}={source} is a {'/'.join(architectures) or config.model_type} model, "
            f"not a {'masked' if masked else 'causal'} LM: {need}"
        )


def context_length(lm: DictConfig, tiny_models: Mapping[str, str] | None = None) -> int | None:
    """Tokens the LM attends to at once: its config's maximum positions, capped by ``lm.max_length``; None if unknown."""
    source = resolve_name_or_path(str(lm.name_or_path), tiny_models)
    _check_local(source, _setting(lm, "name_or_path"))
    config = _config(lm, source)
    limits = [getattr(config, k, None) for k in ("max_position_embeddings", "n_positions", "max_sequence_length")]
    limits = [n for n in limits if isinstance(n, int) and n > 0] + ([lm.max_length] if lm.max_length else [])
    return min(limits) if limits else None


def load_tokenizer(lm: DictConfig, tiny_models: Mapping[str, str] | None = None) -> PreTrainedTokenizerBase:
    """The tokenizer of ``lm`` (``lm.tokenizer`` if set, else the model's own)."""
    source = resolve_name_or_path(str(lm.tokenizer or lm.name_or_path), tiny_models)
    _check_local(source, _setting(lm, "tokenizer" if lm.tokenizer else "name_or_path"))
    try:
        tokenizer = AutoTokenizer.from_pretrained(
            source, revision=lm.revision, cache_dir=lm.cache_dir, trust_remote_code=lm.trust_remote_code
        )
    except OSError as err:
        raise _explain(err, source, _setting(lm, "tokenizer" if lm.tokenizer else "name_or_path")) from err
    if tokenizer.pad_token is None:
        # Batched scoring pads; padded positions are masked, so any id works.
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def _load(auto_class, lm: DictConfig, tiny_models: Mapping[str, str] | None) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    source = resolve_name_or_path(str(lm.name_or_path), tiny_models)
    _check_local(source, _setting(lm, "name_or_path"))
    _check_kind(source, lm, masked=auto_class is AutoModelForMaskedLM)
    try:
        model = auto_class.from_pretrained(
            source,
            revision=lm.revision,
            cache_dir=lm.cache_dir,
            dtype=_dtype(str(getattr(lm.dtype, "value", lm.dtype))),
            trust_remote_code=lm.trust_remote_code,
        )
    except OSError as err:
        raise _explain(err, source, _setting(lm, "name_or_path")) from err
    return model.eval(), load_tokenizer(lm, tiny_models)


def load_causal_lm(lm: DictConfig, tiny_models: Mapping[str, str] | None = None) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """A causal LM and its tokenizer, in eval mode on the CPU."""
    return _load(AutoModelForCausalLM, lm, tiny_models)


def load_masked_lm(lm: DictConfig, tiny_models: Mapping[str, str] | None = None) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """A masked LM and its tokenizer, in eval mode on the CPU."""
    return _load(AutoModelForMaskedLM, lm, tiny_models)


def inference_device() -> torch.device:
    """The GPU when there is one, else the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def lm_spec(lm: DictConfig, tiny_models: Mapping[str, str] | None, digests: FileDigests) -> dict:
    """What identifies an LM in a stage key: its resolved location, revision and, for a local folder, its content.

    A model retrained into the same folder is a new model: everything built
    from the old one is rebuilt rather than reused.
    """
    model = resolve_name_or_path(str(lm.name_or_path), tiny_models)
    tokenizer = resolve_name_or_path(str(lm.tokenizer), tiny_models) if lm.tokenizer else None
    spec: dict[str, Any] = {"name_or_path": model, "tokenizer": tokenizer, "revision": lm.revision}
    for key, source in (("content", model), ("tokenizer_content", tokenizer)):
        if source is None:
            continue
        if Path(source).expanduser().is_dir():
            spec[key] = digests.tree(source)["digest"]
        elif (commit := cached_commit(source, lm.revision, lm.cache_dir)) is not None:
            spec[key] = commit
    return spec


def cached_commit(repo_id: str, revision: str | None, cache_dir: str | None) -> str | None:
    """The commit of the hub model's snapshot that loading would read from the local HF cache, if any.

    A hub id names whatever its branch points to; the snapshot's commit hash
    names the weights, so a newer download of ``main`` is a new model.
    """
    try:
        path = try_to_load_from_cache(repo_id, "config.json", revision=revision, cache_dir=cache_dir)
    except ValueError:  # not a valid repo id: nothing cached under it
        return None
    return Path(path).parent.name if isinstance(path, str) else None


def resolve_tiny_paths(node: Any, tiny_models: Mapping[str, str] | None) -> Any:
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
