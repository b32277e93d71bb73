"""Optional LMI request handler: an input formatter that makes requests safe for a shared endpoint.

LMI finds the function marked ``@input_formatter`` in ``model.py`` and runs it on every request
before the vLLM rolling batch sees it. This one:

* accepts both LMI's ``{"inputs", "parameters"}`` body and the OpenAI-style ``{"prompt",
  "max_tokens", "temperature", "stop"}`` shape (mapped onto LMI's names);
* caps ``max_new_tokens`` (default and upper bound come from the container environment:
  ``FMOPS_DEFAULT_MAX_NEW_TOKENS`` / ``FMOPS_MAX_NEW_TOKENS_CAP``, which deploy.ts sets), so one
  client cannot hold a batch slot for the whole context window. Environment variables rather than
  ``option.*`` keys, because LMI passes unknown ``option.*`` keys on to the engine;
* always asks for ``details`` so the last streamed line carries ``finish_reason`` and
  ``generated_tokens``, which clients use for usage accounting.

The normalisation lives in ``normalize_payload`` (plain Python, no GPU, no djl_python) so it can be
tested anywhere; only the thin decorated wrapper needs the LMI container.
"""

from __future__ import annotations

import os
from typing import Any, Mapping

try:  # Present inside the LMI container; absent when the logic is tested on its own.
    from djl_python.input_parser import input_formatter
except ImportError:  # pragma: no cover - exercised only outside the container

    def input_formatter(fn):  # type: ignore[no-redef]
        return fn


DEFAULT_MAX_NEW_TOKENS = 512
MAX_NEW_TOKENS_CAP = 2048

# OpenAI-style names clients often send, and the LMI parameter each one means.
_ALIASES = {
    "max_tokens": "max_new_tokens",
    "stop": "stop_sequences",
    "temperature": "temperature",
    "top_p": "top_p",
    "seed": "seed",
}


class PayloadError(ValueError):
    """The request body cannot be served; the message says which field is wrong."""


def _limit(env: Mapping[str, str], key: str, default: int) -> int:
    value = env.get(key, str(default))
    try:
        number = int(value)
    except ValueError as exc:
        raise PayloadError(f"environment variable {key} must be an integer, got {value!r}") from exc
    if number <= 0:
        raise PayloadError(f"environment variable {key} must be positive, got {number}")
    return number


def normalize_payload(payload: Any, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Returns the LMI request body for ``payload``; raises PayloadError when it is unusable."""
    if not isinstance(payload, dict):
        raise PayloadError("the request body must be a JSON object")
    env = os.environ if env is None else env
    default_tokens = _limit(env, "FMOPS_DEFAULT_MAX_NEW_TOKENS", DEFAULT_MAX_NEW_TOKENS)
    cap = _limit(env, "FMOPS_MAX_NEW_TOKENS_CAP", MAX_NEW_TOKENS_CAP)
    default_tokens = min(default_tokens, cap)

    if "inputs" in payload:
        inputs = payload["inputs"]
        parameters = dict(payload.get("parameters") or {})
    elif "prompt" in payload:
        inputs = payload["prompt"]
        parameters = {lmi: payload[name] for name, lmi in _ALIASES.items() if name in payload}
    else:
        raise PayloadError('the body needs "inputs" (LMI) or "prompt" (OpenAI-style)')
    if not isinstance(inputs, str) or not inputs.strip():
        raise PayloadError('"inputs" must be a non-empty string')
    if not isinstance(parameters, dict):
        raise PayloadError('"parameters" must be an object')

    requested = parameters.get("max_new_tokens", default_tokens)
    if not isinstance(requested, int) or isinstance(requested, bool) or requested <= 0:
        raise PayloadError('"max_new_tokens" must be a positive integer')
    parameters["max_new_tokens"] = min(requested, cap)
    stop = parameters.get("stop_sequences")
    if isinstance(stop, str):
        parameters["stop_sequences"] = [stop]
    parameters["details"] = True

    body: dict[str, Any] = {"inputs": inputs, "parameters": parameters}
    if payload.get("stream") is True:
        body["stream"] = True
    return body


@input_formatter
def lmi_input_formatter(decoded_payload: dict, tokenizer=None, **kwargs) -> dict:
    """LMI hook (vLLM / TensorRT-LLM engines): normalise each decoded request body."""
    return normalize_payload(decoded_payload)
