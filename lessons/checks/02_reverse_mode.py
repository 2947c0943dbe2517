"""Checks for lesson 2's exercises (run with ``tinygrad-rnn check 2``).

The expected answers come from tinygrad_rnn's autograd in float64, on inputs and graphs drawn
fresh every run. The learner's engine runs with a watch on the library (it is NumPy only).
"""
import sys

import numpy as np

import tinygrad_rnn as tg
from tinygrad_rnn.lesson_checks import assert_close, by_hand, rng

RULE = "NumPy only (it is your engine; tinygrad_rnn is what it is checked against)"


def _t(a):
    return tg.tensor(np.asarray(a, dtype=np.float64), dtype=tg.float64, requires_grad=True)


def _broadcast_pair(r):
    """A big shape and a shape that broadcasts to it."""
    n, m = (int(v) for v in r.integers(2, 5, 2))
    big = (n, m) if r.random() < 0.6 else (int(r.integers(2, 4)), n, m)
    small = [(m,), (1, m), (n, 1), (), big[-2:], big, (1, 1)][int(r.integers(0, 7))]
    return big, small


def check_sum_to_shape(fn):
    r = rng()
    for _ in range(8):
        big, small = _broadcast_pair(r)
        grad = r.standard_normal(big)
        got = by_hand(fn, grad.copy(), small, what=RULE)
        b = _t(np.zeros(small))
        (b + tg.zeros(*big, dtype=tg.float64)).backward(gradient=tg.tensor(grad, dtype=tg.float64))
        assert_close(f"sum_to_shape(grad of shape {big}, {small})", got, b.grad.numpy(), {"grad": grad})


# ---- the five ops ---------------------------------------------------------------------------

def _op_case(r, op):
    n, k, m = (int(v) for v in r.integers(2, 5, 3))
    if op in ("Add", "Mul"):
        big, small = _broadcast_pair(r)
        return [r.standard_normal(big), r.standard_normal(small)][::(1 if r.random() < 0.5 else -1)]
    if op == "MatMul":
        return [r.standard_normal((n, k)), r.standard_normal((k, m))]
    return [r.standard_normal((n, m))]


_TG = {"Add": lambda a, b: a + b, "Mul": lambda a, b: a * b, "Tanh": lambda a: a.tanh(),
       "Sum": lambda a: a.sum(), "MatMul": lambda a, b: a @ b}
_FORMULA = {"Add": "c = a + b", "Mul": "c = a ⊙ b", "Tanh": "y = tanh(x)", "Sum": "s = Σ x", "MatMul": "C = A @ B"}


def _check_op(cls, op):
    Node = sys.modules[cls.__module__].Node
    r = rng()
    for _ in range(5):
        arrays = _op_case(r, op)
        out = by_hand(cls.apply, *(Node(a) for a in arrays), what=RULE)
        g = r.standard_normal(np.shape(out.data))
        got = by_hand(out.ctx.backward, g.copy(), what=RULE)
        if not isinstance(got, tuple) or len(got) != len(arrays):
            raise AssertionError(f"{op}.backward should return a tuple of {len(arrays)} gradient(s), one per input; "
                                 f"got {type(got).__name__}" + (f" of length {len(got)}" if isinstance(got, tuple) else ""))
        ts = [_t(a) for a in arrays]
        _TG[op](*ts).backward(gradient=tg.tensor(g, dtype=tg.float64))
        shapes = " and ".join(str(np.shape(a)) for a in arrays)
        names = ["the first input's gradient", "the second input's gradient"]
        for i, (mine, t) in enumerate(zip(got, ts)):
            assert_close(f"{op}.backward ({_FORMULA[op]}): {names[i] if len(arrays) > 1 else 'the gradient'}",
                         mine, t.grad.numpy(), {"inputs of shape": shapes, "g of shape": np.shape(g)})


def check_add(cls):
    _check_op(cls, "Add")


def check_mul(cls):
    _check_op(cls, "Mul")


def check_tanh(cls):
    _check_op(cls, "Tanh")


def check_sum(cls):
    _check_op(cls, "Sum")


def check_matmul(cls):
    _check_op(cls, "MatMul")


# ---- random graphs ---------------------------------------------------------------------------

def _program(r):
    """A random graph: leaves of a few shapes, 6–14 ops reusing earlier results (diamonds, a + a)."""
    n, m = (int(v) for v in r.integers(2, 5, 2))
    leaves = {"x": (n, m), "y": (n, m), "W": (m, m), "b": (m,), "col": (n, 1)}
    values = {k: r.standard_normal(s) for k, s in leaves.items()}
    main = ["x", "y"]                     # names of (n, m) values
    steps = []
    for i in range(int(r.integers(6, 15))):
        op = ["add", "mul", "tanh", "matmul"][int(r.integers(0, 4))]
        a = main[int(r.integers(0, len(main)))]
        if op == "tanh":
            args = (a,)
        elif op == "matmul":
            args = (a, "W")
        else:
            b = (main + ["b", "col"])[int(r.integers(0, len(main) + 2))]
            args = (a, b) if r.random() < 0.5 else (b, a)
        name = f"t{i + 1}"
        steps.append((name, op, args))
        main.append(name)
    last, other = main[-1], main[int(r.integers(0, len(main) - 1))]
    steps += [("s1", "sum", (last,)), ("s2", "sum", (other,)), ("L", "add", ("s1", "s2"))]
    return values, steps


def _describe(steps):
    sym = {"add": "+", "mul": "*", "matmul": "@"}
    parts = []
    for name, op, args in steps:
        parts.append(f"{name} = {args[0]} {sym[op]} {args[1]}" if op in sym else f"{name} = {op}({args[0]})")
    return "; ".join(parts)


def _run(steps, values, ops):
    env = dict(values)
    for name, op, args in steps:
        env[name] = ops[op](*(env[a] for a in args))
    return env


def _reference_ops(learner):
    """Correct ops built on the learner's Node and Function; each backward call is logged."""
    F = learner.Function
    log = []

    def unb(g, shape):
        lead = g.ndim - len(shape)
        g = g.sum(axis=tuple(range(lead)))
        for ax, k in enumerate(shape):
            if k == 1 and g.shape[ax] != 1:
                g = g.sum(axis=ax, keepdims=True)
        return g.reshape(shape)

    class RAdd(F):
        def forward(self, a, b):
            self.s = a.shape, b.shape
            return a + b

        def backward(self, g):
            log.append(self)
            return unb(g, self.s[0]), unb(g, self.s[1])

    class RMul(F):
        def forward(self, a, b):
            self.a, self.b = a, b
            return a * b

        def backward(self, g):
            log.append(self)
            return unb(g * self.b, self.a.shape), unb(g * self.a, self.b.shape)

    class RTanh(F):
        def forward(self, x):
            self.y = np.tanh(x)
            return self.y

        def backward(self, g):
            log.append(self)
            return (g * (1 - self.y ** 2),)

    class RSum(F):
        def forward(self, x):
            self.shape = x.shape
            return x.sum()

        def backward(self, g):
            log.append(self)
            return (np.broadcast_to(g, self.shape).copy(),)

    class RMatMul(F):
        def forward(self, a, b):
            self.a, self.b = a, b
            return a @ b

        def backward(self, g):
            log.append(self)
            return g @ self.b.T, self.a.T @ g

    def wrap(cls):
        def make(*nodes):
            out = cls.apply(*nodes)
            out.ctx.out = out
            return out
        return make
    ops = {"add": wrap(RAdd), "mul": wrap(RMul), "tanh": wrap(RTanh), "sum": wrap(RSum), "matmul": wrap(RMatMul)}
    return ops, log


def _tg_ops():
    return {"add": lambda a, b: a + b, "mul": lambda a, b: a * b, "tanh": lambda a: a.tanh(),
            "sum": lambda a: a.sum(), "matmul": lambda a, b: a @ b}


def _live(steps):
    """The steps the root L depends on (a random program may compute things L never uses)."""
    args_of = {name: args for name, _, args in steps}
    live, stack = {"L"}, ["L"]
    while stack:
        for a in args_of.get(stack.pop(), ()):
            if a not in live:
                live.add(a)
                stack.append(a)
    return [st for st in steps if st[0] in live]


def _expected_counts(steps):
    counts = {}
    for _, _, args in _live(steps):
        for a in args:
            counts[a] = counts.get(a, 0) + 1
    return counts


def _deep_chain(learner_ops, Node, r, depth=1500):
    x = Node(r.standard_normal((2, 3)) * 0.1)
    w = Node(r.standard_normal((2, 3)) * 0.5)
    h = x
    for _ in range(depth):
        h = learner_ops["tanh"](learner_ops["add"](learner_ops["mul"](h, w), x))
    return learner_ops["sum"](h), x, w


def check_consumer_counts(fn):
    learner = sys.modules[fn.__module__]
    r = rng()
    ops, _ = _reference_ops(learner)
    for _ in range(4):
        values, steps = _program(r)
        env = _run(steps, {k: learner.Node(v) for k, v in values.items()}, ops)
        got = by_hand(fn, env["L"], what=RULE)
        if not isinstance(got, dict):
            raise AssertionError(f"consumer_counts should return a dict {{id(node): count}}, got {type(got).__name__}")
        want = _expected_counts(steps)
        for name, count in want.items():
            mine = got.get(id(env[name]), 0)
            if mine != count:
                raise AssertionError(f"node {name} feeds {count} op input(s) but you counted {mine}, in the graph "
                                     f"{_describe(steps)}")
        extra = set(got) - {id(env[k]) for k in want}
        if any(got[k] for k in extra):
            raise AssertionError(f"you counted consumers for a node nothing consumes (the root?), in {_describe(steps)}")
    root, _, _ = _deep_chain(ops, learner.Node, r)
    try:
        got = by_hand(fn, root, what=RULE)
    except RecursionError:
        raise AssertionError("on a chain of 4 500 ops your consumer_counts hit Python's recursion limit: walk with "
                             "an explicit stack (a list you push to and pop from) instead of calling yourself") from None
    want = 3 * 1500 + 2      # per step: h * w, + x, tanh; plus the leaves x and w
    if len([k for k, v in got.items() if v]) != want:
        raise AssertionError(f"a chain of 1 500 steps (h = tanh(h * w + x)) has {want} consumed nodes; you counted "
                             f"{len(got)}")


def check_backward(fn):
    learner = sys.modules[fn.__module__]
    r = rng()
    for _ in range(5):
        ops, log = _reference_ops(learner)
        values, steps = _program(r)
        env = _run(steps, {k: learner.Node(v) for k, v in values.items()}, ops)
        by_hand(fn, env["L"], what=RULE)
        tenv = _run(steps, {k: _t(v) for k, v in values.items()}, _tg_ops())
        tenv["L"].backward()
        where = {"the graph": _describe(steps)}
        # each op's backward exactly once, and only after every op that consumed its output
        ran = {}
        for i, f in enumerate(log):
            ran.setdefault(id(f), []).append(i)
        live = _live(steps)
        for name, op, args in live:
            f = env[name].ctx
            if len(ran.get(id(f), [])) != 1:
                raise AssertionError(f"the backward of {name} ({op}) ran {len(ran.get(id(f), []))} times; each op's "
                                     f"backward must run exactly once, in {_describe(steps)}")
        for name, op, args in live:
            when = ran[id(env[name].ctx)][0]
            for a in args:
                if a in values:
                    continue
                if ran[id(env[a].ctx)][0] < when:
                    raise AssertionError(f"the backward of {a} ran before that of {name}, which consumes {a}: "
                                         f"{a}'s gradient was not complete yet (Kahn's order lets a node in only "
                                         f"when its last consumer has reported), in {_describe(steps)}")
        for k in values:
            t = tenv[k]
            if t.grad is None:
                if env[k].grad is not None and np.abs(env[k].grad).max() > 0:
                    raise AssertionError(f"leaf {k} is not used, so it gets no gradient, but yours is nonzero")
                continue
            assert_close(f"the gradient of leaf {k} {values[k].shape}", env[k].grad, t.grad.numpy(), where)
        assert_close("the gradient of the root L", env["L"].grad, np.ones(()), where)
    ops, log = _reference_ops(learner)
    root, x, w = _deep_chain(ops, learner.Node, r)
    try:
        by_hand(fn, root, what=RULE)
    except RecursionError:
        raise AssertionError("on a chain of 4 500 ops your backward hit Python's recursion limit: keep the nodes "
                             "that are ready in a list (a stack) and loop until it is empty") from None
    if x.grad is None or w.grad is None:
        raise AssertionError("on a chain of 1 500 steps h = tanh(h * w + x), x or w got no gradient")


CHECKS = [
    ("1. sum a broadcast gradient back to its shape", "sum_to_shape", check_sum_to_shape, [
        "each element of the input was copied to several places of the output; its gradient adds up all of them",
        "two kinds of copies: leading axes the input does not have at all, and axes where the input has size 1",
        "sum the leading axes away (axis=tuple(range(extra))), then sum each size-1 axis with keepdims=True",
    ]),
    ("2a. Add.backward", "Add", check_add, [
        "∂(a + b)/∂a is 1 element by element: the output's gradient passes through unchanged…",
        "…but a or b may have been broadcast: bring each gradient back to its input's shape with your sum_to_shape",
    ]),
    ("2b. Mul.backward", "Mul", check_mul, [
        "∂(a ⊙ b)/∂a = b, element by element: multiply the incoming gradient by the other input",
        "forward kept self.a and self.b; broadcasting again means sum_to_shape to each input's shape",
    ]),
    ("2c. Tanh.backward", "Tanh", check_tanh, [
        "forward kept y = tanh(x): the derivative of tanh can be written with y alone",
        "tanh′(x) = 1 − tanh²(x); return a tuple with one element",
    ]),
    ("2d. Sum.backward", "Sum", check_sum, [
        "every element of x adds into the sum with weight 1: each gets the whole incoming gradient",
        "the gradient has x's shape (self.shape), every element equal to g (np.full or np.broadcast_to(...).copy())",
    ]),
    ("2e. MatMul.backward", "MatMul", check_matmul, [
        "write C_ij = Σ_k A_ik B_kj and ask which C_ij depend on A_ik, and with which factor",
        "∂L/∂A_ik = Σ_j g_ij B_kj: a matrix product of g with B transposed; check the shapes (n, m) @ (m, k) → (n, k)",
    ]),
    ("3. consumer counts", "consumer_counts", check_consumer_counts, [
        "start from root; for each node made by an op (node.ctx is not None), every entry of node.ctx.parents is one "
        "consumer slot",
        "visit each node once (a set of ids you have seen), but count a parent every time it appears in a "
        "parents tuple (a + a counts 2)",
        "no recursion: stack = [root]; while stack: pop a node, count its parents, push the ones not seen yet",
    ]),
    ("4. the backward walk", "backward", check_backward, [
        "root.grad = ones; then a node is ready when every op that consumed it has sent its share: your counts tell "
        "how many shares to wait for",
        "keep a list of ready nodes, starting with [root]; pop one, call its ctx.backward(node.grad), and give each "
        "parent its share (add it to parent.grad if it already has one)",
        "after giving a parent its share, lower its count by one; when the count reaches 0, the parent is ready",
    ]),
]
