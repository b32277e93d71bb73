"""Triton Python backend model: extractive summarisation of each input text.

Scores every sentence by the document frequency of its content words and returns the top
sentences in their original order. Plain Python + numpy, so it serves on any instance; replace
``summarize`` with a call into a torch model (and set ``kind: KIND_GPU``) for abstractive output.
"""

from __future__ import annotations

import json
import re
from collections import Counter

import numpy as np
import triton_python_backend_utils as pb_utils

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_WORD = re.compile(r"[A-Za-z0-9']+")
# Words too common to say what a sentence is about.
_STOPWORDS = frozenset(
    "a an and are as at be but by for from has have he her his i in is it its of on or our "
    "she that the their them they this to was we were which will with you your".split()
)


def split_sentences(text: str) -> list[str]:
    """Splits text after ., ! or ? followed by whitespace; drops empty pieces."""
    return [s.strip() for s in _SENTENCE_END.split(text.strip()) if s.strip()]


def summarize(text: str, max_sentences: int) -> str:
    """The ``max_sentences`` highest-scoring sentences of ``text``, in document order."""
    if max_sentences <= 0:
        raise ValueError("MAX_SENTENCES must be positive")
    sentences = split_sentences(text)
    if len(sentences) <= max_sentences:
        return " ".join(sentences)
    words_per_sentence = [
        [w for w in (m.lower() for m in _WORD.findall(s)) if w not in _STOPWORDS]
        for s in sentences
    ]
    frequency = Counter(w for words in words_per_sentence for w in words)
    scores = [
        (sum(frequency[w] for w in words) / len(words)) if words else 0.0
        for words in words_per_sentence
    ]
    # Highest score first; ties go to the earlier sentence, so results are deterministic.
    ranked = sorted(range(len(sentences)), key=lambda i: (-scores[i], i))[:max_sentences]
    return " ".join(sentences[i] for i in sorted(ranked))


class TritonPythonModel:
    """The class Triton's Python backend instantiates once per model instance."""

    def initialize(self, args):
        config = json.loads(args["model_config"])
        parameters = config.get("parameters", {})
        default = parameters.get("DEFAULT_MAX_SENTENCES", {}).get("string_value", "3")
        self.default_max_sentences = int(default)
        output = pb_utils.get_output_config_by_name(config, "SUMMARY")
        self.output_dtype = pb_utils.triton_string_to_numpy(output["data_type"])

    def execute(self, requests):
        responses = []
        for request in requests:
            try:
                texts = pb_utils.get_input_tensor_by_name(request, "TEXT").as_numpy()
                limit_tensor = pb_utils.get_input_tensor_by_name(request, "MAX_SENTENCES")
                limits = (
                    limit_tensor.as_numpy().reshape(-1).tolist()
                    if limit_tensor is not None
                    else [self.default_max_sentences] * texts.shape[0]
                )
                summaries = []
                for row, limit in zip(texts.reshape(-1).tolist(), limits):
                    text = row.decode("utf-8") if isinstance(row, bytes) else str(row)
                    summaries.append(summarize(text, int(limit)).encode("utf-8"))
                out = np.array(summaries, dtype=self.output_dtype).reshape(texts.shape)
                responses.append(
                    pb_utils.InferenceResponse(output_tensors=[pb_utils.Tensor("SUMMARY", out)])
                )
            except (ValueError, UnicodeDecodeError) as exc:
                # One bad request fails alone; the rest of the batch is still answered.
                responses.append(
                    pb_utils.InferenceResponse(output_tensors=[], error=pb_utils.TritonError(str(exc)))
                )
        return responses

    def finalize(self):
        pass
