"""A whole training run against PyTorch: same initial weights, same batches, float64.

Layer (with padded batches), linear head, mean squared error, backward through time, global
gradient-norm clipping and Adam must follow PyTorch's trajectory step for step. This is what
"correct like PyTorch" means for a user who trains a model."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import tinygrad_rnn as tg
from tinygrad_rnn.data.adding import adding_1997

STEPS, T, H = 12, 20, 8


@pytest.mark.parametrize("kind", ["lstm", "gru"])
@pytest.mark.parametrize("fused", [False, True])
def test_training_follows_pytorch_step_for_step(kind, fused):
    torch.manual_seed(0)
    ref = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[kind](2, H, batch_first=True).double()
    ref_head = torch.nn.Linear(H, 1).double()
    ref_params = list(ref.parameters()) + list(ref_head.parameters())
    ref_opt = torch.optim.Adam(ref_params, lr=0.01)

    layer = {"lstm": tg.nn.LSTM, "gru": tg.nn.GRU}[kind](2, H, batch_first=True, fused=fused).double()
    head = tg.nn.Linear(H, 1).double()
    layer.load_state_dict(ref.state_dict())
    head.load_state_dict(ref_head.state_dict())
    params = layer.parameters() + head.parameters()
    opt = tg.optim.Adam(params, lr=0.01)

    rng = np.random.default_rng(0)
    for step in range(STEPS):
        x, y, lengths = adding_1997(8, T, seed=rng)
        x, y = x.astype(np.float64), y.astype(np.float64)

        packed = torch.nn.utils.rnn.pack_padded_sequence(torch.tensor(x), lengths, batch_first=True,
                                                         enforce_sorted=False)
        _, h = ref(packed)
        h = h[0] if kind == "lstm" else h
        ref_loss = ((ref_head(h[-1]) - torch.tensor(y)) ** 2).mean()
        ref_opt.zero_grad()
        ref_loss.backward()
        ref_norm = torch.nn.utils.clip_grad_norm_(ref_params, 0.5)
        ref_opt.step()

        _, state = layer(tg.Tensor(x), lengths=lengths)
        h = state[0] if kind == "lstm" else state
        loss = ((head(h[-1]) - tg.Tensor(y)) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        norm = tg.nn.clip_grad_norm(params, 0.5)
        opt.step()

        assert loss.item() == pytest.approx(ref_loss.item(), rel=1e-9, abs=1e-12), f"step {step}"
        assert norm == pytest.approx(float(ref_norm), rel=1e-9)
    for ours, theirs in zip(params, ref_params):
        np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-8, atol=1e-10)
