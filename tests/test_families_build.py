"""The tiny look-alikes of the paper's model families (tests/families.py), built offline.

Each tokenizer kind must load back as its real family's transformers class with
that family's special tokens and encoding behaviour; each model family must load
with its Auto class, run a forward pass at full context and (causal ones) generate.
All of it offline: conftest.py sets HF_HUB_OFFLINE=1 before transformers is imported.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from families import FAMILIES, TOKENIZER_KINDS, build_family, build_model, real_texts, train_tokenizer
from huggingface_hub import is_offline_mode
from omegaconf import OmegaConf
from transformers import AutoTokenizer, PreTrainedTokenizerBase

from mosaic_exp.models.config import LMConfig
from mosaic_exp.models.loading import load_causal_lm, load_masked_lm

CONTEXT = 64
# Frequent enough that merges of digits get learned, so digit grouping shows in tokens.
NUMBERS = "1234567890 " * 200
EMOJI_CJK = "A smiley 😀 and a rare 龘 character."
SENTENCEPIECE = ["sentencepiece_bpe", "gemma_bpe"]
# Kinds whose real tokenizer decodes every text back exactly (BERT lower-cases).
LOSSLESS = [kind for kind in TOKENIZER_KINDS if kind != "wordpiece"]
ROUND_TRIP = [EMOJI_CJK, "two  spaces\tand a tab\n", "x = 1234567890", "x:\n  indented\n\n\nline"]

# kind -> (bos, eos, pad, unk, ids prepended / appended by tokenizer(text), fixed ids)
SPECIALS: dict[str, dict] = {
    "byte_bpe": dict(bos="<|endoftext|>", eos="<|endoftext|>", pad=None, unk="<|endoftext|>", prefix=[], suffix=[]),
    "codegen_bpe": dict(bos="<|endoftext|>", eos="<|endoftext|>", pad=None, unk="<|endoftext|>", prefix=[], suffix=[]),
    "sentencepiece_bpe": dict(
        bos="<s>", eos="</s>", pad=None, unk="<unk>", prefix=["<s>"], suffix=[], ids={"<unk>": 0, "<s>": 1, "</s>": 2}
    ),
    "gemma_bpe": dict(
        bos="<bos>",
        eos="<eos>",
        pad="<pad>",
        unk="<unk>",
        prefix=["<bos>"],
        suffix=[],
        ids={"<pad>": 0, "<eos>": 1, "<bos>": 2, "<unk>": 3, "<mask>": 4},
    ),
    "tiktoken_bpe": dict(bos="<|begin_of_text|>", eos="<|end_of_text|>", pad=None, unk=None, prefix=["<|begin_of_text|>"], suffix=[]),
    "roberta_bpe": dict(
        bos="<s>",
        eos="</s>",
        pad="<pad>",
        unk="<unk>",
        prefix=["<s>"],
        suffix=["</s>"],
        ids={"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3},
    ),
    "wordpiece": dict(
        bos=None,
        eos=None,
        pad="[PAD]",
        unk="[UNK]",
        prefix=["[CLS]"],
        suffix=["[SEP]"],
        ids={"[PAD]": 0, "[UNK]": 100, "[CLS]": 101, "[SEP]": 102, "[MASK]": 103},
    ),
}

# family -> (pad id in the config, tie_word_embeddings)
CONFIGS = {
    "gpt_neo": (False, True),
    "phi": (False, False),
    "llama2": (False, False),
    "gemma": (True, True),
    "llama3": (False, True),
    "roberta": (True, True),
    "bert": (True, True),
}


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return real_texts()


@pytest.fixture(scope="module")
def tokenizer_dirs(tmp_path_factory: pytest.TempPathFactory, texts: list[str]) -> dict[str, Path]:
    assert is_offline_mode(), "these builds must not need the hub"
    root = tmp_path_factory.mktemp("tokenizers")
    return {kind: train_tokenizer(kind, [*texts, NUMBERS], root / kind) for kind in TOKENIZER_KINDS}


@pytest.fixture(scope="module")
def model_dirs(tmp_path_factory: pytest.TempPathFactory, tokenizer_dirs: dict[str, Path]) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("models")
    return {
        family: build_model(family, tokenizer_dirs[spec.kind], root / family, context_length=CONTEXT) for family, spec in FAMILIES.items()
    }


def _load(directory: Path) -> PreTrainedTokenizerBase:
    return AutoTokenizer.from_pretrained(directory)


def test_real_texts_are_cleaned_english(texts: list[str]) -> None:
    assert len(texts) > 50 and texts == real_texts() and real_texts(3) == texts[:3]
    joined = "\n".join(texts)
    assert " the " in joined and "****" not in joined and "::=" not in joined and "  " not in joined


def test_tokenizer_training_is_deterministic(texts: list[str], tmp_path: Path, tokenizer_dirs: dict[str, Path]) -> None:
    again = train_tokenizer("gemma_bpe", [*texts, NUMBERS], tmp_path)
    assert (again / "tokenizer.json").read_bytes() == (tokenizer_dirs["gemma_bpe"] / "tokenizer.json").read_bytes()


@pytest.mark.parametrize("kind", TOKENIZER_KINDS)
def test_tokenizer_loads_as_its_family_class_with_its_special_tokens(kind: str, tokenizer_dirs: dict[str, Path]) -> None:
    tokenizer = _load(tokenizer_dirs[kind])
    expected = SPECIALS[kind]
    assert type(tokenizer).__name__ == TOKENIZER_KINDS[kind].class_name
    assert 500 < len(tokenizer)
    assert (tokenizer.bos_token, tokenizer.eos_token) == (expected["bos"], expected["eos"])
    assert (tokenizer.pad_token, tokenizer.unk_token) == (expected["pad"], expected["unk"])
    for token, token_id in expected.get("ids", {}).items():
        assert tokenizer.convert_tokens_to_ids(token) == token_id, token
    tokens = tokenizer.convert_ids_to_tokens(tokenizer("Hello world").input_ids)
    prefix, suffix = expected["prefix"], expected["suffix"]
    assert tokens[: len(prefix)] == prefix and tokens[len(tokens) - len(suffix) :] == suffix
    body = tokens[len(prefix) : len(tokens) - len(suffix)]
    assert body and not set(body) & set(tokenizer.all_special_tokens)


def test_byte_level_kinds_keep_their_special_tokens_last(tokenizer_dirs: dict[str, Path]) -> None:
    gpt = _load(tokenizer_dirs["byte_bpe"])
    assert gpt.eos_token_id == len(gpt) - 1 and gpt("a<|endoftext|>b").input_ids[1] == gpt.eos_token_id
    # Phi-2: 38 runs of spaces and tabs are added tokens after <|endoftext|>.
    phi = _load(tokenizer_dirs["codegen_bpe"])
    assert phi.eos_token_id == len(phi) - 1 - 38 and "    " in phi.tokenize("if x:\n    return")
    llama3 = _load(tokenizer_dirs["tiktoken_bpe"])
    assert (llama3.bos_token_id, llama3.eos_token_id) == (len(llama3) - 2, len(llama3) - 1)
    roberta = _load(tokenizer_dirs["roberta_bpe"])
    assert roberta.mask_token_id == len(roberta) - 1
    # As in roberta-base, <mask> absorbs the space before it.
    tokens = roberta.convert_ids_to_tokens(roberta("the <mask> of").input_ids)
    assert tokens.count("<mask>") == 1 and tokens[tokens.index("<mask>") - 1].endswith("the")


@pytest.mark.parametrize("kind", SENTENCEPIECE)
def test_sentencepiece_kinds_mark_word_starts_and_fall_back_to_bytes(kind: str, tokenizer_dirs: dict[str, Path]) -> None:
    tokenizer = _load(tokenizer_dirs[kind])
    tokens = tokenizer.convert_ids_to_tokens(tokenizer("the value of the object").input_ids)[1:]
    assert "▁the" in tokens and all(" " not in token for token in tokens)
    # Llama-2 prepends a dummy "▁" to the text, Gemma does not.
    assert tokens[0].startswith("▁") == (kind == "sentencepiece_bpe")
    ids = tokenizer(EMOJI_CJK).input_ids
    tokens = tokenizer.convert_ids_to_tokens(ids)
    assert ["<0xF0>", "<0x9F>", "<0x98>", "<0x80>"] == tokens[tokens.index("<0xF0>") : tokens.index("<0xF0>") + 4]
    assert "<0xE9>" in tokens and tokenizer.unk_token_id not in ids
    assert tokenizer.decode(ids, skip_special_tokens=True) == EMOJI_CJK
    # Both real models split digits: no learned piece holds two of them.
    pieces = [t for t in tokenizer.convert_ids_to_tokens(range(len(tokenizer))) if not t.startswith("<")]
    assert "1" in pieces and all(sum(c.isdigit() for c in piece) <= 1 for piece in pieces)


def test_gemma_kind_has_ids_above_uint16(tokenizer_dirs: dict[str, Path], texts: list[str]) -> None:
    tokenizer = _load(tokenizer_dirs["gemma_bpe"])
    assert len(tokenizer) > 65_536
    ids = tokenizer(texts[0]).input_ids
    assert max(ids) > 65_535 and min(i for i in ids if i != tokenizer.bos_token_id) < 65_536
    # Reserved tokens sit between the byte tokens and the learned pieces.
    assert tokenizer.convert_ids_to_tokens([4 + 256, 5 + 256, 65_000]) == ["<0xFF>", "<unused0>", f"<unused{65_000 - 261}>"]


def test_llama3_kind_groups_digits_by_three_like_its_regex(tokenizer_dirs: dict[str, Path]) -> None:
    llama3 = _load(tokenizer_dirs["tiktoken_bpe"])
    assert llama3.tokenize("1234567890") == ["123", "456", "789", "0"]
    # Like tiktoken, a pre-token found whole in the vocabulary is not merged piecewise.
    assert json.loads(llama3.backend_tokenizer.to_str())["model"]["ignore_merges"] is True
    assert [piece for piece, _ in llama3.backend_tokenizer.pre_tokenizer.pre_tokenize_str("x 12345")] == ["x", "Ġ", "123", "45"]
    # GPT-2's regex keeps a whole number together, so its merges can exceed three digits.
    gpt = _load(tokenizer_dirs["byte_bpe"])
    assert any(len(token) > 3 for token in gpt.tokenize("1234567890"))


@pytest.mark.parametrize("kind", LOSSLESS)
def test_decoding_gives_back_the_text(kind: str, tokenizer_dirs: dict[str, Path], texts: list[str]) -> None:
    tokenizer = _load(tokenizer_dirs[kind])
    for text in [*texts[:5], *ROUND_TRIP]:
        assert tokenizer.decode(tokenizer(text).input_ids, skip_special_tokens=True) == text


def test_llama2_kind_loses_one_leading_space_like_the_real_one(tokenizer_dirs: dict[str, Path]) -> None:
    # Metaspace prepends "▁" only when the text does not start with one, and the
    # decoder strips one leading space: " x" comes back as "x" (as with Llama-2).
    llama2 = _load(tokenizer_dirs["sentencepiece_bpe"])
    assert llama2.decode(llama2(" two").input_ids, skip_special_tokens=True) == "two"
    assert llama2.decode(llama2("  two").input_ids, skip_special_tokens=True) == " two"


def test_wordpiece_kind_lower_cases_and_decodes_words(tokenizer_dirs: dict[str, Path]) -> None:
    bert = _load(tokenizer_dirs["wordpiece"])
    text = "The Assignment of an Object to a target list."
    assert bert.decode(bert(text).input_ids, skip_special_tokens=True) == text.lower()
    assert bert.tokenize("😀") == ["[UNK]"]


def test_unknown_kind_and_tiny_vocab_are_refused(tmp_path: Path, texts: list[str]) -> None:
    with pytest.raises(ValueError, match="unknown tokenizer kind"):
        train_tokenizer("unigram", texts, tmp_path)
    with pytest.raises(ValueError, match="too small"):
        train_tokenizer("byte_bpe", texts, tmp_path, vocab_size=100)


@pytest.mark.parametrize("family", FAMILIES)
def test_model_loads_with_its_auto_class_and_its_tokenizer_ids(family: str, model_dirs: dict[str, Path]) -> None:
    spec = FAMILIES[family]
    model = spec.auto_class.from_pretrained(model_dirs[family])
    tokenizer = _load(model_dirs[family])
    config = model.config
    assert type(model) is spec.model_class and type(tokenizer).__name__ == TOKENIZER_KINDS[spec.kind].class_name
    assert config.vocab_size == len(tokenizer) == model.get_input_embeddings().num_embeddings
    assert model.get_output_embeddings().weight.shape[0] == len(tokenizer)
    has_pad, tied = CONFIGS[family]
    assert config.pad_token_id == (tokenizer.pad_token_id if has_pad else None)
    if spec.head == "causal":
        assert (config.bos_token_id, config.eos_token_id) == (tokenizer.bos_token_id, tokenizer.eos_token_id)
    assert config.tie_word_embeddings == tied
    tied_now = model.get_output_embeddings().weight.data_ptr() == model.get_input_embeddings().weight.data_ptr()
    assert tied_now == tied
    assert tokenizer.model_max_length == CONTEXT
    assert config.max_position_embeddings == CONTEXT + (2 if family == "roberta" else 0)


def test_models_keep_their_family_s_distinctive_options(model_dirs: dict[str, Path]) -> None:
    def config(family: str):
        return FAMILIES[family].auto_class.from_pretrained(model_dirs[family]).config

    assert config("gpt_neo").attention_layers == ["global", "local"]
    assert config("phi").rope_parameters["partial_rotary_factor"] == 0.4
    gemma = config("gemma")
    assert gemma.head_dim * gemma.num_attention_heads != gemma.hidden_size and gemma.num_key_value_heads == 1
    llama3 = config("llama3")
    assert llama3.rope_parameters["rope_type"] == "llama3" and llama3.num_key_value_heads < llama3.num_attention_heads


@pytest.mark.parametrize("family", FAMILIES)
def test_forward_pass_at_full_context_gives_logits_and_a_finite_loss(family: str, model_dirs: dict[str, Path], texts: list[str]) -> None:
    spec = FAMILIES[family]
    tokenizer = _load(model_dirs[family])
    model = spec.auto_class.from_pretrained(model_dirs[family])
    # Long pages truncated to model_max_length: full-length rows, no padding needed.
    batch = tokenizer(texts[1:3], truncation=True, return_tensors="pt")
    assert batch.input_ids.shape == (2, CONTEXT)
    labels = batch.input_ids.clone()
    if spec.head == "masked":
        masked = torch.zeros_like(labels, dtype=torch.bool)
        masked[:, 5::7] = True
        batch["input_ids"] = batch.input_ids.masked_fill(masked, tokenizer.mask_token_id)
        labels[~masked] = -100
    with torch.no_grad():
        out = model(**batch, labels=labels)
    assert out.logits.shape == (2, CONTEXT, len(tokenizer))
    assert torch.isfinite(out.loss) and torch.isfinite(out.logits).all()


@pytest.mark.parametrize("family", [f for f, spec in FAMILIES.items() if spec.head == "causal"])
def test_causal_models_generate(family: str, model_dirs: dict[str, Path]) -> None:
    tokenizer = _load(model_dirs[family])
    model = FAMILIES[family].auto_class.from_pretrained(model_dirs[family])
    prompt = tokenizer(["The assert statement"], return_tensors="pt")
    out = model.generate(**prompt, max_new_tokens=4, min_new_tokens=4, do_sample=False, pad_token_id=tokenizer.eos_token_id)
    assert out.shape == (1, prompt.input_ids.shape[1] + 4)
    assert torch.equal(out[:, : prompt.input_ids.shape[1]], prompt.input_ids)


@pytest.mark.parametrize("family", FAMILIES)
def test_the_project_loads_a_built_directory_as_name_or_path(family: str, model_dirs: dict[str, Path]) -> None:
    lm = OmegaConf.structured(LMConfig(name_or_path=str(model_dirs[family])))
    load = load_causal_lm if FAMILIES[family].head == "causal" else load_masked_lm
    model, tokenizer = load(lm)
    assert type(model) is FAMILIES[family].model_class and len(tokenizer) == model.config.vocab_size


def test_build_family_trains_the_tokenizer_and_builds_the_model_in_one_directory(texts: list[str], tmp_path: Path) -> None:
    directory = build_family("phi", texts[:10], tmp_path, vocab_size=500, seed=3, context_length=32)
    model = FAMILIES["phi"].auto_class.from_pretrained(directory)
    tokenizer = _load(directory)
    assert type(tokenizer).__name__ == "CodeGenTokenizer" and model.config.vocab_size == len(tokenizer) == 500 + 38
    assert model.config.max_position_embeddings == tokenizer.model_max_length == 32


def test_same_seed_same_weights(tokenizer_dirs: dict[str, Path], tmp_path: Path) -> None:
    def weights(seed: int, name: str) -> dict[str, torch.Tensor]:
        directory = build_model("llama2", tokenizer_dirs["sentencepiece_bpe"], tmp_path / name, seed=seed)
        return FAMILIES["llama2"].auto_class.from_pretrained(directory).state_dict()

    first, again, other = weights(0, "a"), weights(0, "b"), weights(1, "c")
    assert all(torch.equal(first[k], again[k]) for k in first)
    assert not torch.equal(first["model.embed_tokens.weight"], other["model.embed_tokens.weight"])


def test_build_model_refuses_a_tokenizer_of_another_kind(tokenizer_dirs: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="gemma_bpe"):
        build_model("gemma", tokenizer_dirs["sentencepiece_bpe"], tmp_path)
    with pytest.raises(ValueError, match="unknown model family"):
        build_model("gpt2", tokenizer_dirs["byte_bpe"], tmp_path)
