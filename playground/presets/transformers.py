"""Presets of the Transformers lab: encoder tasks (reverse, copy, parity, forecasting) and a decoder-only
character model."""

from __future__ import annotations

from playground.presets.base import preset

BASE = {"lab": "transformers", "model.kind": "transformer", "train.optimizer": "adam", "train.lr": 0.003,
        "train.batch_size": 64, "data.train_fraction": 0.8, "data.val_fraction": 0.1,
        "model.transformer.d_model": 32, "model.transformer.heads": 2, "model.transformer.layers": 2,
        "model.transformer.d_ff": 64}

preset("transformer_reverse", "Reverse eight symbols (encoder)",
       "each answer position learns to attend to its mirror position: watch the anti-diagonal form",
       {**BASE, "data.name": "reverse", "data.seq_len": 8, "data.n_samples": 3000, "train.max_epochs": 10})
preset("transformer_copy", "Copy eight symbols (encoder)", "attention learns to look exactly L positions back",
       {**BASE, "data.name": "copy", "data.seq_len": 8, "data.n_samples": 3000, "train.max_epochs": 10})
preset("transformer_reverse_nopos", "Reverse without positions (fails)",
       "with no positional encoding attention sees a bag of symbols and cannot know which one is first",
       {**BASE, "data.name": "reverse", "data.seq_len": 8, "data.n_samples": 3000,
        "model.transformer.positions": "none", "train.max_epochs": 10})
preset("transformer_parity", "Bit parity (encoder, hard)", "parity flips with every bit: attention, which "
       "averages, usually stays at chance here; compare the GRU preset of the Sequences lab",
       {**BASE, "data.name": "parity", "data.seq_len": 8, "data.n_samples": 2000, "train.max_epochs": 40})
preset("transformer_sine", "Forecast sines (encoder)", "a Transformer over a window of a noisy sine mixture",
       {**BASE, "data.name": "sine", "data.seq_len": 30, "data.n_samples": 1000, "data.noise": 0.05,
        "model.transformer.positions": "learned", "train.max_epochs": 30})
preset("transformer_alice", "Character model: Alice (decoder-only)",
       "a tiny GPT: causal attention over 32 characters of Carroll's 1865 text; sample from it",
       {**BASE, "data.name": "alice", "data.seq_len": 32, "data.n_samples": 1000, "model.transformer.causal": True,
        "model.dropout": 0.1, "train.max_epochs": 15})
