"""Paraphrasers: numbered-list parsing, retries, the OpenAI client and a local HF chat model."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import torch
from conftest import compose_config

from mosaic_exp.canaries.stage import build_canaries
from mosaic_exp.models.loading import load_causal_lm, load_tokenizer
from mosaic_exp.perturb.paraphrase import ChatParaphraser, HFChatParaphraser, OpenAIParaphraser, ParaphraseError, parse_numbered_list
from mosaic_exp.perturb.stage import build_variations, load_variations
from mosaic_exp.pipeline import resolve_models, resolve_paraphraser
from mosaic_exp.store import Artifact, ArtifactStore

SMOKE = ["experiment=smoke"]
SETTINGS = dict(prompt="Paraphrase {n}: {text}", temperature=1.0, top_p=1.0, max_new_tokens=8, max_retries=2)


def _stages(cfg, store: ArtifactStore, smoke_models) -> Artifact:
    """Canaries, then their variations, as the pipeline builds them."""
    models = resolve_models(cfg, smoke_models)
    canaries = build_canaries(cfg.canaries, store, models.target, models.generator)
    return build_variations(cfg.perturbation, store, canaries, models.target, models.mlm, resolve_paraphraser(cfg, smoke_models))


def test_parse_numbered_list() -> None:
    text = 'Sure:\n1. The cat sat.\n2) "A dog ran."\n   It was fast.\n\n3: Birds fly\nThanks'
    assert parse_numbered_list(text) == ["The cat sat.", "A dog ran. It was fast.", "Birds fly Thanks"]
    assert parse_numbered_list("no list here") == []


class Scripted(ChatParaphraser):
    def __init__(self, replies: list[str]) -> None:
        super().__init__(**SETTINGS)
        self.replies = replies
        self.budgets: list[int] = []

    def complete(self, prompt: str, max_new_tokens: int) -> str:
        self.budgets.append(max_new_tokens)
        return self.replies[len(self.budgets) - 1]


def test_retries_with_a_doubled_budget_until_enough_come_back() -> None:
    para = Scripted(["1. a", "1. a\n2. b", "1. a\n2. b\n3. c\n4. d"])
    assert para.paraphrase("x", 3) == ["a", "b", "c"]
    assert para.budgets == [8, 16, 32]


def test_gives_up_with_a_clear_error() -> None:
    para = Scripted(["1. a"] * 3)
    with pytest.raises(ParaphraseError, match="only 1 of 3 paraphrases after 3 attempts"):
        para.paraphrase("x", 3)


class _ChatServer(BaseHTTPRequestHandler):
    replies: list[str] = []
    requests: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append({"path": self.path, "auth": self.headers.get("Authorization"), **body})
        content = type(self).replies[min(len(type(self).requests), len(type(self).replies)) - 1]
        payload = json.dumps(
            {
                "id": "chatcmpl-test",
                "object": "chat.completion",
                "created": 0,
                "model": body["model"],
                "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def chat_server(monkeypatch):
    _ChatServer.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ChatServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("TEST_OPENAI_KEY", "sk-local")
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


def test_openai_client_against_a_local_server(chat_server) -> None:
    _ChatServer.replies = ["1. only one", "1. first\n2. second\n3. third"]
    para = OpenAIParaphraser(model="local-model", base_url=chat_server, api_key_env="TEST_OPENAI_KEY", seed=5, **SETTINGS)
    assert para.paraphrase("the text", 3) == ["first", "second", "third"]
    first, second = _ChatServer.requests
    assert first["path"] == "/v1/chat/completions" and first["auth"] == "Bearer sk-local"
    assert first["model"] == "local-model" and "the text" in first["messages"][0]["content"]
    assert (first["max_tokens"], second["max_tokens"], first["seed"]) == (8, 16, 5)


def test_openai_needs_its_key(monkeypatch) -> None:
    monkeypatch.delenv("NO_SUCH_KEY", raising=False)
    with pytest.raises(ValueError, match="NO_SUCH_KEY"):
        OpenAIParaphraser(model="m", api_key_env="NO_SUCH_KEY", **SETTINGS)


def test_paraphrase_stage_with_openai(chat_server, smoke_root: Path, smoke_models) -> None:
    _ChatServer.replies = ["\n".join(f"{i}. Ba shou trai number {i}." for i in range(1, 4))]
    cfg = compose_config(
        [
            *SMOKE,
            "perturbation=paraphrase",
            "perturbation.n_variations=3",
            "paraphraser=openai",
            f"paraphraser.base_url={chat_server}",
            "paraphraser.api_key_env=TEST_OPENAI_KEY",
        ],
        root=smoke_root,
    )
    store = ArtifactStore(cfg.paths.cache_dir)
    copies = load_variations(_stages(cfg, store, smoke_models).path)
    tokenizer = load_tokenizer(cfg.model, smoke_models)
    assert all(len(c.variations) == 3 for c in copies)
    assert [tokenizer.decode(v.tokens) for v in copies[0].variations] == [f"Ba shou trai number {i}." for i in (1, 2, 3)]


def test_paraphrase_without_paraphraser_is_explained(smoke_root: Path, smoke_models) -> None:
    cfg = compose_config([*SMOKE, "perturbation=paraphrase"], root=smoke_root)
    store = ArtifactStore(cfg.paths.cache_dir)
    with pytest.raises(ValueError, match="paraphraser=hf_chat or paraphraser=openai"):
        _stages(cfg, store, smoke_models)


ANSWER = "1. fa shou\n2. bra trai\n3. zeal mon"


@pytest.fixture(scope="module")
def tiny_chat_model(tmp_path_factory, smoke_models) -> Path:
    """The smoke causal LM with a chat template, taught to answer one prompt with a numbered list."""
    lm = compose_config([*SMOKE, f"model.name_or_path={smoke_models['causal_lm']}"]).model
    model, tok = load_causal_lm(lm)
    tok.chat_template = "{% for m in messages %}{{ m['content'] }}{% endfor %}{% if add_generation_prompt %} =>{% endif %}"
    prompt = tok.apply_chat_template(
        [{"role": "user", "content": SETTINGS["prompt"].format(n=3, text="shou trai")}],
        add_generation_prompt=True,
        return_dict=True,
    )["input_ids"]
    answer = tok.encode(" " + ANSWER, add_special_tokens=False) + [tok.eos_token_id]
    ids = torch.tensor([prompt + answer])
    labels = ids.clone()
    labels[0, : len(prompt)] = -100
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    torch.manual_seed(0)
    for _ in range(150):
        loss = model(input_ids=ids, labels=labels).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    directory = tmp_path_factory.mktemp("chat_model")
    model.save_pretrained(directory)
    tok.save_pretrained(directory)
    return directory


def test_hf_chat_paraphraser_with_a_local_chat_model(tiny_chat_model: Path) -> None:
    lm = compose_config([*SMOKE, f"model.name_or_path={tiny_chat_model}"]).model
    settings = {**SETTINGS, "temperature": 0.05, "max_new_tokens": 4, "max_retries": 4}
    para = HFChatParaphraser(model=lm, **settings)
    budgets = []
    complete = para.complete
    para.complete = lambda prompt, n: budgets.append(n) or complete(prompt, n)
    # 4 new tokens cannot hold three items: the budget doubles until they fit.
    assert para.paraphrase("shou trai", 3) == ["fa shou", "bra trai", "zeal mon"]
    assert budgets[0] == 4 and len(budgets) > 1 and budgets == [4 * 2**i for i in range(len(budgets))]


def test_hf_chat_paraphraser_needs_a_chat_template(smoke_models) -> None:
    lm = compose_config([*SMOKE, f"model.name_or_path={smoke_models['causal_lm']}"]).model
    with pytest.raises(ValueError, match="no chat template"):
        HFChatParaphraser(model=lm, **SETTINGS)
