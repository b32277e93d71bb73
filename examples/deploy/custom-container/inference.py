"""The model behind the custom container: loads /opt/ml/model and generates tokens one by one.

The artifact layout (model.tar.gz, extracted by SageMaker to /opt/ml/model) is::

    model.json    {"type": "bigram", "corpus": "corpus.txt"}
    corpus.txt    text the word-bigram model is estimated from

A word-bigram language model is small enough to run on any CPU, so the whole serving path
(request parsing, sampling, stop sequences, streaming) can be exercised without a GPU. To serve
a real LLM, add a loader for another ``type`` that yields tokens the same way (for example a
transformers ``TextIteratorStreamer``) and switch the Dockerfile to a CUDA base image.
"""

from __future__ import annotations

import json
import math
import random
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

EOS = "</s>"
_TOKEN = re.compile(r"[A-Za-z0-9']+|[.,!?;:]")
_NO_SPACE_BEFORE = frozenset(".,!?;:")


class ModelError(Exception):
    """The model artifact is missing or malformed; the message says which file."""


class RequestError(ValueError):
    """The request cannot be served; the message names the field."""


@dataclass(frozen=True)
class Parameters:
    max_new_tokens: int = 64
    temperature: float = 0.0
    seed: int | None = None
    stop_sequences: tuple[str, ...] = ()

    @staticmethod
    def parse(raw: object) -> "Parameters":
        if raw is None:
            return Parameters()
        if not isinstance(raw, dict):
            raise RequestError('"parameters" must be an object')
        max_new_tokens = raw.get("max_new_tokens", 64)
        if not isinstance(max_new_tokens, int) or isinstance(max_new_tokens, bool):
            raise RequestError('"max_new_tokens" must be an integer')
        if not 1 <= max_new_tokens <= 1024:
            raise RequestError('"max_new_tokens" must be between 1 and 1024')
        temperature = raw.get("temperature", 0.0)
        if not isinstance(temperature, (int, float)) or isinstance(temperature, bool) or temperature < 0:
            raise RequestError('"temperature" must be a number >= 0')
        if raw.get("do_sample") is False:
            temperature = 0.0
        seed = raw.get("seed")
        if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
            raise RequestError('"seed" must be an integer')
        stop = raw.get("stop_sequences", raw.get("stop", []))
        if isinstance(stop, str):
            stop = [stop]
        if not isinstance(stop, list) or not all(isinstance(s, str) and s for s in stop):
            raise RequestError('"stop_sequences" must be a list of non-empty strings')
        return Parameters(max_new_tokens, float(temperature), seed, tuple(stop))


@dataclass(frozen=True)
class Token:
    id: int
    text: str
    log_prob: float


@dataclass(frozen=True)
class Finish:
    reason: str  # "length", "eos_token" or "stop_sequence"
    generated_tokens: int


def _tokens(text: str) -> list[str]:
    return [t.lower() for t in _TOKEN.findall(text)]


class BigramModel:
    """Word-bigram language model with greedy or temperature sampling."""

    def __init__(self, corpus: str):
        self.vocab: dict[str, int] = {}
        self.next: dict[str, Counter[str]] = defaultdict(Counter)
        for paragraph in (p for p in corpus.split("\n\n") if p.strip()):
            words = [EOS, *_tokens(paragraph), EOS]
            for a, b in zip(words, words[1:]):
                self.next[a][b] += 1
            for w in words:
                self.vocab.setdefault(w, len(self.vocab))
        if len(self.vocab) < 3:
            raise ModelError("corpus.txt is empty: the bigram model has nothing to learn from")

    def _step(self, previous: str, rng: random.Random, temperature: float) -> tuple[str, float]:
        counts = self.next.get(previous) or self.next[EOS]
        total = sum(counts.values())
        if temperature == 0:
            # Most frequent continuation; ties broken alphabetically so output is deterministic.
            word = min(counts, key=lambda w: (-counts[w], w))
        else:
            words = sorted(counts)
            weights = [(counts[w] / total) ** (1.0 / temperature) for w in words]
            word = rng.choices(words, weights)[0]
        return word, math.log(counts[word] / total)

    def generate(self, prompt: str, params: Parameters) -> Iterator[Token | Finish]:
        """Yields each new token, then one Finish saying why generation stopped."""
        words = _tokens(prompt)
        previous = words[-1] if words and words[-1] in self.next else EOS
        rng = random.Random(params.seed)
        text = ""
        for count in range(1, params.max_new_tokens + 1):
            word, log_prob = self._step(previous, rng, params.temperature)
            if word == EOS:
                # Counted like LMI and TGI count it: the EOS token is a generated token.
                yield Finish("eos_token", count)
                return
            piece = word if word in _NO_SPACE_BEFORE else f" {word}"
            text += piece
            yield Token(self.vocab[word], piece, round(log_prob, 4))
            if any(text.endswith(stop) for stop in params.stop_sequences):
                yield Finish("stop_sequence", count)
                return
            previous = word
        yield Finish("length", params.max_new_tokens)


def load_model(model_dir: str | Path) -> BigramModel:
    """Loads the model described by ``model_dir/model.json``."""
    root = Path(model_dir)
    try:
        spec = json.loads((root / "model.json").read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ModelError(f"{root / 'model.json'} is missing; see the artifact layout in README.md") from exc
    except json.JSONDecodeError as exc:
        raise ModelError(f"{root / 'model.json'} is not valid JSON: {exc}") from exc
    if spec.get("type") != "bigram":
        raise ModelError(f'model.json type {spec.get("type")!r} is not supported (expected "bigram")')
    corpus_file = root / str(spec.get("corpus", "corpus.txt"))
    try:
        return BigramModel(corpus_file.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ModelError(f"{corpus_file} is missing") from exc
