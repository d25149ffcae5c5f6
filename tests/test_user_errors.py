"""What a new user or a hostile tester runs into: stale inputs, impossible settings, unclear messages, noisy runs.

One test per case; each failed on the code before the fix. The injection
fidelity cases are in test_inject_fidelity.py, the rust-sa ones in
test_rust_sa.py and the Rust crate's own tests.
"""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, compose_config
from datasets import Dataset
from filelock import FileLock
from transformers import AutoTokenizer

from mosaic_exp import fingerprint
from mosaic_exp.analysis.records import legacy_records, run_records
from mosaic_exp.canaries.filters import CanaryFilter
from mosaic_exp.canaries.sample import NotEnoughCanaries, cannot_finish, draw_canaries
from mosaic_exp.canaries.stage import sampled_tokens
from mosaic_exp.config.ranges import range_errors
from mosaic_exp.data.gutenberg import GutenbergCorpus
from mosaic_exp.data.stage import build_corpus, load_books
from mosaic_exp.errors import MissingInput, UserError
from mosaic_exp.fingerprint import FileDigests
from mosaic_exp.legacy import legacy_fingerprint
from mosaic_exp.models.loading import lm_spec, load_causal_lm, load_masked_lm
from mosaic_exp.neardup.slimpajama import SlimPajamaCorpus
from mosaic_exp.pipeline import resolve_models
from mosaic_exp.store import ArtifactStore

BOOK = "In the beginning God created the heaven and the earth.\n\n" * 40


def run_py(args: list[str], root: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "MOSAIC_ROOT": str(root), "HF_HUB_OFFLINE": "1", **env}
    environment.pop("HYDRA_FULL_ERROR", None) if "HYDRA_FULL_ERROR" not in env else None
    return subprocess.run([sys.executable, "run.py", *args], cwd=REPO, env=environment, capture_output=True, text=True, timeout=600)


# --- silent wrong results: every local input is keyed by its content -------------------------


def test_a_book_edited_without_changing_its_size_is_a_new_corpus(tmp_path: Path) -> None:
    books = tmp_path / "books"
    books.mkdir()
    for i in range(4):
        (books / f"book{i}.txt").write_text(BOOK)
    cfg = compose_config(["corpus=text_dir", f"corpus.path={books}", "corpus.n_books=2"], root=tmp_path)
    store = ArtifactStore(tmp_path / "cache")
    first = build_corpus(cfg.corpus, store)
    book = books / "book0.txt"
    stat = book.stat()
    book.write_text(BOOK.replace("God", "Dog"))
    # Even with the old modification time put back, the edit is seen (ctime cannot be set back).
    os.utime(book, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert book.stat().st_size == stat.st_size
    second = build_corpus(cfg.corpus, store)
    assert second.key != first.key and not second.reused
    texts = load_books(second.path)
    assert any("Dog" in t for split in texts.values() for t in split["text"])


def test_file_digests_are_remembered_while_a_file_is_unchanged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hashed: list[Path] = []
    real = fingerprint._hash_file
    monkeypatch.setattr(fingerprint, "_hash_file", lambda p: hashed.append(p) or real(p))
    file = tmp_path / "big.bin"
    file.write_bytes(b"a" * 10_000)
    digests = FileDigests(tmp_path / "digests")
    first = digests.file(file)
    assert FileDigests(tmp_path / "digests").file(file) == first and len(hashed) == 1
    file.write_bytes(b"b" * 10_000)
    assert digests.file(file) != first and len(hashed) == 2
    # The digest is of the content: a copy elsewhere has the same one.
    shutil.copy(file, tmp_path / "copy.bin")
    assert FileDigests(None).file(tmp_path / "copy.bin") == digests.file(file)


def test_a_model_retrained_into_the_same_folder_is_a_new_model(tmp_path: Path, smoke_models: dict) -> None:
    folder = tmp_path / "my-model"
    shutil.copytree(smoke_models["causal_lm"], folder)
    cfg = compose_config([f"model.name_or_path={folder}"], root=tmp_path)
    digests = FileDigests(tmp_path / "digests")
    before = lm_spec(cfg.model, None, digests)
    weights = folder / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 1
    weights.write_bytes(bytes(data))
    assert lm_spec(cfg.model, None, digests) != before


def test_a_newer_download_of_a_hub_model_is_a_new_model(tmp_path: Path) -> None:
    hub = tmp_path / "hub"
    repo = hub / "models--org--model"

    def download(commit: str) -> None:
        (repo / "snapshots" / commit).mkdir(parents=True)
        (repo / "snapshots" / commit / "config.json").write_text("{}")
        (repo / "refs").mkdir(exist_ok=True)
        (repo / "refs" / "main").write_text(commit)

    cfg = compose_config(["model.name_or_path=org/model", f"model.cache_dir={hub}"], root=tmp_path)
    download("a" * 40)
    assert lm_spec(cfg.model, None, FileDigests(None))["content"] == "a" * 40
    download("b" * 40)
    assert lm_spec(cfg.model, None, FileDigests(None))["content"] == "b" * 40


def test_a_local_dataset_saved_again_is_a_new_corpus(tmp_path: Path) -> None:
    folder = tmp_path / "gutenberg"
    Dataset.from_dict({"text": ["one book", "two books"]}).save_to_disk(str(folder))
    corpus = GutenbergCorpus(str(folder), n_books=1)
    digests = FileDigests(tmp_path / "digests")
    before = corpus.fingerprint(digests)
    shutil.rmtree(folder)
    Dataset.from_dict({"text": ["one book", "two boots"]}).save_to_disk(str(folder))
    assert GutenbergCorpus(str(folder), n_books=1).fingerprint(digests) != before


def test_an_existing_part_replaced_in_place_is_a_new_part(tmp_path: Path) -> None:
    parts = tmp_path / "parts"
    parts.mkdir()
    (parts / "p0.train").write_bytes(b"\xff\xff" + bytes(range(200)) + b"\xff\xff")
    (parts / "p0.train.size").write_bytes((0).to_bytes(8, "little"))
    corpus = SlimPajamaCorpus(path=str(tmp_path), parts_dir=str(parts))
    digests = FileDigests(tmp_path / "digests")
    before = corpus.fingerprint(0, 1, digests)
    (parts / "p0.train").write_bytes(b"\xff\xff" + bytes(reversed(range(200))) + b"\xff\xff")
    assert corpus.fingerprint(0, 1, digests) != before


def test_a_legacy_pickle_of_the_same_size_is_a_new_input(tmp_path: Path) -> None:
    path = tmp_path / "canaries.pickle"
    path.write_bytes(pickle.dumps([[1, 2, 3]]))
    digests = FileDigests(None)
    before = legacy_fingerprint(str(path), "canaries.legacy_members", digests)
    path.write_bytes(pickle.dumps([[3, 2, 1]]))
    assert legacy_fingerprint(str(path), "canaries.legacy_members", digests) != before
    with pytest.raises(MissingInput, match="canaries.legacy_members=.*no such file"):
        legacy_fingerprint(str(tmp_path / "nope.pickle"), "canaries.legacy_members", digests)


# --- runs that cannot succeed stop at once ----------------------------------------------------


def test_canaries_longer_than_a_context_stop_before_sampling(tmp_path: Path, smoke_models: dict) -> None:
    models = resolve_models(compose_config(["experiment=smoke"], root=tmp_path), smoke_models)

    def tokens(*overrides: str) -> int:
        settings = compose_config(["experiment=smoke", *overrides], root=tmp_path).canaries
        return sampled_tokens(settings, models.target, models.generator)

    # The smoke models hold 64 tokens: a BOS and 63 more.
    with pytest.raises(UserError, match="canaries.length=70 does not fit the target's context of 64 tokens.*at most 63"):
        tokens("canaries.length=70")
    with pytest.raises(UserError, match="canaries.max_new_tokens=80 does not fit the generator's context"):
        tokens("canaries.max_new_tokens=80")
    # The default length + 24 is cut to what the generator holds, instead of a reminder per batch.
    assert tokens("canaries.length=50") == 63
    assert tokens("canaries.length=32") == 56


def test_sampling_that_cannot_succeed_stops_early_with_the_reason(smoke_models: dict) -> None:
    tokenizer = AutoTokenizer.from_pretrained(smoke_models["causal_lm"])
    filt = CanaryFilter(tokenizer, 8, max_jaccard=0.2)
    same_text = iter(lambda: ("the cat sat on the mat and the dog sat on the log again", False), None)
    with pytest.raises(NotEnoughCanaries, match=r"stopped after \d+ samples.*'jaccard'.*raise canaries.max_jaccard") as err:
        draw_canaries(same_text, filt, tokenizer, count=100, max_draws=20_000, label="members")
    assert err.value.report.drawn < 1_000
    # A slow but sufficient rate never stops early: 1% of 20,000 draws gives 200 of 100.
    assert not any(cannot_finish(d // 100, d, 100, 20_000) for d in range(100, 20_000, 100))


def test_out_of_range_settings_stop_before_any_work(tmp_path: Path) -> None:
    out = run_py(["experiment=smoke", "task=train", "lr=-1", "temperature=0", "train.batch_size=0"], tmp_path)
    text = out.stdout + out.stderr
    assert out.returncode == 1
    for line in ("lr=-1.0 must be > 0", "temperature=0.0 must be > 0", "train.batch_size=0 must be >= 1"):
        assert line in text
    assert "Traceback" not in text and not (tmp_path / "cache").exists()


def test_every_shipped_experiment_is_within_range(tmp_path: Path) -> None:
    for file in sorted((REPO / "conf" / "experiment").glob("*.yaml")):
        assert range_errors(compose_config([f"experiment={file.stem}"], root=tmp_path)) == [], file.stem


def test_user_errors_show_no_traceback_unless_asked_and_bugs_keep_theirs(tmp_path: Path) -> None:
    args = ["task=train", "corpus=text_dir", f"corpus.path={tmp_path / 'no-books'}"]
    plain = run_py(args, tmp_path)
    assert plain.returncode == 1 and "Traceback" not in plain.stderr
    assert f"corpus.path={tmp_path / 'no-books'} is not a directory" in plain.stdout + plain.stderr
    full = run_py(args, tmp_path, HYDRA_FULL_ERROR="1")
    assert full.returncode == 1 and "Traceback" in full.stderr and "MissingInput" in full.stderr
    # A bug (here: a task function called with the wrong arguments) keeps its traceback.
    bug = run_py(["task._target_=os.getcwd"], tmp_path)
    assert bug.returncode == 1 and "Traceback" in bug.stderr and "TypeError" in bug.stderr


def test_a_failed_job_of_a_multirun_does_not_stop_the_others(tmp_path: Path, smoke_root: Path) -> None:
    sweep = tmp_path / "sweep"
    out = run_py(["-m", "experiment=smoke", "task=canaries", "canaries.length=70,20", f"hydra.sweep.dir={sweep}"], smoke_root)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert "canaries.length=70 does not fit" in (sweep / "0" / "run.log").read_text()
    assert "done:" in (sweep / "1" / "run.log").read_text()


# --- messages that name the real problem ------------------------------------------------------


def test_a_missing_local_model_folder_is_named(tmp_path: Path) -> None:
    cfg = compose_config([f"model.name_or_path={tmp_path / 'no-model'}"], root=tmp_path)
    with pytest.raises(MissingInput, match=rf"model.name_or_path={tmp_path / 'no-model'}: no such folder") as err:
        load_causal_lm(cfg.model)
    assert "hf download" not in str(err.value)


def test_a_masked_lm_in_a_causal_slot_is_refused_when_loaded(tmp_path: Path, smoke_models: dict) -> None:
    cfg = compose_config([f"model.name_or_path={smoke_models['mlm']}", f"mlm.name_or_path={smoke_models['causal_lm']}"], root=tmp_path)
    with pytest.raises(UserError, match=r"model.name_or_path=.* is a \w+ForMaskedLM model, not a causal LM.*goes to mlm"):
        load_causal_lm(cfg.model)
    with pytest.raises(UserError, match=r"mlm.name_or_path=.* is a GPTNeoXForCausalLM model, not a masked LM"):
        load_masked_lm(cfg.mlm)


def test_analysis_errors_name_the_file_and_the_problem(tmp_path: Path) -> None:
    run = tmp_path / "sweep" / "0"
    run.mkdir(parents=True)
    (run / "results.json").write_text('{"model": "m", "perturb')
    with pytest.raises(UserError, match=rf"{run / 'results.json'} is not valid JSON"):
        run_records([tmp_path / "sweep"])
    with pytest.raises(MissingInput, match="analysis.inputs=.*nowhere: no such folder"):
        run_records([tmp_path / "nowhere"])
    with pytest.raises(MissingInput, match="analysis.legacy_dir=.*: no such folder"):
        legacy_records(tmp_path / "no-aucs")
    # The original scripts wrote learning rates such as 2e-05 into their file names.
    aucs = tmp_path / "aucs"
    aucs.mkdir()
    name = "nrep_aucs_gpt-neo-1.3B_exactduplicates_books_seed1_lr2e-05.pickle"
    (aucs / name).write_bytes(pickle.dumps({1: {"ratio": 0.55}, 2: {"ratio": 0.6}}))
    assert {(r.model, r.setting, r.auc) for r in legacy_records(aucs)} == {("gpt-neo-1.3B", 1.0, 0.55), ("gpt-neo-1.3B", 2.0, 0.6)}


# --- clean runs look clean ----------------------------------------------------------------------


def test_a_clean_run_is_quiet_and_says_where_its_results_went(smoke_root: Path) -> None:
    out = run_py(["experiment=smoke", "task=train", "trainer.enable_progress_bar=false"], smoke_root)
    text = out.stdout + out.stderr
    assert out.returncode == 0, text
    for noise in (
        "Total FLOPs",
        "GPU available",
        "TPU available",
        "exceed the model's predefined maximum length",
        "smaller than the logging interval",
        "Traceback",
    ):
        assert noise not in text, noise
    (done,) = [line for line in text.splitlines() if "done:" in line]
    run_dir = Path(done.split(" are in ")[1].split(";")[0])
    assert (run_dir / "results.json").is_file() and str(smoke_root / "cache") in done
    assert "attempt started" in (run_dir / "run.log").read_text()


def test_temporaries_of_killed_builds_are_removed_but_live_ones_kept(tmp_path: Path) -> None:
    store = ArtifactStore(tmp_path)
    stage = tmp_path / "corpus"
    dead, live = stage / ".deadbeef.tmp-1", stage / ".cafef00d.tmp-2"
    dead.mkdir(parents=True)
    live.mkdir()
    with FileLock(str(stage / ".cafef00d.lock")):
        store.build("corpus", {"x": 1}, lambda d: (d / "f").write_text("x"))
    assert not dead.exists() and live.exists()


def test_the_cache_is_per_user_and_runs_go_to_outputs_unless_mosaic_root_says(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MOSAIC_ROOT", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    paths = compose_config(["paths.output_dir=x"]).paths
    assert (paths.cache_dir, paths.log_dir) == (str(tmp_path / "home/.cache/mosaic-exp/cache"), str(tmp_path / "outputs"))
    monkeypatch.setenv("MOSAIC_ROOT", str(tmp_path / "scratch"))
    paths = compose_config(["paths.output_dir=x"]).paths
    assert (paths.cache_dir, paths.log_dir) == (str(tmp_path / "scratch/cache"), str(tmp_path / "scratch/outputs"))


def test_a_rerun_after_a_failure_marks_its_attempt_and_logs_to_a_new_version(smoke_root: Path, tmp_path: Path) -> None:
    args = ["experiment=smoke", "task=train", "trainer.enable_progress_bar=false", f"hydra.run.dir={tmp_path / 'run'}"]
    assert run_py(args, smoke_root).returncode == 0
    # As if the first attempt had died before writing its results.
    (tmp_path / "run" / "results.json").unlink()
    assert run_py(args, smoke_root).returncode == 0
    assert (tmp_path / "run" / "run.log").read_text().count("attempt started") == 2
    assert sorted(p.name for p in (tmp_path / "run" / "csv").iterdir()) == ["version_0", "version_1"]
