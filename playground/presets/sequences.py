"""Presets of the Sequences lab: one per task family on RNN/LSTM/GRU, and the adding-problem race."""

from __future__ import annotations

from playground.presets.base import preset

ADAM = {"lab": "sequences", "train.optimizer": "adam", "train.lr": 0.01, "train.batch_size": 32,
        "data.train_fraction": 0.8, "data.val_fraction": 0.1, "model.rnn.hidden_size": 32, "train.grad_clip": 1.0}

preset("seq_sine_lstm", "Forecast sines (LSTM)", "an LSTM predicts the next value of noisy sine mixtures; "
       "the rollout feeds its own predictions back",
       {**ADAM, "data.name": "sine", "data.seq_len": 30, "data.n_samples": 1000, "data.noise": 0.05,
        "model.kind": "lstm", "train.max_epochs": 30})
preset("seq_sawtooth_gru", "Forecast a sawtooth (GRU)", "a GRU learns a ramp that drops back every period",
       {**ADAM, "data.name": "sawtooth", "data.seq_len": 30, "data.n_samples": 1000, "model.kind": "gru",
        "train.max_epochs": 30})
preset("seq_damped_multistep", "Damped oscillation, 5 steps at once (LSTM)",
       "multi-step forecasting: the LSTM outputs the next five values of a decaying, re-kicked oscillation",
       {**ADAM, "data.name": "damped", "data.seq_len": 40, "data.n_samples": 1000, "data.sequence.horizon": 5,
        "model.kind": "lstm", "train.max_epochs": 30})
preset("seq_parity_gru", "Bit parity (GRU)", "is the number of ones odd? The answer flips with every bit, so the "
       "network must carry one bit of state through all ten; the loss sits at chance for ~20 epochs, then drops",
       {**ADAM, "data.name": "parity", "data.seq_len": 10, "data.n_samples": 3000, "model.kind": "gru",
        "train.lr": 0.003, "train.max_epochs": 40})
preset("seq_adding_race_rnn", "Race: adding problem, plain RNN (fails)",
       "two numbers marked 15+ steps apart must be added; a tanh RNN's gradient vanishes through time and it "
       "stays at the 'always predict the mean, 1.0' baseline (MSE 0.167)",
       {**ADAM, "data.name": "adding", "data.seq_len": 30, "data.n_samples": 2000, "train.batch_size": 50,
        "model.kind": "rnn", "train.max_epochs": 30})
preset("seq_adding_race_lstm", "Race: adding problem, LSTM (solves it)",
       "the same task and budget as the plain RNN: the LSTM's cell state carries the marked numbers, MSE → 0",
       {**ADAM, "data.name": "adding", "data.seq_len": 30, "data.n_samples": 2000, "train.batch_size": 50,
        "model.kind": "lstm", "train.max_epochs": 30})
preset("seq_copy_lstm", "Copy five symbols (LSTM)", "read five symbols, then repeat them on the recall markers",
       {**ADAM, "data.name": "copy", "data.seq_len": 5, "data.sequence.vocab": 6, "data.n_samples": 3000,
        "model.kind": "lstm", "model.rnn.hidden_size": 64, "train.max_epochs": 40})
preset("seq_reverse_bilstm", "Reverse five symbols (bidirectional LSTM)",
       "a bidirectional LSTM reads the sequence both ways and writes it backwards",
       {**ADAM, "data.name": "reverse", "data.seq_len": 5, "data.sequence.vocab": 6, "data.n_samples": 3000,
        "model.kind": "lstm", "model.rnn.bidirectional": True, "model.rnn.hidden_size": 64,
        "train.max_epochs": 40})
preset("seq_alice_lstm", "Character model: Alice (LSTM)",
       "a character-level LSTM on Carroll's 1865 text; sample from it with temperature and top-k",
       {**ADAM, "data.name": "alice", "data.seq_len": 32, "data.n_samples": 1500, "model.kind": "lstm",
        "model.rnn.hidden_size": 64, "model.rnn.embed_dim": 24, "model.dropout": 0.1, "train.batch_size": 64,
        "train.lr": 0.005, "train.max_epochs": 8})
