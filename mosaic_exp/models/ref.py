"""A configured language model with its ``tiny://`` reference resolved: where it is, its cache key, how to load it.

A run's config names up to four LMs (``model``, ``reference``, ``generator``,
``mlm``) and any of them may be ``tiny://NAME``, a model of the locally built
tiny world. :func:`mosaic_exp.pipeline.resolve_models` turns each into a
:class:`ModelRef` once the tiny world exists; stages then take the refs they
need instead of the whole config and the tiny world's directories.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from huggingface_hub import try_to_load_from_cache
from omegaconf import OmegaConf
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


def resolve_name_or_path(name_or_path: str, tiny_models: Mapping[str, str] | None = None) -> str:
    """Turns ``tiny://NAME`` into the directory of the built tiny model; anything else is returned as is."""
    if not name_or_path.startswith(TINY_SCHEME):
        return name_or_path
    name = name_or_path[len(TINY_SCHEME) :]
    if tiny_models is None:
        raise UserError(f"{name_or_path} needs the tiny world; build it first with `python run.py task=prepare`")
    if name not in tiny_models:
        raise UserError(f"unknown tiny model {name_or_path!r}; choose one of {sorted(tiny_models)}")
    return tiny_models[name]


@dataclass(frozen=True)
class ModelRef:
    """An ``LMConfig`` with every ``tiny://`` path resolved; hashable, so it can key caches.

    ``configured`` is ``name_or_path`` as the user wrote it (``tiny://causal_lm``,
    a hub id, a folder) and ``group`` the config group it came from (``model``,
    ``reference``, ...): messages name both so the user knows what to change.
    """

    configured: str
    source: str
    tokenizer_source: str | None = None
    revision: str | None = None
    cache_dir: str | None = None
    dtype: str = "auto"
    trust_remote_code: bool = False
    max_length: int | None = None
    group: str | None = None

    @classmethod
    def resolve(cls, lm: Any, tiny_models: Mapping[str, str] | None = None, group: str | None = None) -> ModelRef:
        """The ref of an ``LMConfig`` node; ``group`` defaults to the node's key in the whole config."""
        if group is None and OmegaConf.is_config(lm):
            group = lm._key()  # model, reference, generator, mlm; None for a detached node
        tokenizer = str(lm.tokenizer) if lm.tokenizer else None
        return cls(
            configured=str(lm.name_or_path),
            source=resolve_name_or_path(str(lm.name_or_path), tiny_models),
            tokenizer_source=resolve_name_or_path(tokenizer, tiny_models) if tokenizer else None,
            revision=lm.revision,
            cache_dir=lm.cache_dir,
            dtype=str(getattr(lm.dtype, "value", lm.dtype)),
            trust_remote_code=bool(lm.trust_remote_code),
            max_length=lm.max_length,
            group=group,
        )

    def at(self, path: str | Path) -> ModelRef:
        """The same load settings for the model saved in ``path`` (its own tokenizer, no revision).

        It no longer comes from its group's ``name_or_path``, so messages name the path alone.
        """
        path = str(path)
        return dataclasses.replace(self, configured=path, source=path, tokenizer_source=None, revision=None, group=None)

    def setting(self, key: str = "name_or_path") -> str:
        """The dotted name of one of its settings in the whole config (``model.name_or_path``), for messages."""
        return f"{self.group}.{key}" if self.group else key

    # --- identity -----------------------------------------------------------------------------

    def spec(self, digests: FileDigests) -> dict[str, Any]:
        """What identifies the LM in a stage key: its resolved location, revision and, for a local folder, its content.

        A model retrained into the same folder is a new model: everything built
        from the old one is rebuilt rather than reused.
        """
        spec: dict[str, Any] = {"name_or_path": self.source, "tokenizer": self.tokenizer_source, "revision": self.revision}
        for key, source in (("content", self.source), ("tokenizer_content", self.tokenizer_source)):
            if source is None:
                continue
            if Path(source).expanduser().is_dir():
                spec[key] = digests.tree(source)["digest"]
            elif (commit := cached_commit(source, self.revision, self.cache_dir)) is not None:
                spec[key] = commit
        return spec

    # --- loading ------------------------------------------------------------------------------

    def config(self) -> PretrainedConfig:
        """The model's Hugging Face config (no weights)."""
        _check_local(self.source, self.setting())
        try:
            return AutoConfig.from_pretrained(
                self.source, revision=self.revision, cache_dir=self.cache_dir, trust_remote_code=self.trust_remote_code
            )
        except OSError as err:
            raise _explain(err, self.source, self.setting()) from err

    def context_length(self) -> int | None:
        """Tokens the LM attends to at once: its config's maximum positions, capped by ``max_length``; None if unknown."""
        config = self.config()
        limits = [getattr(config, k, None) for k in ("max_position_embeddings", "n_positions", "max_sequence_length")]
        limits = [n for n in limits if isinstance(n, int) and n > 0] + ([self.max_length] if self.max_length else [])
        return min(limits) if limits else None

    def load_tokenizer(self) -> PreTrainedTokenizerBase:
        """Its tokenizer (``tokenizer`` if set, else the model's own), with a pad token."""
        source = self.tokenizer_source or self.source
        setting = self.setting("tokenizer" if self.tokenizer_source else "name_or_path")
        _check_local(source, setting)
        try:
            tokenizer = AutoTokenizer.from_pretrained(
                source, revision=self.revision, cache_dir=self.cache_dir, trust_remote_code=self.trust_remote_code
            )
        except OSError as err:
            raise _explain(err, source, setting) from err
        if tokenizer.pad_token is None:
            # Batched scoring pads; padded positions are masked, so any id works.
            tokenizer.pad_token = tokenizer.eos_token
        return tokenizer

    def load_causal(self) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
        """The causal LM and its tokenizer, in eval mode on the CPU."""
        return self._load(masked=False)

    def load_masked(self) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
        """The masked LM and its tokenizer, in eval mode on the CPU."""
        return self._load(masked=True)

    def _load(self, masked: bool) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
        self._check_kind(masked)
        auto_class = AutoModelForMaskedLM if masked else AutoModelForCausalLM
        try:
            model = auto_class.from_pretrained(
                self.source,
                revision=self.revision,
                cache_dir=self.cache_dir,
                dtype="auto" if self.dtype == "auto" else getattr(torch, self.dtype),
                trust_remote_code=self.trust_remote_code,
            )
        except OSError as err:
            raise _explain(err, self.source, self.setting()) from err
        return model.eval(), self.load_tokenizer()

    def _check_kind(self, masked: bool) -> None:
        """Refuses a masked LM where a causal LM is needed and the other way round, naming the slot."""
        config = self.config()
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
                f"{self.setting()}={self.source} is a {'/'.join(architectures) or config.model_type} model, "
                f"not a {'masked' if masked else 'causal'} LM: {need}"
            )


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


def _looks_local(source: str) -> bool:
    """A filesystem path rather than a hub id ("org/name" has one slash and no leading dot or tilde)."""
    return source.startswith(("/", ".", "~")) or source.count("/") > 1 or os.sep != "/" and os.sep in source


def _check_local(source: str, setting: str) -> None:
    # A missing folder would otherwise be reported as an unreachable hub id.
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
