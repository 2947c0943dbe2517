"""The training tasks behind ``tinygrad-rnn train``: data, loss and success criterion of each.

A task draws its training batches from its own NumPy generator (seeded by ``--seed``), so
a checkpoint that stores that generator's state (``state_dict``) resumes into exactly the
batches an uninterrupted run would have seen. Each task's ``evaluate`` applies the task's own
criterion — the 1997 paper's for the adding problem and the Reber grammar — to a fixed
test set drawn from a different seed than training.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..arguments import size
from ..errors import ArgumentError, TinygradRNNError
from .. import backend
from ..data import adding, copy_task, reber
from ..data.digits import load_digits
from ..data.mnist import load_mnist
from ..data.text import CharCorpus
from ..modes import no_grad
from ..nn.losses import binary_cross_entropy_with_logits, cross_entropy, mse_loss
from ..nn.state import detach_state
from ..tensor import Tensor


class Task:
    """Base class. Subclasses set the sizes and defaults and define the three methods."""

    name = "task"
    # what loss.png draws on its second axis: a key of evaluate()'s result and its label
    plot_metric = ("score", "evaluation score (higher is better)")
    input_size = 1
    output_size = 1
    vocab_size: int | None = None
    # sensible defaults for a 2-core CPU; every one can be overridden on the command line
    defaults: dict[str, Any] = dict(hidden=64, lr=1e-3, batch=32, steps=1000, clip=1.0)

    def __init__(self, seed: int = 0, device: str = "cpu", **options: Any) -> None:
        self.seed = size(seed, "seed", type(self).__name__)
        backend.parse_device(device)      # an unknown device is refused here, not at the first batch
        self.device = device
        self.options = options
        self.rng = np.random.default_rng(seed)

    def tensor(self, array: np.ndarray) -> Tensor:
        return Tensor(array, device=self.device)

    def train_loss(self, model: Any, batch_size: int, step: int) -> Tensor:
        raise NotImplementedError

    def evaluate(self, model: Any) -> dict[str, Any]:
        raise NotImplementedError

    def steps_per_epoch(self, batch_size: int) -> int | None:
        """For data-set tasks: batches in one pass over the training data (None for generators)."""
        return None

    def state_dict(self) -> dict[str, Any]:
        return {"rng": self.rng.bit_generator.state}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.rng.bit_generator.state = state["rng"]

    def config(self) -> dict[str, Any]:
        return {"task": self.name, "seed": self.seed, **self.options}


class AddingTask(Task):
    """The adding problem. ``variant="1997"``: Hochreiter & Schmidhuber's experiment 4 (sequence
    length T..1.1T, success = |error| < 0.04); ``variant="simple"``: fixed length T, target
    X1 + X2, scored by MSE against the 1/6 of always answering 1."""

    name = "adding"
    input_size, output_size = 2, 1
    # Measured on one CPU thread: with T = 30, Adam at 3e-3 and the forget-gate bias starting at
    # 1, an LSTM passes the 1997 criterion for 95% of the test set in about 1000 steps (the whole
    # 2000-step default run: 47 s on 2 cores). The paper's T = 100 with PyTorch's plain initialisation sat at chance for
    # minutes; it takes --T 100 and many more steps.
    defaults = dict(hidden=64, lr=3e-3, batch=32, steps=2000, clip=1.0, T=30,
                    cell_options={"unit_forget_bias": True})
    TEST_SIZE = 2560

    def __init__(self, seed: int = 0, device: str = "cpu", T: int = 30, variant: str = "1997", **kw: Any) -> None:
        if variant not in ("1997", "simple"):
            raise ArgumentError(f"adding: variant must be '1997' or 'simple', got {variant!r}")
        super().__init__(seed, device, T=T, variant=variant)
        self.T, self.variant = T, variant
        self.test = self._draw(self.TEST_SIZE, np.random.default_rng(seed + 1_000_003))

    @property
    def plot_metric(self) -> tuple[str, str]:  # type: ignore[override]
        if self.variant == "1997":
            return "accuracy", "test sequences within 0.04 (1997 criterion)"
        return "mse", "test MSE (lower is better)"

    def _draw(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        if self.variant == "1997":
            return adding.adding_1997(n, self.T, seed=rng)
        x, y = adding.adding_problem(n, self.T, seed=rng)
        return x, y, None

    def train_loss(self, model: Any, batch_size: int, step: int) -> Tensor:
        x, y, lengths = self._draw(batch_size, self.rng)
        return mse_loss(model.last(self.tensor(x), lengths), self.tensor(y))

    def evaluate(self, model: Any) -> dict[str, Any]:
        x, y, lengths = self.test
        with no_grad():
            pred = np.concatenate([backend.to_numpy(model.last(self.tensor(x[i:i + 512]), None if lengths is None
                                   else lengths[i:i + 512]).data) for i in range(0, len(x), 512)])
        mse = float(np.mean((pred - y) ** 2))
        if self.variant == "1997":
            acc = adding.adding_1997_accuracy(pred, y)
            return {"mse": mse, "accuracy": acc, "score": acc, "solved": acc >= 0.95,
                    "summary": f"{acc:.1%} of {len(x)} test sequences within 0.04 (1997 criterion), MSE {mse:.5f}"}
        return {"mse": mse, "score": -mse, "solved": mse < 0.01,
                "summary": f"test MSE {mse:.5f} (always answering 1 gives about {1 / 6:.4f})"}


class ReberTask(Task):
    """The embedded Reber grammar (1997, experiment 1): predict the set of legal next symbols.
    Solved when every step of every training and test string has its legal symbols as the most
    active outputs."""

    name = "reber"
    plot_metric = ("test_correct", "test strings fully correct (1997 criterion)")
    input_size, output_size = 7, 7
    defaults = dict(hidden=32, lr=1e-2, batch=32, steps=1500, clip=1.0)

    def __init__(self, seed: int = 0, device: str = "cpu", **kw: Any) -> None:
        super().__init__(seed, device)
        self.data = reber.embedded_reber(256, 256, seed=seed + 7)

    def _outputs(self, model: Any, x: np.ndarray, lengths: np.ndarray) -> Tensor:
        out, _ = model(self.tensor(x), lengths=lengths)
        return out

    def train_loss(self, model: Any, batch_size: int, step: int) -> Tensor:
        idx = self.rng.integers(0, len(self.data["train_inputs"]), size=batch_size)
        x, y, lengths = (self.data[k][idx] for k in ("train_inputs", "train_targets", "train_lengths"))
        L = x.shape[1]
        mask = (np.arange(L)[None, :] < lengths[:, None]).astype(x.dtype)[:, :, None]
        logits = self._outputs(model, x, lengths)
        per_step = binary_cross_entropy_with_logits(logits, self.tensor(y), reduction="none")
        return (per_step * self.tensor(mask)).sum() * (1.0 / float(mask.sum() * 7))

    def evaluate(self, model: Any) -> dict[str, Any]:
        out = {}
        with no_grad():
            for split in ("train", "test"):
                x, y, lengths = (self.data[f"{split}_{k}"] for k in ("inputs", "targets", "lengths"))
                logits = backend.to_numpy(self._outputs(model, x, lengths).data)
                out[split] = float(reber.reber_correct(logits, y, lengths).mean())
        solved = out["train"] == 1.0 and out["test"] == 1.0
        return {"train_correct": out["train"], "test_correct": out["test"], "score": out["test"], "solved": solved,
                "summary": f"strings fully correct: train {out['train']:.1%}, test {out['test']:.1%} (1997 criterion)"}


class CopyTask(Task):
    """Remember k symbols across a blank stretch of ``lag`` steps, then write them back."""

    name = "copy"
    plot_metric = ("accuracy", "symbols recalled right")
    defaults = dict(hidden=64, lr=1e-3, batch=32, steps=2000, clip=1.0)

    def __init__(self, seed: int = 0, device: str = "cpu", k: int = 5, lag: int = 30, symbols: int = 8, **kw: Any) -> None:
        super().__init__(seed, device, k=k, lag=lag, symbols=symbols)
        self.k, self.lag, self.symbols = k, lag, symbols
        self.input_size = self.output_size = symbols + 2
        self.test = copy_task.copy_task(512, k, lag, symbols, seed=seed + 1_000_003)

    def _loss(self, model: Any, x: np.ndarray, y: np.ndarray) -> tuple[Tensor, Tensor]:
        logits, _ = model(self.tensor(x))
        flat = logits.reshape(-1, self.output_size)
        return cross_entropy(flat, self.tensor(y.reshape(-1))), logits

    def train_loss(self, model: Any, batch_size: int, step: int) -> Tensor:
        x, y = copy_task.copy_task(batch_size, self.k, self.lag, self.symbols, seed=self.rng)
        return self._loss(model, x, y)[0]

    def evaluate(self, model: Any) -> dict[str, Any]:
        x, y = self.test
        with no_grad():
            loss, logits = self._loss(model, x, y)
        acc = copy_task.copy_accuracy(backend.to_numpy(logits.data), y, self.k)
        base = copy_task.copy_baseline(self.k, self.lag, self.symbols)
        return {"loss": loss.item(), "accuracy": acc, "score": acc, "solved": acc >= 0.99,
                "summary": f"recalled symbols right: {acc:.1%} (chance {1 / self.symbols:.1%}); "
                           f"loss {loss.item():.4f} nats/step vs memoryless {base:.4f}"}


class _ImageRows(Task):
    plot_metric = ("accuracy", "test accuracy")
    """Images read one row per step; the last hidden state classifies the digit."""

    output_size = 10

    def _setup(self, x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, y_test: np.ndarray) -> None:
        self.x_train, self.y_train, self.x_test, self.y_test = x_train, y_train, x_test, y_test
        self.input_size = x_train.shape[2]
        self.order = self.rng.permutation(len(x_train))

    def steps_per_epoch(self, batch_size: int) -> int:
        return max(1, len(self.x_train) // batch_size)

    def train_loss(self, model: Any, batch_size: int, step: int) -> Tensor:
        # epochs without replacement: a fresh permutation from the task's generator each epoch
        per_epoch = self.steps_per_epoch(batch_size)
        i = step % per_epoch
        if i == 0 and step > 0:
            self.order = self.rng.permutation(len(self.x_train))
        idx = self.order[i * batch_size:(i + 1) * batch_size]
        logits = model.last(self.tensor(self.x_train[idx]))
        return cross_entropy(logits, self.tensor(self.y_train[idx]))

    def evaluate(self, model: Any) -> dict[str, Any]:
        with no_grad():
            preds = np.concatenate([backend.to_numpy(model.last(self.tensor(self.x_test[i:i + 500])).data).argmax(1)
                                    for i in range(0, len(self.x_test), 500)])
        acc = float(np.mean(preds == self.y_test))
        confusion = np.zeros((10, 10), dtype=np.int64)
        np.add.at(confusion, (self.y_test, preds), 1)
        return {"accuracy": acc, "score": acc, "solved": acc >= 0.97, "confusion": confusion.tolist(),
                "summary": f"test accuracy {acc:.2%} on {len(self.y_test)} images"}

    def state_dict(self) -> dict[str, Any]:
        return {"rng": self.rng.bit_generator.state, "order": self.order}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.rng.bit_generator.state = state["rng"]
        self.order = np.asarray(state["order"])


class DigitsTask(_ImageRows):
    """scikit-learn's 8×8 digits, 8 steps of 8 pixels (needs scikit-learn)."""

    name = "digits"
    defaults = dict(hidden=128, lr=3e-3, batch=32, steps=1500, clip=1.0)

    def __init__(self, seed: int = 0, device: str = "cpu", **kw: Any) -> None:
        super().__init__(seed, device)
        self._setup(*load_digits(seed=0))


class MnistTask(_ImageRows):
    """MNIST from the IDX files in ``data``: 28 steps of 28 pixels (the classic TensorFlow recipe:
    128 hidden units, Adam at 0.001, batch 128)."""

    name = "mnist"
    defaults = dict(hidden=128, lr=1e-3, batch=128, steps=5000, clip=1.0)

    def __init__(self, seed: int = 0, device: str = "cpu", data: str | None = None, **kw: Any) -> None:
        if not data:
            raise ArgumentError("mnist needs --data DIR: a folder with the four MNIST IDX files "
                             "(train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-...)")
        super().__init__(seed, device, data=data)
        m = load_mnist(data)
        self.files = m.files
        self._setup(m.x_train, m.y_train, m.x_test, m.y_test)


class CharLMTask(Task):
    """A character language model trained with truncated BPTT on a text file (default: the
    Python reference manual shipped with CPython). Scored in bits per character on the
    validation split, next to unigram and bigram baselines from the same split."""

    name = "charlm"
    plot_metric = ("bpc", "validation bits per character (lower is better)")
    defaults = dict(hidden=256, lr=2e-3, batch=32, steps=3000, clip=1.0)

    def __init__(self, seed: int = 0, device: str = "cpu", data: str | None = None, bptt: int = 64,
                 embedding: int = 64, **kw: Any) -> None:
        super().__init__(seed, device, data=data, bptt=bptt, embedding=embedding)
        self.corpus = CharCorpus.from_file(data) if data else CharCorpus.python_docs()
        if len(self.corpus.valid) <= bptt:
            raise ArgumentError(f"charlm: the validation text ({len(self.corpus.valid)} characters, the last 10% of "
                             f"{data or 'the corpus'}) is shorter than --bptt {bptt} + 1; use a longer text or a "
                             f"smaller --bptt")
        self.vocab_size = self.input_size = self.output_size = self.corpus.vocab_size
        self.embedding_dim, self.bptt = embedding, bptt
        self.carry: Any = None       # the detached state carried from one window to the next
        self.offset = 0              # which window of the epoch comes next

    def config(self) -> dict[str, Any]:
        return {**super().config(), "vocab": "".join(self.corpus.vocab)}

    def steps_per_epoch(self, batch_size: int) -> int:
        return self.corpus.num_batches(batch_size, self.bptt)

    def train_loss(self, model: Any, batch_size: int, step: int) -> Tensor:
        n = self.steps_per_epoch(batch_size)
        if self.offset % n == 0:
            self.carry = None        # a new pass over the text starts from a zero state
        x, y = _window(self.corpus.train, batch_size, self.bptt, self.offset % n)
        self.offset += 1
        logits, state = model(self.tensor(x), state=self.carry)
        self.carry = detach_state(state)
        return cross_entropy(logits.reshape(-1, self.vocab_size), self.tensor(y.reshape(-1)))

    def evaluate(self, model: Any, max_windows: int = 50) -> dict[str, Any]:
        total, count, state = 0.0, 0, None
        # up to 16 parallel streams, fewer when the validation text is short
        streams = max(1, min(16, (len(self.corpus.valid) - 1) // (self.bptt + 1)))
        with no_grad():
            for j, (x, y) in enumerate(self.corpus.batches(streams, self.bptt, "valid")):
                if j >= max_windows:
                    break
                logits, state = model(self.tensor(x), state=state)
                total += cross_entropy(logits.reshape(-1, self.vocab_size), self.tensor(y.reshape(-1)),
                                       reduction="sum").item()
                count += y.size
        bpc = total / max(count, 1) / math.log(2)
        uni, bi = self.corpus.unigram_bpc(), self.corpus.bigram_bpc()
        return {"bpc": bpc, "perplexity": 2 ** bpc, "unigram_bpc": uni, "bigram_bpc": bi,
                "score": -bpc, "solved": bpc <= 2.0,
                "summary": f"validation {bpc:.3f} bits/char (perplexity {2 ** bpc:.2f}); "
                           f"unigram {uni:.3f}, bigram {bi:.3f}"}

    def state_dict(self) -> dict[str, Any]:
        carry = None
        if self.carry is not None:
            parts = self.carry if isinstance(self.carry, tuple) else (self.carry,)
            carry = [backend.to_numpy(p.data) for p in parts]
        return {"rng": self.rng.bit_generator.state, "offset": self.offset, "carry": carry}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.rng.bit_generator.state = state["rng"]
        self.offset = int(state["offset"])
        carry = state.get("carry")
        if carry is None:
            self.carry = None
        else:
            parts = tuple(self.tensor(np.asarray(p)) for p in carry)
            self.carry = parts if len(parts) > 1 else parts[0]


def _window(data: np.ndarray, batch_size: int, seq_len: int, index: int) -> tuple[np.ndarray, np.ndarray]:
    """Window ``index`` of :meth:`CharCorpus.batches` without walking the ones before it."""
    stream = (len(data) - 1) // batch_size
    x_all = data[:batch_size * stream].reshape(batch_size, stream)
    y_all = data[1:batch_size * stream + 1].reshape(batch_size, stream)
    s = index * seq_len
    return x_all[:, s:s + seq_len], y_all[:, s:s + seq_len]


TASKS: dict[str, type[Task]] = {t.name: t for t in (AddingTask, ReberTask, CopyTask, DigitsTask, MnistTask, CharLMTask)}


def make_task(name: str, **options: Any) -> Task:
    if not isinstance(name, str) or name not in TASKS:
        raise ArgumentError(f"make_task: unknown task {name!r}; choose from {', '.join(TASKS)}")
    try:
        return TASKS[name](**options)
    except TinygradRNNError as e:     # a generator's own message, prefixed with the call that reached it
        raise type(e)(f"make_task({name!r}): {e}") from e
