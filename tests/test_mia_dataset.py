"""task=mia on a labelled dataset (mia/dataset=...): every local layout loads, and the attacks score it."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from conftest import compose_config
from datasets import Dataset, DatasetDict

from mosaic_exp.mia.attacks import ATTACKS
from mosaic_exp.mia.dataset_config import HFDatasetConfig, JsonlDatasetConfig, MimirDatasetConfig, WikiMIADatasetConfig
from mosaic_exp.mia.datasets import load_labelled
from mosaic_exp.mia.tables import attack_table, table_text
from mosaic_exp.tasks.mia import mia

MEMBERS = ["the cat sat on the mat", "a dog ran in the park", "birds sing at dawn"]
NON_MEMBERS = ["rain fell on the roof", "the river runs to the sea"]


def _write_jsonl(path: Path, rows: list[dict]) -> Path:
    lines = "".join(json.dumps(r) + "\n" for r in rows)
    if path.name.endswith(".gz"):
        with gzip.open(path, "wt") as handle:
            handle.write(lines)
    else:
        path.write_text(lines)
    return path


def _labelled_rows(text: str = "text", label: str = "label") -> list[dict]:
    return [{text: t, label: 1} for t in MEMBERS] + [{text: t, label: 0} for t in NON_MEMBERS]


@pytest.mark.parametrize("name", ["data.jsonl", "data.jsonl.gz"])
def test_jsonl_one_file_splits_by_label(tmp_path: Path, name: str) -> None:
    rows = [{"text": t, "label": label} for t, label in zip(MEMBERS, [1, True, "1"])]
    rows += [{"text": t, "label": label, "extra": 3} for t, label in zip(NON_MEMBERS, [0, "false"])]
    texts = load_labelled(JsonlDatasetConfig(path=str(_write_jsonl(tmp_path / name, rows))))
    assert texts.members == MEMBERS and texts.non_members == NON_MEMBERS


def test_jsonl_field_names_are_configurable_and_classes_capped(tmp_path: Path) -> None:
    path = _write_jsonl(tmp_path / "d.jsonl", _labelled_rows("input", "is_member"))
    texts = load_labelled(JsonlDatasetConfig(path=str(path), text_field="input", label_field="is_member", max_per_class=1))
    assert texts.members == MEMBERS[:1] and texts.non_members == NON_MEMBERS[:1]


def test_jsonl_two_files(tmp_path: Path) -> None:
    members = _write_jsonl(tmp_path / "m.jsonl.gz", [{"text": t} for t in MEMBERS])
    non_members = _write_jsonl(tmp_path / "n.jsonl", [{"text": t} for t in NON_MEMBERS])
    texts = load_labelled(JsonlDatasetConfig(members=str(members), non_members=str(non_members)))
    assert texts.members == MEMBERS and texts.non_members == NON_MEMBERS


def test_hf_save_to_disk_with_a_split(tmp_path: Path) -> None:
    rows = _labelled_rows("sentence", "membership")
    data = Dataset.from_list(rows)
    DatasetDict({"test": data, "train": data.select([0])}).save_to_disk(str(tmp_path / "dd"))
    texts = load_labelled(HFDatasetConfig(path=str(tmp_path / "dd"), split="test", text_column="sentence", label_column="membership"))
    assert texts.members == MEMBERS and texts.non_members == NON_MEMBERS
    data.save_to_disk(str(tmp_path / "one"))  # a single Dataset: no split to choose
    assert load_labelled(HFDatasetConfig(path=str(tmp_path / "one"), text_column="sentence", label_column="membership")).members == MEMBERS
    with pytest.raises(ValueError, match="splits test, train"):
        load_labelled(HFDatasetConfig(path=str(tmp_path / "dd"), text_column="sentence", label_column="membership"))
    with pytest.raises(ValueError, match=r"no column 'text' \(columns: sentence, membership\)"):
        load_labelled(HFDatasetConfig(path=str(tmp_path / "one")))


def test_wikimia_layouts(tmp_path: Path) -> None:
    # WikiMIA: splits WikiMIA_length32/64/..., columns `input` and `label` (1 = member).
    short = Dataset.from_list(_labelled_rows("input", "label"))
    long = Dataset.from_list([{"input": t + " and more words", "label": 0} for t in MEMBERS] + [{"input": "x y z", "label": 1}])
    DatasetDict({"WikiMIA_length32": short, "WikiMIA_length64": long}).save_to_disk(str(tmp_path / "saved"))
    texts = load_labelled(WikiMIADatasetConfig(path=str(tmp_path / "saved")))
    assert texts.members == MEMBERS and texts.non_members == NON_MEMBERS
    texts = load_labelled(WikiMIADatasetConfig(path=str(tmp_path / "saved"), length=64))
    assert texts.members == ["x y z"] and len(texts.non_members) == 3
    # The same split as per-split files, JSONL or a JSON array.
    (tmp_path / "files").mkdir()
    _write_jsonl(tmp_path / "files" / "WikiMIA_length32.jsonl", _labelled_rows("input", "label"))
    (tmp_path / "files" / "WikiMIA_length64.json").write_text(json.dumps(long.to_list()))
    assert load_labelled(WikiMIADatasetConfig(path=str(tmp_path / "files"))).members == MEMBERS
    assert load_labelled(WikiMIADatasetConfig(path=str(tmp_path / "files"), length=64)).members == ["x y z"]
    with pytest.raises(FileNotFoundError, match="WikiMIA_length128"):
        load_labelled(WikiMIADatasetConfig(path=str(tmp_path / "files"), length=128))


def test_mimir_layouts(tmp_path: Path) -> None:
    # MIMIR: per domain and n-gram split, each row one `member` and one `nonmember` text.
    rows = [{"member": m, "nonmember": n, "member_neighbors": [], "nonmember_neighbors": []} for m, n in zip(MEMBERS, NON_MEMBERS)]
    splits = {"ngram_13_0.8": Dataset.from_list(rows), "ngram_7_0.2": Dataset.from_list(rows[:1])}
    DatasetDict(splits).save_to_disk(str(tmp_path / "pile_cc"))
    texts = load_labelled(MimirDatasetConfig(path=str(tmp_path / "pile_cc")))
    assert texts.members == MEMBERS[:2] and texts.non_members == NON_MEMBERS
    assert load_labelled(MimirDatasetConfig(path=str(tmp_path / "pile_cc"), split="ngram_7_0.2")).members == MEMBERS[:1]
    file = _write_jsonl(tmp_path / "pile_cc.jsonl", rows)
    assert load_labelled(MimirDatasetConfig(path=str(file))).non_members == NON_MEMBERS
    with pytest.raises(ValueError, match=r"no field 'nonmember' \(fields: member, non\)"):
        load_labelled(MimirDatasetConfig(path=str(_write_jsonl(tmp_path / "bad.jsonl", [{"member": "a", "non": "b"}]))))


def test_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="mia.dataset.path=.*no such file"):
        load_labelled(JsonlDatasetConfig(path=str(tmp_path / "missing.jsonl")))
    path = _write_jsonl(tmp_path / "d.jsonl", [{"input": "a", "label": 1}])
    with pytest.raises(ValueError, match=r"line 1 has no field 'text' \(fields: input, label\); set mia.dataset.text_field"):
        load_labelled(JsonlDatasetConfig(path=str(path)))
    with pytest.raises(ValueError, match="holds no non-members"):
        load_labelled(JsonlDatasetConfig(path=str(path), text_field="input"))
    only_non = _write_jsonl(tmp_path / "n.jsonl", [{"text": "a", "label": 0}])
    with pytest.raises(ValueError, match="holds no members"):
        load_labelled(JsonlDatasetConfig(path=str(only_non)))
    bad_label = _write_jsonl(tmp_path / "b.jsonl", [{"text": "a", "label": 2}])
    with pytest.raises(ValueError, match="line 1: label 2 is neither"):
        load_labelled(JsonlDatasetConfig(path=str(bad_label)))
    with pytest.raises(ValueError, match="either mia.dataset.path"):
        load_labelled(JsonlDatasetConfig(path=str(path), members=str(path)))


def test_mia_dataset_composes_from_the_command_line(tmp_path: Path) -> None:
    path = _write_jsonl(tmp_path / "d.jsonl", _labelled_rows())
    cfg = compose_config(["task=mia", "mia/dataset=jsonl", f"mia.dataset.path={path}"], root=tmp_path)
    assert load_labelled(cfg.mia.dataset).members == MEMBERS
    assert compose_config(["task=mia"], root=tmp_path).mia.dataset is None
    cfg = compose_config(["task=mia", "mia/dataset=wikimia"], root=tmp_path)
    with pytest.raises(ValueError, match="mia.dataset.path is required"):
        load_labelled(cfg.mia.dataset)


def test_task_mia_scores_a_jsonl_file(
    smoke_root: Path, smoke_models: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    words = "the a cat dog sat ran on in mat park sea rain fell roof river".split()
    texts = [" ".join(words[(i * 7 + j) % len(words)] for j in range(4 + i % 9)) for i in range(36)]
    rows = [{"text": t, "label": i % 2} for i, t in enumerate(texts)]
    path = _write_jsonl(tmp_path / "labelled.jsonl", rows)
    out = tmp_path / "out"
    reference = tmp_path / "reference"  # dc_pdd's token frequencies: a labelled dataset brings no corpus of ours
    reference.mkdir()
    (reference / "a.txt").write_text(" ".join(words))
    overrides = ["experiment=smoke", "task=mia", "mia/dataset=jsonl", f"mia.dataset.path={path}", "mia.dataset.max_tokens=8"]
    overrides.append(f"mia.dc_pdd_corpus={reference}")
    cfg = compose_config([*overrides, f"model.name_or_path={smoke_models['causal_lm']}", f"paths.output_dir={out}"], root=smoke_root)
    results = mia(cfg)
    # Every attack the canaries get (others join ATTACKS as they are written): the paper's six at least.
    assert {"loss", "ratio", "lowercase", "zlib", "min_k", "min_k_plus", "dc_pdd"} <= set(results["attacks"]) <= set(ATTACKS)
    assert "token_counts" in results["artifacts"]
    assert results["dataset"]["members"] == 18 and results["dataset"]["non_members"] == 18
    assert results["dataset"]["max_tokens"] == 8 and results["dataset"]["truncated"] > 0
    assert json.loads((out / "results.json").read_text())["attacks"] == results["attacks"]
    scored = [json.loads(line) for line in (out / "scores.jsonl").read_text().splitlines()]
    assert len(scored) == 36 and sum(r["member"] for r in scored) == 18
    assert all(set(results["attacks"]) <= set(r) and r["text"] for r in scored)
    assert table_text(attack_table(results["attacks"])) in capsys.readouterr().out
