"""Dataclass schemas behind every YAML file in ``conf/``.

Hydra merges each YAML file into its schema, so a typo in a key or a value of
the wrong type (``topk=ten``) fails while the config is composed, before any
model is loaded. Groups whose choices have different fields (``corpus``,
``logger``) register one schema per choice under ``schema/<group>/<choice>``;
their YAML files extend it with ``- /schema/<group>/<choice>@_here_``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, List, Optional

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING, OmegaConf

from mosaic_exp.config.ranges import bounded


class DType(str, Enum):
    """Weights' dtype when a model is loaded; ``auto`` keeps the checkpoint's."""

    auto = "auto"
    float32 = "float32"
    bfloat16 = "bfloat16"
    float16 = "float16"


class Strategy(str, Enum):
    """Where replacement tokens of a fuzzy duplicate come from."""

    mlm = "mlm"
    mlm_random = "mlm_random"
    random = "random"


@dataclass
class PathsConfig:
    root_dir: str = MISSING
    cache_dir: str = MISSING
    data_dir: str = MISSING
    log_dir: str = MISSING
    output_dir: str = MISSING


@dataclass
class TaskConfig:
    """What ``run.py`` runs: ``_target_`` is a function taking the whole config."""

    _target_: str = MISSING
    name: str = MISSING


@dataclass
class LMConfig:
    """A language model loaded with ``from_pretrained``.

    ``name_or_path`` is a hub id, a local directory, or ``tiny://NAME`` for a
    model of the locally built tiny world (``tiny://causal_lm``, ``tiny://mlm``).
    """

    name_or_path: str = MISSING
    tokenizer: Optional[str] = None
    revision: Optional[str] = None
    # HF cache to read from (and download into); None = the default HF cache.
    cache_dir: Optional[str] = None
    dtype: DType = DType.auto
    trust_remote_code: bool = False
    # Longest context used for training and scoring; None = the model's maximum.
    max_length: Optional[int] = bounded(None, ge=2)
    # Fine-tuning learning rate the paper used for this model (targets only).
    lr: Optional[float] = bounded(None, gt=0)


@dataclass
class CorpusConfig:
    """Fields shared by every corpus: which books receive canaries."""

    _target_: str = MISSING
    # Books that receive canaries (paper: 100, one per member canary).
    n_books: int = bounded(100, ge=1)
    seed: int = 0


@dataclass
class SyntheticCorpusConfig(CorpusConfig):
    _target_: str = "mosaic_exp.data.synthetic.SyntheticCorpus"
    n_pretrain_books: int = bounded(300, ge=0)
    words_per_book: int = bounded(2000, ge=1)
    lexicon_size: int = bounded(3000, ge=2)
    zipf_exponent: float = 1.1
    successors_per_word: int = bounded(24, ge=1)
    mean_sentence_words: float = 12.0
    mean_paragraph_sentences: float = 5.0


@dataclass
class TextDirCorpusConfig(CorpusConfig):
    _target_: str = "mosaic_exp.data.text_dir.TextDirCorpus"
    path: str = MISSING
    # Books beyond n_books kept for tiny-world pretraining; None keeps all.
    max_pretrain_books: Optional[int] = bounded(None, ge=0)


@dataclass
class GutenbergCorpusConfig(CorpusConfig):
    _target_: str = "mosaic_exp.data.gutenberg.GutenbergCorpus"
    # Hub id or a local directory written by `datasets.save_to_disk`.
    dataset: str = "imperial-cpg/project-gutenberg-extended"
    split: str = "train"
    revision: Optional[str] = None
    text_field: str = "text"
    # Column holding a stable book id; None uses the row index.
    id_field: Optional[str] = None
    max_pretrain_books: Optional[int] = bounded(200, ge=0)


@dataclass
class TokenizerConfig:
    vocab_size: int = bounded(4096, gt=261, le=65535, hint="256 bytes and 5 special tokens, ids stored as uint16")
    min_frequency: int = bounded(2, ge=1)


@dataclass
class ArchConfig:
    """Size of a tiny transformer (GPT-NeoX causal LM or RoFormer masked LM)."""

    hidden_size: int = bounded(128, ge=1)
    num_layers: int = bounded(4, ge=1)
    num_heads: int = bounded(4, ge=1)
    intermediate_size: int = bounded(512, ge=1)
    # Tokens per training example, special tokens included.
    context_length: int = bounded(256, ge=2)


@dataclass
class PretrainConfig:
    max_steps: int = bounded(300, ge=1)
    batch_size: int = bounded(16, ge=1)
    lr: float = bounded(3e-3, gt=0)
    weight_decay: float = bounded(0.01, ge=0)
    warmup_steps: int = bounded(30, ge=0)
    val_fraction: float = bounded(0.05, ge=0, lt=1)
    accelerator: str = "cpu"


@dataclass
class TinyWorldConfig:
    """Sizes and training budgets of the locally built tiny world."""

    seed: int = 0
    tokenizer: TokenizerConfig = field(default_factory=TokenizerConfig)
    causal_lm: ArchConfig = field(default_factory=ArchConfig)
    mlm: ArchConfig = field(default_factory=lambda: ArchConfig(num_layers=2, context_length=128))
    causal_pretrain: PretrainConfig = field(default_factory=PretrainConfig)
    mlm_pretrain: PretrainConfig = field(default_factory=PretrainConfig)
    mlm_probability: float = bounded(0.15, gt=0, lt=1)
    progress_bar: bool = True


@dataclass
class CanariesConfig:
    """Reference canaries sampled from the generator (paper: 100 + 100 of 100 tokens)."""

    # Tokens of the *target* tokenizer in every canary.
    length: int = bounded(100, ge=2)
    n_members: int = bounded(100, ge=1)
    n_non_members: int = bounded(100, ge=1)
    # Members and non-members are sampled with these seeds; a paper seed draws new canaries
    # (the authors' seeds s = 1..5 sampled members with s and non-members with 10 s).
    member_seed: int = 42
    # None = 10 * member_seed.
    non_member_seed: Optional[int] = None
    # Reject a sample whose token set has Jaccard similarity above this with an accepted canary.
    max_jaccard: float = bounded(0.2, ge=0, le=1)
    temperature: float = bounded(1.0, gt=0, hint="canaries are sampled; set it through the top-level temperature")
    # Sampling filters: the authors' generate() ran with the library default of its time, top-k 50.
    # 0 turns top-k off; top_p < 1 adds nucleus sampling.
    top_k: int = bounded(50, ge=0, hint="0 samples from the whole vocabulary")
    top_p: float = bounded(1.0, gt=0, le=1)
    batch_size: int = bounded(64, ge=1)
    # Generator tokens per sample (a sample that contains EOS is rejected); None = length + 24,
    # the authors' max_length of length + 25 with the BOS prompt.
    max_new_tokens: Optional[int] = bounded(None, ge=1)
    # Stop with an error after this many samples per set.
    max_draws: int = bounded(20000, ge=1)
    # With import_legacy=true: the original scripts' pickles (lists of token lists).
    legacy_members: Optional[str] = None
    legacy_non_members: Optional[str] = None


@dataclass
class PerturbationConfig:
    """Fields shared by every fuzzy-duplicate family."""

    _target_: str = MISSING
    name: str = MISSING
    # Variations per member canary (paper: 9, so 10 copies with the reference).
    n_variations: int = bounded(9, ge=0)
    seed: int = 0
    # With import_legacy=true: the original scripts' variations pickle.
    legacy_variations: Optional[str] = None


@dataclass
class ReplaceConfig(PerturbationConfig):
    _target_: str = "mosaic_exp.perturb.replace.Replace"
    name: str = "replace"
    R: int = 10
    strategy: Strategy = Strategy.mlm
    topk: int = bounded(10, ge=1)
    same_indices: bool = False
    uniform_spread: bool = False
    # Masked copies per MLM forward pass. On a CPU, batches whose activations
    # stay in cache are at least as fast as large ones (tiny MLM, 10,000
    # copies: 5.25 s at 64, 5.28 s at 256; short alternating runs favoured 64
    # by up to 25%); on a GPU, raise it (e.g. 512 for roberta-base).
    mlm_batch_size: int = bounded(64, ge=1)


@dataclass
class InsertConfig(PerturbationConfig):
    _target_: str = "mosaic_exp.perturb.insert.Insert"
    name: str = "insert"
    # After every `every` tokens insert `n_insert` random tokens (paper: n, X).
    every: int = bounded(10, ge=1)
    n_insert: int = bounded(1, ge=1)


@dataclass
class ScatteredConfig(PerturbationConfig):
    _target_: str = "mosaic_exp.perturb.insert.Scattered"
    name: str = "scattered"
    # The canary is cut into n-grams of this size, each inserted on its own.
    ngram: int = bounded(10, ge=1)


@dataclass
class ShuffleConfig(PerturbationConfig):
    _target_: str = "mosaic_exp.perturb.shuffle.Shuffle"
    name: str = "shuffle"
    # Size of the n-gram blocks that are permuted.
    block: int = bounded(5, ge=1)
    # Target normalized Kendall-tau distance between the copy's and the canary's TOKEN positions (as the paper measures).
    kendall_tau: float = bounded(0.5, ge=0, le=1)


@dataclass
class ParaphraseConfig(PerturbationConfig):
    _target_: str = "mosaic_exp.perturb.paraphrase.Paraphrase"
    name: str = "paraphrase"


@dataclass
class ExactConfig(PerturbationConfig):
    _target_: str = "mosaic_exp.perturb.exact.Exact"
    name: str = "exact"
    # Total identical copies, the reference included (paper: 1..10).
    nrep: int = bounded(10, ge=1)


@dataclass
class ParaphraserConfig:
    _target_: str = MISSING
    # `{n}` and `{text}` are filled in.
    prompt: str = (
        "Paraphrase the following text {n} times. Keep its meaning and length. "
        "Answer with a numbered list (1. ... 2. ...) and nothing else.\n\nText: {text}"
    )
    temperature: float = bounded(1.0, ge=0)
    top_p: float = bounded(0.9, gt=0, le=1)
    max_new_tokens: int = bounded(2048, ge=1)
    # More attempts, each with twice the token budget, when too few paraphrases come back.
    max_retries: int = bounded(3, ge=0)


@dataclass
class HFChatParaphraserConfig(ParaphraserConfig):
    _target_: str = "mosaic_exp.perturb.paraphrase.HFChatParaphraser"
    model: LMConfig = field(default_factory=lambda: LMConfig(name_or_path="mistralai/Mistral-7B-Instruct-v0.2"))
    seed: int = 0


@dataclass
class OpenAIParaphraserConfig(ParaphraserConfig):
    _target_: str = "mosaic_exp.perturb.paraphrase.OpenAIParaphraser"
    model: str = "gpt-4o-mini"
    # None = the official endpoint; any server speaking the chat-completions protocol works.
    base_url: Optional[str] = None
    api_key_env: str = "OPENAI_API_KEY"
    timeout_s: float = 120.0
    seed: Optional[int] = 0


class InjectMode(str, Enum):
    """How a copy enters its book (see conf/inject/default.yaml)."""

    text = "text"  # its text at a whitespace, tokenized with the book: the paper's way
    tokens = "tokens"  # its token ids at a word boundary of the tokenized book: token-exact by construction


@dataclass
class InjectConfig:
    """Where copies go inside a book."""

    seed: int = 0
    mode: InjectMode = InjectMode.text


class NeardupStep(str, Enum):
    """Which stages of the near-duplicate study a run performs (see README, SLURM)."""

    all = "all"
    index = "index"  # per part: tokenize, suffix array, self-similar
    targets = "targets"  # candidates, exact counts across parts, buckets
    scan = "scan"  # per part
    analysis = "analysis"  # merge the scans, curves and figures


@dataclass
class PlantedNeardupCorpusConfig:
    _target_: str = "mosaic_exp.neardup.planted.PlantedCorpus"
    seed: int = 0
    n_documents: int = 1000
    document_length: int = 1000
    vocab_size: int = 4096
    zipf_exponent: float = 1.0
    length: int = 100
    # Exact copies of each planted sequence, one sequence group per bucket.
    counts: List[int] = field(default_factory=lambda: [10, 100, 1000])
    sequences_per_count: int = 1
    hamming_distances: List[int] = field(default_factory=lambda: [1, 2, 5, 10, 20, 30, 40, 60])
    # Insertion/deletion pairs of the Levenshtein variants.
    levenshtein_edits: List[int] = field(default_factory=lambda: [1, 2, 5, 10, 20])
    # Decoys repeated this fraction above and below each count (0 = none).
    decoy_offset: float = 0.02
    min_gap: int = 200


@dataclass
class SlimPajamaNeardupCorpusConfig:
    _target_: str = "mosaic_exp.neardup.slimpajama.SlimPajamaCorpus"
    # The dataset's root: holds train/chunk*/example_train_*.jsonl.zst.
    path: str = MISSING
    split: str = "train"
    text_field: str = "text"
    # A local tokenizer directory or a hub id found in the HF cache.
    tokenizer: str = "gpt2"
    # Read at most this many files (sorted); None = all.
    max_files: Optional[int] = None
    batch_size: int = 1000
    # A folder of parts made elsewhere (NAME.train + NAME.train.size), used as they are.
    parts_dir: Optional[str] = None
    # Width of the parts in parts_dir; tokenized parts pick it from the vocabulary.
    token_bytes: int = 2


@dataclass
class NeardupConfig:
    """The near-duplicate study: corpus, parts, target buckets and the scan."""

    corpus: Any = MISSING
    n_parts: int = bounded(2, ge=1)
    # One part only (a job of a SLURM array); None = every part.
    part: Optional[int] = None
    step: NeardupStep = NeardupStep.all
    length: int = bounded(100, ge=1)
    min_distinct: int = bounded(50, ge=1)
    buckets: List[int] = field(default_factory=lambda: [100, 1000, 10000])
    tolerance: float = bounded(0.01, ge=0)
    targets_per_bucket: int = bounded(1, ge=0)
    random_targets: int = bounded(1, ge=0)
    # Sequences per bucket whose exact counts are summed across parts.
    candidates_per_bucket: int = bounded(1000, ge=1)
    max_distance: int = bounded(50, ge=0)
    # Scan only the first k parts and extrapolate; None = every part.
    scan_parts: Optional[int] = None
    ngram_sizes: List[int] = field(default_factory=lambda: list(range(10, 101, 10)))
    # Bucket of the Hamming vs Levenshtein figure; None = the largest.
    compare_bucket: Optional[int] = None
    seed: int = 0
    threads: int = bounded(2, ge=1)


@dataclass
class TrainConfig:
    """Fine-tuning the target on the injected books.

    The defaults are the paper's recipe: the authors ran the HF ``Trainer``
    with batch 2 (no accumulation), weight decay 0.01 and every other argument
    at its default (AdamW betas 0.9 / 0.999, eps 1e-8, linear decay to 0
    without warm-up; clipping at norm 1.0 is ``trainer.gradient_clip_val``),
    one epoch of 2048-token chunks that never cross books.
    """

    batch_size: int = bounded(2, ge=1)
    # Tokens per chunk; capped by the model's maximum. Chunks never cross books.
    context_length: int = bounded(2048, ge=2)
    weight_decay: float = bounded(0.01, ge=0)
    warmup_steps: int = bounded(0, ge=0)
    adam_beta1: float = bounded(0.9, ge=0, lt=1)
    adam_beta2: float = bounded(0.999, ge=0, lt=1)
    adam_epsilon: float = bounded(1e-8, gt=0)
    # Chunks in a seeded random order (false: in book order, e.g. to compare with another trainer).
    shuffle: bool = True
    # Train the weights in bfloat16 without fp32 master copies (the original scripts' --reduced-precision).
    # Off by default: most lr-2e-5 updates round away in bf16. Mixed precision is trainer.precision.
    reduced_precision: bool = False
    gradient_checkpointing: bool = False
    compile: bool = False
    # val/loss is measured on the last val_fraction of the corpus's pretraining split, packed into chunks
    # (for the tiny world, the very rows its causal LM held out), at most val_max_rows of them; 0 turns it off.
    val_fraction: float = bounded(0.05, ge=0, lt=1)
    val_max_rows: int = bounded(64, ge=0)


@dataclass
class MIAConfig:
    """Membership inference on the fine-tuned target."""

    batch_size: int = bounded(32, ge=1)
    # min-k and min-k%++: k tokens when >= 1, else a fraction of the tokens (paper: 20 tokens).
    k: float = bounded(20.0, gt=0)
    # Log the loss-attack AUC (and val/loss) every this many optimizer steps during training.
    every_n_steps: int = bounded(50, ge=0, hint="0 measures at the start and the end only")
    # task=mia: a saved model folder (save_model=true writes <run>/model); None = the configured `model`.
    model_path: Optional[str] = None
    # Greedy continuation of each canary's prefix, compared with its true suffix (BLEU, edit similarity).
    extraction: bool = False
    extraction_prefix_length: int = bounded(50, ge=1)
    extraction_suffix_length: int = bounded(50, ge=1)


@dataclass
class AnalysisConfig:
    """What task=analyze reads: run folders (results.json below them) and/or the authors' AUC files."""

    inputs: List[str] = field(default_factory=list)
    # A folder of the original scripts' AUC pickles (nrep_aucs_*, R_aucs_*).
    legacy_dir: Optional[str] = None
    # The attack whose AUCs define rho (the paper's headline attack is ratio).
    attack: str = "ratio"


@dataclass
class TrainerConfig:
    """Arguments of `lightning.pytorch.Trainer` that experiments set."""

    _target_: str = "lightning.pytorch.Trainer"
    accelerator: str = "auto"
    devices: Any = 1
    num_nodes: int = bounded(1, ge=1)
    strategy: str = "auto"
    precision: Optional[str] = "32-true"
    max_epochs: Optional[int] = 1
    max_steps: int = -1
    accumulate_grad_batches: int = bounded(1, ge=1)
    # The HF Trainer's max_grad_norm default, which the paper's runs used.
    gradient_clip_val: Optional[float] = bounded(1.0, ge=0)
    log_every_n_steps: int = bounded(10, ge=1)
    val_check_interval: Optional[float] = None
    enable_progress_bar: bool = True
    # true prints Lightning's table of layers and parameter counts before training.
    enable_model_summary: bool = False
    enable_checkpointing: bool = False
    deterministic: bool = False
    default_root_dir: str = "${paths.output_dir}"


@dataclass
class CSVLoggerConfig:
    _target_: str = "lightning.pytorch.loggers.CSVLogger"
    save_dir: str = "${paths.output_dir}"
    name: str = "csv"


@dataclass
class TensorBoardLoggerConfig:
    _target_: str = "lightning.pytorch.loggers.TensorBoardLogger"
    save_dir: str = "${paths.output_dir}"
    name: str = "tensorboard"


@dataclass
class WandbLoggerConfig:
    _target_: str = "lightning.pytorch.loggers.WandbLogger"
    save_dir: str = "${paths.output_dir}"
    project: str = "mosaic-exp"
    entity: Optional[str] = None
    group: Optional[str] = None
    name: Optional[str] = None
    # true logs locally only (no account needed); `wandb sync` uploads later.
    offline: bool = False
    tags: List[str] = field(default_factory=list)


@dataclass
class Config:
    """The whole run. Top-level shortcuts are interpolated into the groups."""

    task: TaskConfig = MISSING
    paths: PathsConfig = MISSING
    corpus: Any = MISSING
    tiny_world: TinyWorldConfig = MISSING
    model: LMConfig = MISSING
    reference: LMConfig = MISSING
    generator: LMConfig = MISSING
    mlm: LMConfig = MISSING
    canaries: CanariesConfig = MISSING
    perturbation: Any = MISSING
    paraphraser: Any = None
    inject: InjectConfig = MISSING
    neardup: NeardupConfig = MISSING
    train: TrainConfig = MISSING
    mia: MIAConfig = MISSING
    analysis: AnalysisConfig = MISSING
    trainer: TrainerConfig = MISSING
    logger: Any = None

    seed: int = 42
    lr: float = bounded(MISSING, gt=0)
    temperature: float = bounded(1.0, gt=0, hint="sampling needs a positive temperature; lower it (e.g. 0.7) for more likely text")
    topk: int = bounded(10, ge=1)
    strategy: Strategy = Strategy.mlm
    # Tokens replaced per fuzzy duplicate (perturbation=replace).
    R: int = bounded(10, ge=1)
    # Exact copies (perturbation=exact).
    nrep: int = bounded(10, ge=1)
    # Read canaries and variations from the original scripts' pickles instead of generating them.
    import_legacy: bool = False
    # Save the fine-tuned target (save_pretrained) in the run's output folder.
    save_model: bool = False
    # Rebuild every cached artifact this run touches instead of reusing it.
    force: bool = False
    tags: List[str] = field(default_factory=list)


def register_configs() -> None:
    """Registers the schemas and the ``abspath`` resolver; safe to call more than once."""
    # Absolute paths keep saved configs meaningful from any working directory.
    OmegaConf.register_new_resolver("abspath", lambda p: os.path.abspath(os.path.expanduser(p)), replace=True)
    cs = ConfigStore.instance()
    cs.store(name="config_schema", node=Config)
    for group, name, node in [
        ("corpus", "synthetic", SyntheticCorpusConfig),
        ("corpus", "text_dir", TextDirCorpusConfig),
        ("corpus", "gutenberg", GutenbergCorpusConfig),
        ("perturbation", "replace", ReplaceConfig),
        ("perturbation", "insert", InsertConfig),
        ("perturbation", "scattered", ScatteredConfig),
        ("perturbation", "shuffle", ShuffleConfig),
        ("perturbation", "paraphrase", ParaphraseConfig),
        ("perturbation", "exact", ExactConfig),
        ("paraphraser", "hf_chat", HFChatParaphraserConfig),
        ("paraphraser", "openai", OpenAIParaphraserConfig),
        ("logger", "csv", CSVLoggerConfig),
        ("logger", "tensorboard", TensorBoardLoggerConfig),
        ("logger", "wandb", WandbLoggerConfig),
        ("neardup/corpus", "planted", PlantedNeardupCorpusConfig),
        ("neardup/corpus", "slimpajama", SlimPajamaNeardupCorpusConfig),
    ]:
        cs.store(group=f"schema/{group}", name=name, node=node)
