"""Character-level language modelling on a small public-domain text shipped with the project.

The text is assets/alice_ch1.txt: the opening of chapter I ("Down the Rabbit-Hole") of Lewis Carroll's
"Alice's Adventures in Wonderland" (1865), as in Project Gutenberg eBook #11. Public domain: published
1865, the author died in 1898. Nothing is downloaded.

The text is cut into train/validation/test regions (in that order, so no window is shared), and
windows of seq_len + 1 characters become (x = ids[:-1], y = ids[1:]): predict every next character.
Id 0 is padding (the attribution baseline). `meta["unigram_entropy"]` is the entropy (nats) of the
training region's character frequencies: a model that ignores context cannot score below it.
This module does not train or sample (see playground/views/sequences.py for generation).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np

from playground.data.base import CLASSIFICATION, DATASETS, Dataset, DataSpec, Split

ASSET = Path(__file__).parent / "assets" / "alice_ch1.txt"
PAD_TOKEN = "·"


@cache
def corpus() -> str:
    return " ".join(ASSET.read_text(encoding="utf-8").split())   # one line, single spaces


def vocabulary(text: str) -> tuple[str, ...]:
    """Padding first, then every character of the text in sorted order."""
    return (PAD_TOKEN, *sorted(set(text)))


def encode(text: str, vocab: tuple[str, ...]) -> np.ndarray:
    index = {c: i for i, c in enumerate(vocab)}
    return np.array([index.get(c, 0) for c in text], dtype=np.int64)


def decode(ids, vocab: tuple[str, ...]) -> str:
    return "".join(vocab[int(i)] if 0 < int(i) < len(vocab) else "" for i in ids)


def unigram_entropy(ids: np.ndarray, vocab_size: int) -> float:
    """Entropy in nats of the character frequencies: the loss of the best context-free model."""
    p = np.bincount(ids, minlength=vocab_size) / len(ids)
    p = p[p > 0]
    return float(-(p * np.log(p)).sum())


def _windows(ids: np.ndarray, seq_len: int, n: int, rng: np.random.Generator) -> Split:
    import torch

    n_starts = len(ids) - seq_len
    if n_starts < 1:
        raise ValueError("region too short")
    starts = rng.integers(0, n_starts, n)
    chunks = np.stack([ids[s:s + seq_len + 1] for s in starts])       # (N, L+1)
    return Split(torch.from_numpy(chunks[:, :-1].copy()), torch.from_numpy(chunks[:, 1:].copy()))


def build_text(cfg, seed: int) -> Dataset:
    from playground.registry import ConfigError

    text = corpus()
    vocab = vocabulary(text)
    ids = encode(text, vocab)
    rng = np.random.default_rng(seed)
    a = int(len(ids) * cfg.train_fraction)
    b = a + max(int(len(ids) * cfg.val_fraction), cfg.seq_len + 2)
    regions = {"train": ids[:a], "val": ids[a:b], "test": ids[b:]}
    if min(len(r) for r in regions.values()) <= cfg.seq_len + 1:
        raise ConfigError("data.seq_len", f"{cfg.seq_len} is too long for this {len(ids):,}-character text's "
                                          "splits; use a shorter length or a larger training share")
    n = {"train": cfg.n_samples, "val": max(1, cfg.n_samples // 5), "test": max(1, cfg.n_samples // 5)}
    splits = {k: _windows(r, cfg.seq_len, n[k], rng) for k, r in regions.items()}
    spec = DataSpec(CLASSIFICATION, (cfg.seq_len,), len(vocab), vocab_size=len(vocab), output_len=cfg.seq_len)
    return Dataset(spec=spec, train=splits["train"], val=splits["val"], test=splits["test"], class_names=vocab,
                   meta={"family": "sequences", "kind": "lm", "metric": "token_accuracy", "tokens": vocab,
                         "text": text, "causal": True,
                         "unigram_entropy": unigram_entropy(regions["train"], len(vocab)),
                         "source": "Lewis Carroll, Alice's Adventures in Wonderland (1865), ch. I; public domain"})


DATASETS.add("alice", build_text, "Text: Alice in Wonderland (characters)",
             "predict the next character of Carroll's 1865 text (public domain)", task=CLASSIFICATION,
             family="sequences")
