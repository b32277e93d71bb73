"""ROUGE-1/2/L/Lsum in plain Python, following Google's rouge_score step for step.

rouge_score is not packaged for Debian and PyPI is unreachable here, so bench/evaluation.ts
times this instead: the same tokenizer (lowercase, non-alphanumerics to spaces, NLTK's Porter
stemmer on tokens longer than 3 characters), Counter-based clipped n-gram overlap, the full
LCS table for ROUGE-L, and the union-LCS summary-level score for ROUGE-Lsum. It is a speed
baseline and an independent cross-check of fmops' numbers, not a replacement for rouge_score.

Reads {"pairs": [[reference, candidate], ...], "runs": N} on stdin; prints one JSON object.
"""
import collections
import json
import re
import sys
import time

from nltk.stem import porter

NON_ALPHANUMERIC = re.compile(r"[^a-z0-9]+")
SPACES = re.compile(r"\s+")
VALID_TOKEN = re.compile(r"^[a-z0-9]+$")
STEMMER = porter.PorterStemmer()


def tokenize(text):
    tokens = SPACES.split(NON_ALPHANUMERIC.sub(" ", text.lower()))
    tokens = [STEMMER.stem(t) if len(t) > 3 else t for t in tokens]
    return [t for t in tokens if VALID_TOKEN.match(t)]


def with_fmeasure(precision, recall):
    f = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return [precision, recall, f]


def prf(hits, predicted, target):
    return with_fmeasure(hits / max(predicted, 1), hits / max(target, 1))


def ngrams(tokens, n):
    return collections.Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def rouge_n(target, prediction, n):
    t, p = ngrams(target, n), ngrams(prediction, n)
    hits = sum(min(count, p[gram]) for gram, count in t.items())
    return prf(hits, sum(p.values()), sum(t.values()))


def lcs_table(ref, can):
    table = [[0] * (len(can) + 1) for _ in range(len(ref) + 1)]
    for i in range(1, len(ref) + 1):
        for j in range(1, len(can) + 1):
            if ref[i - 1] == can[j - 1]:
                table[i][j] = table[i - 1][j - 1] + 1
            else:
                table[i][j] = max(table[i - 1][j], table[i][j - 1])
    return table


def rouge_l(target, prediction):
    if not target or not prediction:
        return [0.0, 0.0, 0.0]
    lcs = lcs_table(target, prediction)[-1][-1]
    return with_fmeasure(lcs / len(prediction), lcs / len(target))


def lcs_indices(ref, can):
    table = lcs_table(ref, can)
    i, j, found = len(ref), len(can), []
    while i > 0 and j > 0:
        if ref[i - 1] == can[j - 1]:
            found.insert(0, i - 1)
            i, j = i - 1, j - 1
        elif table[i][j - 1] > table[i - 1][j]:
            j -= 1
        else:
            i -= 1
    return found


def rouge_lsum(target_text, prediction_text):
    refs = [tokenize(s) for s in target_text.split("\n") if len(s)]
    cans = [tokenize(s) for s in prediction_text.split("\n") if len(s)]
    m, n = sum(map(len, refs)), sum(map(len, cans))
    if not refs or not cans or not m or not n:
        return [0.0, 0.0, 0.0]
    ref_counts = collections.Counter(t for s in refs for t in s)
    can_counts = collections.Counter(t for s in cans for t in s)
    hits = 0
    for ref in refs:
        union = sorted(set().union(*[lcs_indices(ref, can) for can in cans]))
        for token in (ref[i] for i in union):
            if ref_counts[token] > 0 and can_counts[token] > 0:
                hits += 1
                ref_counts[token] -= 1
                can_counts[token] -= 1
    return with_fmeasure(hits / n, hits / m)


def score(reference, candidate):
    target, prediction = tokenize(reference), tokenize(candidate)
    return [
        rouge_n(target, prediction, 1),
        rouge_n(target, prediction, 2),
        rouge_l(target, prediction),
        rouge_lsum(reference, candidate),
    ]


def main():
    inp = json.load(sys.stdin)
    runs = []
    scores = []
    for _ in range(inp["runs"]):
        t0 = time.perf_counter()
        scores = [score(r, c) for r, c in inp["pairs"]]
        runs.append((time.perf_counter() - t0) * 1000)
    print(json.dumps({"runs": runs, "scores": scores}))


main()
