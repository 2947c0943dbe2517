"""The exercise checks give the right verdict: the shipped solution passes, a wrong answer fails
with a reason, and each known shortcut (finite differences for "the chain rule by hand", the
library's autograd or cells inside "NumPy only", a lookup table, a recursive walk) fails and says
what it caught. Candidate answers are written to a temporary file and checked with
``run_checks(N, file=...)``, the way ``tinygrad-rnn check N --file PATH`` does.
"""
from __future__ import annotations

import contextlib
import io
import os
import subprocess
import textwrap
from pathlib import Path

import pytest

from tinygrad_rnn.cli.main import main
from tinygrad_rnn.lesson_checks import STATE_ENV
from tinygrad_rnn.lessons import exercise_path, run_checks



def _solution(number: int) -> str:
    return exercise_path(number, use_solutions=True).read_text(encoding="utf-8")


def _verdicts(number: int, source: str, tmp_path: Path, seed: int = 1234) -> dict[str, tuple[bool, str]]:
    path = tmp_path / f"candidate_{number:02d}.py"
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return {o.fn_name: (o.ok, o.message) for o in run_checks(number, file=path, seed=seed)}


def _patched(number: int, old: str, new: str) -> str:
    text = _solution(number)
    assert old in text, f"the solution of lesson {number} changed: {old!r} not found"
    return text.replace(old, new, 1)


def _appended(number: int, extra: str) -> str:
    """The solution with one function redefined at the end (the later definition wins)."""
    return _solution(number) + "\n\n" + textwrap.dedent(extra)


@pytest.mark.parametrize("number", [1, 2, 3, 4, 5, 6, 7, 13])
@pytest.mark.parametrize("seed", [3, 11])
def test_shipped_solution_passes(number: int, seed: int, tmp_path: Path) -> None:
    verdicts = _verdicts(number, _solution(number), tmp_path, seed)
    assert verdicts and all(ok for ok, _ in verdicts.values()), verdicts


# ---- wrong answers: fail, naming the output that is wrong --------------------------------

WRONG = {
    1: ("neuron_grads", "return dL_dq * x, dL_dq", "return dL_dq * w, dL_dq", "∂L/∂w is off"),
    2: ("MatMul", "return g @ self.b.T, self.a.T @ g", "return g @ self.b.T, g.T @ self.a", "MatMul.backward"),
    3: ("bptt", "dW += np.outer(delta, states[t - 1])", "dW += np.outer(delta, states[t])", "dW is off"),
    4: ("clip_by_global_norm", "coef = max_norm / (total + 1e-6)", "coef = max_norm / total ** 2", "array 0"),
    5: ("lstm_step_backward", "d_f = d_c * c * f * (1 - f)", "d_f = d_c * f * (1 - f)", "∂L/∂"),
    6: ("first_saturated_step", "", "", "you returned"),
    7: ("gru_step_backward", '"h": dh_new * z + d_hid @ weight_hh', '"h": d_hid @ weight_hh', "∂L/∂h is off"),
    13: ("indrnn_gradient_product", "return slopes.prod(axis=0)", "return slopes.sum(axis=0)", "finite differences"),
}


@pytest.mark.parametrize("number", sorted(WRONG))
def test_a_wrong_answer_fails_with_a_reason(number: int, tmp_path: Path) -> None:
    fn_name, old, new, reason = WRONG[number]
    if number == 6:
        source = _appended(6, """
            def first_saturated_step(writes, threshold=0.99):
                c = np.cumsum(writes)
                hits = np.nonzero(np.abs(np.tanh(c)) > threshold)[0]
                return int(hits[0]) + 1 if len(hits) else -1      # one step late
            """)
    else:
        source = _patched(number, old, new)
    verdicts = _verdicts(number, source, tmp_path)
    ok, message = verdicts[fn_name]
    assert not ok and reason in message, message
    others = [ok for name, (ok, _) in verdicts.items() if name != fn_name]
    assert all(others), "only the broken exercise should fail"


# ---- the shortcuts the review found ---------------------------------------------------------

def test_lesson1_finite_differences_are_not_the_chain_rule(tmp_path: Path) -> None:
    source = _appended(1, """
        def neuron_grads(w, x, b, y):
            L = lambda w, b: (math.tanh(w * x + b) - y) ** 2
            h = 1e-5
            return (L(w + h, b) - L(w - h, b)) / (2 * h), (L(w, b + h) - L(w, b - h)) / (2 * h)
        """)
    for seed in (1, 2, 3):
        ok, message = _verdicts(1, source, tmp_path, seed)["neuron_grads"]
        assert not ok and "finite-difference" in message, message


def test_lesson1_a_forward_difference_is_not_a_central_one(tmp_path: Path) -> None:
    source = _appended(1, """
        def central_difference(f, x, h=1e-5):
            return (f(x + h) - f(x)) / h
        """)
    ok, message = _verdicts(1, source, tmp_path)["central_difference"]
    assert not ok and "exactly twice" in message, message


def test_lesson1_library_autograd_is_caught(tmp_path: Path) -> None:
    source = _appended(1, """
        import tinygrad_rnn as tg

        def neuron_grads(w, x, b, y):
            tw = tg.tensor(w, dtype=tg.float64, requires_grad=True)
            tb = tg.tensor(b, dtype=tg.float64, requires_grad=True)
            (((tw * x + tb).tanh() - y) ** 2).backward()
            return tw.grad.item(), tb.grad.item()
        """)
    ok, message = _verdicts(1, source, tmp_path)["neuron_grads"]
    assert not ok and message.startswith("caught:") and "tinygrad_rnn" in message, message


def test_lesson2_op_backward_through_the_library_is_caught(tmp_path: Path) -> None:
    source = _patched(2, "        return g @ self.b.T, self.a.T @ g", """        import tinygrad_rnn as tg
        a = tg.tensor(self.a, dtype=tg.float64, requires_grad=True)
        b = tg.tensor(self.b, dtype=tg.float64, requires_grad=True)
        (a @ b).backward(gradient=tg.tensor(g, dtype=tg.float64))
        return a.grad.numpy(), b.grad.numpy()""")
    ok, message = _verdicts(2, source, tmp_path)["MatMul"]
    assert not ok and message.startswith("caught:"), message


def test_lesson2_a_recursive_walk_is_caught(tmp_path: Path) -> None:
    source = _appended(2, """
        def consumer_counts(root):
            counts, seen = {}, set()
            def visit(node):
                if id(node) in seen or node.ctx is None:
                    return
                seen.add(id(node))
                for p in node.ctx.parents:
                    counts[id(p)] = counts.get(id(p), 0) + 1
                    visit(p)
            visit(root)
            return counts
        """)
    ok, message = _verdicts(2, source, tmp_path)["consumer_counts"]
    assert not ok and "recursion limit" in message, message


def test_lesson2_a_walk_that_does_not_wait_for_all_consumers_fails(tmp_path: Path) -> None:
    source = _appended(2, """
        def backward(root):
            root.grad = np.ones_like(root.data)
            stack = [root]
            while stack:                          # depth first, passing on incomplete gradients
                node = stack.pop()
                if node.ctx is None:
                    continue
                for p, pg in zip(node.ctx.parents, node.ctx.backward(node.grad)):
                    p.grad = pg if p.grad is None else p.grad + pg
                    stack.append(p)
        """)
    ok, message = _verdicts(2, source, tmp_path)["backward"]
    assert not ok and ("ran" in message or "is off" in message), message


def test_lesson3_bptt_with_library_autograd_is_caught(tmp_path: Path) -> None:
    source = _appended(3, """
        import tinygrad_rnn as tg

        def bptt(U, W, V, xs, ys):
            tU, tW, tV = (tg.tensor(a, dtype=tg.float64, requires_grad=True) for a in (U, W, V))
            s, E = tg.zeros(W.shape[0], dtype=tg.float64), None
            for t in range(len(xs)):
                s = (tU @ tg.tensor(xs[t], dtype=tg.float64) + tW @ s).tanh()
                e = -(tV @ s).log_softmax(axis=0)[ys[t]]
                E = e if E is None else E + e
            E.backward()
            return tU.grad.numpy(), tW.grad.numpy(), tV.grad.numpy()
        """)
    ok, message = _verdicts(3, source, tmp_path)["bptt"]
    assert not ok and message.startswith("caught: bptt()") and "NumPy only" in message, message


def test_lesson3_bptt_with_torch_is_caught(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    source = _appended(3, """
        import torch

        def bptt(U, W, V, xs, ys):
            tU, tW, tV = (torch.tensor(a, requires_grad=True) for a in (U, W, V))
            s, E = torch.zeros(W.shape[0], dtype=torch.float64), 0
            for t in range(len(xs)):
                s = torch.tanh(tU @ torch.tensor(xs[t]) + tW @ s)
                E = E - torch.log_softmax(tV @ s, 0)[ys[t]]
            E.backward()
            return tU.grad.numpy(), tW.grad.numpy(), tV.grad.numpy()
        """)
    ok, message = _verdicts(3, source, tmp_path)["bptt"]
    assert not ok and message.startswith("caught:") and "torch" in message, message


def test_lesson5_loading_the_weights_into_lstmcell_is_caught(tmp_path: Path) -> None:
    source = _appended(5, """
        import tinygrad_rnn as tg

        def lstm_step_numpy(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
            cell = tg.nn.LSTMCell(x.shape[1], h.shape[1], dtype=tg.float64)
            cell.load_state_dict({"weight_ih": weight_ih, "weight_hh": weight_hh, "bias_ih": bias_ih,
                                  "bias_hh": bias_hh})
            h_new, c_new = cell(tg.tensor(x), (tg.tensor(h), tg.tensor(c)))
            return h_new.numpy(), c_new.numpy()
        """)
    ok, message = _verdicts(5, source, tmp_path)["lstm_step_numpy"]
    assert not ok and message.startswith("caught: lstm_step_numpy()") and "LSTMCell" in message, message


def test_lesson5_backward_by_finite_differences_fails(tmp_path: Path) -> None:
    source = _appended(5, """
        def lstm_step_backward(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, dh_new, dc_new):
            args = {"x": x, "h": h, "c": c, "weight_ih": weight_ih, "weight_hh": weight_hh,
                    "bias_ih": bias_ih, "bias_hh": bias_hh}
            def L():
                hn, cn = lstm_step_numpy(**args)
                return float((hn * dh_new).sum() + (cn * dc_new).sum())
            out = {}
            for k, a in args.items():
                a = a.copy()
                args[k] = a
                g = np.zeros_like(a)
                for idx in np.ndindex(a.shape):
                    old = a[idx]
                    a[idx] = old + 1e-6
                    up = L()
                    a[idx] = old - 1e-6
                    down = L()
                    a[idx] = old
                    g[idx] = (up - down) / 2e-6
                out[k] = g
            return out
        """)
    ok, message = _verdicts(5, source, tmp_path)["lstm_step_backward"]
    assert not ok and "finite-difference" in message, message


def test_lesson5_a_lookup_table_for_steps_until_forgotten_fails(tmp_path: Path) -> None:
    source = _appended(5, """
        def steps_until_forgotten(forget_preactivation, fraction):
            table = {(0.0, 0.01): 7, (1.0, 0.01): 17, (-1.0, 0.5): 1, (3.0, 1e-3): 141, (2.0, 0.25): 11,
                     (0.0, 0.5): 2}
            return table.get((forget_preactivation, fraction), 1)
        """)
    for seed in (1, 2):
        ok, message = _verdicts(5, source, tmp_path, seed)["steps_until_forgotten"]
        assert not ok and "you returned" in message, message


def test_lesson7_backward_with_torch_is_caught(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    source = _appended(7, """
        import torch

        def gru_step_backward(x, h, weight_ih, weight_hh, bias_ih, bias_hh, dh_new):
            cell = torch.nn.GRUCell(x.shape[1], h.shape[1]).double()
            with torch.no_grad():
                for name, a in (("weight_ih", weight_ih), ("weight_hh", weight_hh), ("bias_ih", bias_ih),
                                ("bias_hh", bias_hh)):
                    getattr(cell, name).copy_(torch.tensor(a))
            tx, th = torch.tensor(x, requires_grad=True), torch.tensor(h, requires_grad=True)
            (cell(tx, th) * torch.tensor(dh_new)).sum().backward()
            out = {"x": tx.grad.numpy(), "h": th.grad.numpy()}
            out.update({k: getattr(cell, k).grad.numpy() for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")})
            return out
        """)
    ok, message = _verdicts(7, source, tmp_path)["gru_step_backward"]
    assert not ok and message.startswith("caught:") and "torch" in message, message


def test_lesson13_a_cell_that_is_not_the_indrnn_fails(tmp_path: Path) -> None:
    source = _patched(13, "h_new = a.relu()", "h_new = a.tanh()")
    ok, message = _verdicts(13, source, tmp_path)["IndRNNCell"]
    assert not ok and "relu" in message, message


# ---- the command line: --file, --hint levels, the exercise path -------------------------

def _cli(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess:
    """``tinygrad-rnn ARGS`` in this process (fast), with the hint state kept under tmp_path."""
    old = os.environ.get(STATE_ENV)
    os.environ[STATE_ENV] = str(tmp_path / "state")
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(args)
    finally:
        if old is None:
            os.environ.pop(STATE_ENV, None)
        else:
            os.environ[STATE_ENV] = old
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


def test_check_names_the_file_and_hints_go_one_level_deeper_each_time(tmp_path: Path) -> None:
    first = _cli(["check", "5"], tmp_path)
    assert first.returncode == 1 and str(exercise_path(5)) in first.stdout, first.stdout
    assert "hint 1 of" not in first.stdout and "--hint" in first.stdout
    seen = []
    for level in (1, 2, 3, 4, 5):
        out = _cli(["check", "5", "--hint"], tmp_path).stdout
        line = next(ln for ln in out.splitlines() if "lstm_step_backward" in ln or "backward, by hand" in ln)
        nxt = out.splitlines()[out.splitlines().index(line) + 1]
        seen.append(nxt)
        if level <= 4:
            assert f"hint {level} of 4:" in nxt, out
    assert len(set(seen[:4])) == 4, "each --hint shows a new nudge"
    assert "no more hints" in seen[4] and "solutions" in seen[4]
    assert (tmp_path / "state" / "hints.json").is_file()
    reset = _cli(["check", "5", "--hint", "--reset-hints"], tmp_path).stdout
    assert "hint 1 of 4" in reset


def test_check_file_checks_a_copy_and_seed_repeats_the_inputs(tmp_path: Path) -> None:
    copy = tmp_path / "my_05.py"
    copy.write_text(_solution(5), encoding="utf-8")
    done = _cli(["check", "5", "--file", str(copy), "--seed", "77"], tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"checking {copy}" in done.stdout and "seed 77" in done.stdout
    wrong = tmp_path / "wrong_05.py"
    wrong.write_text(_patched(5, "d_g = d_c * i * (1 - g ** 2)", "d_g = d_c * i * (1 - g)"), encoding="utf-8")
    a = _cli(["check", "5", "--file", str(wrong), "--seed", "5"], tmp_path).stdout
    b = _cli(["check", "5", "--file", str(wrong), "--seed", "5"], tmp_path).stdout
    assert "✗ 2." in a and a == b, "the same seed gives the same inputs and the same report"


def test_lesson_prints_the_exercise_file(tmp_path: Path) -> None:
    done = _cli(["lesson", "3", "--notebook", "--out", str(tmp_path / "03.ipynb")], tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert str(exercise_path(3)) in done.stdout and "tinygrad-rnn check 3" in done.stdout


def test_lesson_notebook_out_is_a_file_when_it_ends_in_ipynb_else_a_folder(tmp_path: Path) -> None:
    import json
    folder = tmp_path / "nbdir"
    folder.mkdir()
    done = _cli(["lesson", "1", "--notebook", "--out", str(folder)], tmp_path)     # an existing folder
    assert done.returncode == 0, done.stderr
    written = folder / "01_derivatives.ipynb"
    assert json.loads(written.read_text(encoding="utf-8"))["nbformat"] == 4
    assert str(written) in done.stdout
    done = _cli(["lesson", "1", "--notebook", "--out", str(tmp_path / "nb")], tmp_path)   # a new folder
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "nb" / "01_derivatives.ipynb").is_file()
    done = _cli(["lesson", "1", "--notebook", "--out", str(tmp_path / "mine.ipynb")], tmp_path)   # the file
    assert done.returncode == 0 and (tmp_path / "mine.ipynb").is_file(), done.stderr
    for missing in ("no_such_folder/x.ipynb", "no_such_folder/sub"):
        done = _cli(["lesson", "1", "--notebook", "--out", str(tmp_path / missing)], tmp_path)
        assert done.returncode == 2, done.stderr
        assert "--out" in done.stderr and "no_such_folder does not exist" in done.stderr, done.stderr
        assert not (tmp_path / "no_such_folder").exists()
    (tmp_path / "plain").write_text("x", encoding="utf-8")
    done = _cli(["lesson", "1", "--notebook", "--out", str(tmp_path / "plain")], tmp_path)
    assert done.returncode == 2 and "not a folder" in done.stderr and ".ipynb" in done.stderr, done.stderr
    assert (tmp_path / "plain").read_text(encoding="utf-8") == "x"


def test_lesson_help_says_the_out_rule(capsys) -> None:
    assert main(["lesson", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "ending in .ipynb is the notebook file" in text and "any other path a folder" in text


def test_library_use_in_a_thread_is_caught_too(tmp_path: Path) -> None:
    source = _appended(3, """
        import threading
        import tinygrad_rnn as tg

        def bptt(U, W, V, xs, ys):
            box = {}
            def work():
                box["t"] = tg.tensor(U)
            th = threading.Thread(target=work)
            th.start()
            th.join()
            return np.zeros_like(U), np.zeros_like(W), np.zeros_like(V)
        """)
    ok, message = _verdicts(3, source, tmp_path)["bptt"]
    assert not ok and message.startswith("caught:"), message


def test_show_displays_inline_under_ipython_and_prints_the_path(monkeypatch, capsys, tmp_path: Path) -> None:
    import sys
    import types

    from tinygrad_rnn.lessons import show
    shown = []
    ipython = types.ModuleType("IPython")
    ipython.get_ipython = lambda: object()
    display_mod = types.ModuleType("IPython.display")
    display_mod.Image = lambda filename: ("image", filename)
    display_mod.display = shown.append
    monkeypatch.setitem(sys.modules, "IPython", ipython)
    monkeypatch.setitem(sys.modules, "IPython.display", display_mod)
    show(tmp_path / "a.png")
    assert shown == [("image", str(tmp_path / "a.png"))]
    ipython.get_ipython = lambda: None          # a plain script: only the path
    show(tmp_path / "b.png")
    assert len(shown) == 1 and "b.png" in capsys.readouterr().out


def test_every_lesson_uses_the_one_show_helper() -> None:
    from tinygrad_rnn.lessons import find_lessons
    for lesson in find_lessons():
        text = lesson.path.read_text(encoding="utf-8")
        assert "def show(" not in text, f"{lesson.path.name} defines its own show()"
        assert "show(" in text, f"{lesson.path.name} never shows a picture inline"
