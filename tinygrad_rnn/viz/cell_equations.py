"""The equation behind each named tensor of a cell, read from the cell's own source.

A cell names its tensors (``f.name = "f"``) right under the equation they compute, written
as a comment (``# f_t = σ(a_f + forget_bias + w_cf ⊙ c_{t−1})``). Those comments describe
every variant the class can compute; a page about one cell must show the equation *that*
cell computes. :func:`cell_equations` therefore reads the comments in three steps:

1. **Branches.** A comment inside ``if self.reset_after:`` (or its ``else:``) counts only when
   the cell takes that branch, so a GRU shows the ``n_t`` of its own variant. Only tests
   made of ``self`` attributes and constants are evaluated; any other test keeps both sides.
2. **The tensor's own equation.** Of the comments since the previous named tensor, the one
   whose left-hand side is the name (``c_t = …``) wins over a nearer remark about it
   (``TF1: c_t = clip(…)``); without one, the nearest comment with an ``=``.
3. **Terms and notes.** A term the cell does not compute is dropped: a peephole term
   ``+ w_cf ⊙ c_{t−1}`` without ``peepholes``, ``+ forget_bias`` when it is 0, a bias
   without ``bias``; ``σ``, ``tanh`` and an RNN's ``act`` become the cell's activations.
   A note in parentheses after two spaces is commentary and is dropped, except a variant's
   own equation (``(1997: c_t = c_{t−1} + i_t ⊙ g_t)``, ``(projection: h_t = W_hr·…)``),
   which replaces the main one for a cell of that variant. Clipping is written into the
   equation it clips.

Given a class instead of a cell, nothing is evaluated: every comment counts and the terms
stay as written.
"""
from __future__ import annotations

import ast
import inspect
import re
import textwrap
from typing import Any, Callable

from ..nn.activations import name_of

__all__ = ["cell_equations"]

_NAME_ASSIGN = re.compile(r"""^\s*\w+\.name\s*=\s*["'](\w+)["']""")
_NOTE = re.compile(r"^(.*?\S)\s{2,}\((.+)\)\s*$")          # "eq   (note)"
_PEEPHOLE = re.compile(r"\s*\+\s*w_c\w\s*⊙\s*c_(?:\{t−1\}|t(?!\w))")
_FORGET_BIAS = re.compile(r"\s*\+\s*forget_bias\b")

# Notes of the form "(variant: equation)": when the cell is of that variant, the note's
# equation is the one it computes.
_VARIANTS: dict[str, Callable[[Any], bool]] = {
    "1997": lambda cell: getattr(cell, "forget_gate", True) is False,
    "1997 cell": lambda cell: getattr(cell, "forget_gate", True) is False,
    "projection": lambda cell: getattr(cell, "weight_hr", None) is not None,
}


def cell_equations(cell: Any) -> dict[str, str]:
    """``{"f": "f_t = σ(a_f + forget_bias)", ...}``: the equation of each named tensor of
    ``cell``'s forward (a cell, or a cell class for the comments as written), and ``"*"``:
    the first equation of forward (the pre-activations every gate shares)."""
    cell_type = cell if isinstance(cell, type) else type(cell)
    instance = None if isinstance(cell, type) else cell
    try:
        source = textwrap.dedent(inspect.getsource(cell_type.forward))
    except (OSError, TypeError):
        return {}
    lines = source.splitlines()
    dead = _lines_not_taken(source, instance) if instance is not None else set()
    eqs: dict[str, str] = {}
    since_last: list[str] = []         # equation comments since the previous named tensor
    for number, line in enumerate(lines, start=1):
        if number in dead:
            continue
        s = line.strip()
        if s.startswith("#") and "=" in s:
            comment = s.lstrip("# ").strip()
            eqs.setdefault("*", comment)
            since_last.append(comment)
            continue
        m = _NAME_ASSIGN.match(line)
        if m and since_last and m.group(1) not in eqs:
            name = m.group(1)
            own = re.compile(rf"^{re.escape(name)}(?:_t|_\{{t\}})?\s*=")
            eqs[name] = next((c for c in reversed(since_last) if own.match(c)), since_last[-1])
            since_last = []
    if instance is None:
        return eqs
    return {name: _fit(name, eq, instance) for name, eq in eqs.items()}


def _fit(name: str, eq: str, cell: Any) -> str:
    """``eq`` as ``cell`` computes it (step 3 of the module docstring)."""
    m = _NOTE.match(eq)
    main, note = (m.group(1), m.group(2)) if m else (eq, "")
    label, colon, alternative = note.partition(":")
    variant = _VARIANTS.get(label.strip())
    if colon and variant is not None and variant(cell):
        alternative = alternative.strip()
        # "(1997 cell: [a_i | a_g | a_o])" names only the left-hand side
        main = alternative if "=" in alternative else f"{alternative} = {main.split('=', 1)[1].strip()}"
    if not getattr(cell, "peepholes", False):
        main = _PEEPHOLE.sub("", main)
    if getattr(cell, "forget_bias", None) == 0:
        main = _FORGET_BIAS.sub("", main)
    for bias in ("b_ih", "b_hh"):                # bias=False
        if getattr(cell, bias.replace("b_", "bias_"), True) is None:
            main = re.sub(rf"\s*\+\s*{bias}(?!\w)", "", main)
    if isinstance(getattr(cell, "nonlinearity", None), str):      # RNNCell: act is tanh or relu
        main = re.sub(r"(?<!\w)act\(", cell.nonlinearity + "(", main)
    # the gates' squashing is written σ, the candidate's and output's tanh: the defaults
    for attr, written, default in (("recurrent_activation", "σ(", "sigmoid"), ("activation", "tanh(", "tanh")):
        fn = getattr(cell, attr, None)
        if callable(fn) and name_of(fn) != default:
            main = re.sub(rf"(?<!\w){re.escape(written)}", name_of(fn) + "(", main)
    # the clipped value is the one named (and carried on); proj_clip acts only after a projection
    clip = {"c": "cell_clip", "h": "proj_clip"}.get(name)
    clipped = clip is not None and getattr(cell, clip, None) is not None
    if clip == "proj_clip" and getattr(cell, "weight_hr", None) is None:
        clipped = False
    lhs, eq_sign, rhs = main.partition(" = ")
    if clipped and eq_sign:
        main = f"{lhs} = clip({rhs}, ±{clip})"
    return main


def _lines_not_taken(source: str, cell: Any) -> set[int]:
    """Line numbers (1-based, in ``source``) inside the branches of ``if`` statements that
    ``cell`` does not take; tests that cannot be evaluated safely leave both sides in."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    dead: set[int] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.If) or not node.body:
            continue
        taken = _evaluate(node.test, cell)
        if taken is None:
            continue
        body = range(node.test.end_lineno + 1, node.body[-1].end_lineno + 1)
        orelse = range(node.body[-1].end_lineno + 1, node.orelse[-1].end_lineno + 1) if node.orelse else range(0)
        dead.update(orelse if taken else body)
    return dead


def _evaluate(test: ast.expr, cell: Any) -> bool | None:
    """The truth of an ``if`` test made only of ``self`` attributes, constants, comparisons
    and boolean operators (``self.peepholes``, ``self.cell_clip is not None``); None for any
    other test (a call, another variable), which is never run."""
    allowed = (ast.Attribute, ast.Name, ast.Constant, ast.Compare, ast.BoolOp, ast.UnaryOp, ast.Load,
               ast.And, ast.Or, ast.Not, ast.Is, ast.IsNot, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE)
    for sub in ast.walk(test):
        if not isinstance(sub, allowed) or (isinstance(sub, ast.Name) and sub.id != "self"):
            return None
    try:
        return bool(eval(compile(ast.Expression(test), "<cell test>", "eval"),   # noqa: S307 (checked above)
                         {"__builtins__": {}}, {"self": cell}))
    except Exception:               # an attribute the cell lacks: show both sides
        return None
