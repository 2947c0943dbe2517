"""The guided demo (the README's main command) runs and writes what it promises."""
from __future__ import annotations

from tinygrad_rnn.cli.main import main


def test_demo_quick_writes_every_picture_and_the_table(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--quick", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    for name in ("gradient_flow.png", "rnn_vs_lstm_collapsed.png", "rnn_vs_lstm_collapsed.svg",
                 "lstm_3_steps.png", "lstm_3_steps.svg"):
        assert (out / name).stat().st_size > 1000, name
    for run in ("train_rnn", "train_lstm", "train_lstm_fb2", "train_gru"):
        assert (out / run / "loss.png").exists() and (out / run / "checkpoint.npz").exists()
    for label in ("RNN (tanh)", "LSTM, PyTorch init", "LSTM, forget bias 2", "GRU"):
        assert label in printed
    assert "test solved" in printed and "tinygrad-rnn lessons" in printed
    # each part's files are listed under its own header, before the next part begins
    order = [printed.index(text) for text in ("[2/4]", "rnn_vs_lstm_collapsed.png", "[3/4]", "lstm_3_steps.png",
                                                "[4/4]")]
    assert order == sorted(order), order
    svg = (out / "rnn_vs_lstm_collapsed.svg").read_text()
    assert "t=0" in svg and "forget bias 1" in svg   # one box per step, captions say which case
