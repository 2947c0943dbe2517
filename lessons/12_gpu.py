# %% [markdown]
# # 12. On the GPU
# > Same code, other device: moving tensors and models with .to("cuda"), where the time of a recurrent step goes (launches vs matrix products), and the fused path.
#
# Everything so far ran on the CPU with NumPy. tinygrad_rnn runs the same code on an NVIDIA GPU
# through CuPy, a NumPy look-alike whose arrays live in GPU memory. This lesson shows what
# changes when you move there (almost nothing in your code), what gets faster and why, and
# the **fused** path that makes recurrent networks fast on both kinds of device.
#
# **What you will learn**
#
# 1. how to ask for a device, move tensors and models, and what happens when there is no GPU;
# 2. why one code path serves both devices (each op asks its input which array module to use);
# 3. a cost model of one recurrent step: a fixed price per recorded op plus the matrix work,
#    measured here on the CPU;
# 4. why a small hidden size is *launch-bound* and a big one *matmul-bound*, and what that means
#    on a GPU;
# 5. the fused path: `fused=True` layers (one op per sequence) and the one-step pointwise op
#    that becomes a single GPU kernel.
#
# This machine may have no GPU; the lesson then measures the CPU side and tells you the exact
# commands to run on a GPU machine. Run it with `tinygrad-rnn lesson 12` (`--fast` for small
# sizes, `--notebook` for Jupyter).

# %%
import inspect
import os
import time

STARTED = time.perf_counter()

# Pin the matrix library (OpenBLAS) to one thread before NumPy loads. On a small or busy machine
# its worker threads fight with other processes and make timings jump from run to run;
# one thread gives steady numbers, and the comparisons below are about Python overhead anyway.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import matplotlib

matplotlib.use("Agg")                 # write files only; no window is opened
import matplotlib.pyplot as plt
import numpy as np

import tinygrad_rnn as tg
from tinygrad_rnn import backend
from tinygrad_rnn.fused import sequence as fused_sequence
from tinygrad_rnn.fused.pointwise import LSTMPointwise
from tinygrad_rnn.fused.steps import lstm_forward_xp as lstm_step_reference
from tinygrad_rnn.ops.unary import Tanh
from tinygrad_rnn.lessons import check, fast, out_dir, show

OUT = out_dir("12_gpu")
FAST = fast()
tg.manual_seed(12)

GPU = tg.cuda_is_available()
DEVICE = "cuda" if GPU else "cpu"
print(f"GPU available: {GPU}; this lesson runs on: {DEVICE}")


# %% [markdown]
# ## 1. Devices
#
# A device is a name: `"cpu"` or `"cuda"` (the first GPU; `"cuda:1"` is the second). Tensors
# and modules move with `.to(device)`, and factories take `device=`. Moving a model moves its
# parameters; the inputs must be moved too, since an op whose inputs sit on two devices is an
# error rather than a silent copy.
#
# Without CuPy or without an NVIDIA GPU, asking for `"cuda"` raises
# `tg.DeviceUnavailableError`. The message says what is missing and how to install it:

# %%
try:
    tg.randn(2, 3).to("cuda")
    print("moved to the GPU: CuPy and a GPU are here")
except tg.DeviceUnavailableError as e:
    print("tg.DeviceUnavailableError:", e)
    check(not GPU, "asking for cuda fails only when no GPU is available")

try:
    tg.randn(2, 3, device="tpu")
except tg.UnknownDeviceError as e:
    print("tg.UnknownDeviceError:", e)

# %% [markdown]
# `DeviceUnavailableError` means "this is a real device, just not here"; `UnknownDeviceError`
# means "no such device name". A program that should run anywhere picks its device once, at
# the top, as this lesson does with `DEVICE = "cuda" if tg.cuda_is_available() else "cpu"`,
# and passes it everywhere.
#
# ## 2. One code path for both devices
#
# How can the same `LSTMCell` run on NumPy and on CuPy? Every primitive op asks its input array
# which module it belongs to (`xp_of(x)` returns `numpy` or `cupy`) and calls that module's
# function. Here is the whole `tanh` op:

# %%
print(inspect.getsource(Tanh))

# %% [markdown]
# `xp.tanh` is `numpy.tanh` for a CPU array and `cupy.tanh` for a GPU array. The cells are built
# from such ops only, so they never need to know the device. A training step on the GPU is the
# same code with `.to(DEVICE)` in two places:

# %%
model = tg.nn.LSTM(8, 16).to(DEVICE)
x = tg.randn(10, 4, 8).to(DEVICE)
output, (h_n, c_n) = model(x)
output.sum().backward()
print("output on", output.device, "| its array type:", type(output.data).__module__ + "." + type(output.data).__name__)
print("weight_hh_l0.grad on", model.weight_hh_l0.grad.device)
check(output.device == model.weight_hh_l0.grad.device == backend.parse_device(DEVICE),
      "output and gradients live on the device the model was moved to")

# %% [markdown]
# Random numbers are drawn on the host by one seeded NumPy generator and then moved, so
# `tg.manual_seed(n)` gives the same weights on every device. On a GPU machine the next cell
# also checks that both devices give the same numbers (in float64, to about 1e-12).

# %%
tg.manual_seed(0)
cpu_model = tg.nn.LSTM(8, 16).double()
tg.manual_seed(0)
dev_model = tg.nn.LSTM(8, 16).double().to(DEVICE)
x64 = tg.randn(10, 4, 8, dtype=tg.float64)
cpu_out, _ = cpu_model(x64)
dev_out, _ = dev_model(x64.to(DEVICE))
diff = float(np.abs(cpu_out.numpy() - dev_out.numpy()).max())
print(f"largest difference between {DEVICE} and cpu outputs: {diff:.1e}")
if not GPU:
    print("(no GPU here: both models ran on the CPU, so this only shows that the seed fixes the weights)")
check(diff < 1e-10, f"the same seed gives the same model and the same outputs on {DEVICE} and cpu")

# %% [markdown]
# ## 3. Where the time of a recurrent step goes
#
# A recurrent layer is a Python loop over time, and each step records a handful of ops. Every
# op costs two things:
#
# * a **fixed price**: Python creates the op and its output tensor, checks shapes, dtypes and
#   devices, and calls the array library. On a GPU each call also **launches a kernel**, which
#   costs a few microseconds of CPU time however small the array is;
# * the **work** itself, which grows with the sizes. In a recurrent step almost all of it is in
#   the two matrix products, x·W_ihᵀ and h·W_hhᵀ: about 2·B·(I + H)·4H floating-point operations
#   for an LSTM.
#
# So one step costs roughly
#
# $$t_{\text{step}} \approx n_{\text{ops}} \cdot t_{\text{op}} + \frac{\text{flops}(B, I, H)}{\text{throughput}} .$$
#
# Let us measure both terms on this machine. First, how many ops does one `LSTMCell` step
# record? We walk the graph behind its outputs and count each op once.

# %%
def count_ops(*roots):
    """The number of distinct ops recorded in the graphs behind ``roots``."""
    seen, todo = set(), [r for r in roots if r._ctx is not None]
    while todo:
        ctx = todo.pop()._ctx
        if id(ctx) in seen:
            continue
        seen.add(id(ctx))
        todo += [p for p in ctx.parents if isinstance(p, tg.Tensor) and p._ctx is not None]
    return len(seen)


cell = tg.nn.LSTMCell(8, 16)
h1, c1 = cell(tg.randn(4, 8), (tg.zeros(4, 16), tg.zeros(4, 16)))
OPS_PER_STEP = count_ops(h1, c1)
print(f"one LSTMCell step records {OPS_PER_STEP} ops")
check(OPS_PER_STEP >= 10, "an LSTM step built from primitive ops records at least ten ops")

# %% [markdown]
# Now the fixed price of one op: chain many additions of tiny (1, 1) tensors, where the
# arithmetic is nothing, and time forward plus backward per op.

# %%
def per_op_seconds(n=2000 if not FAST else 500, repeats=5):
    times = []
    for _ in range(repeats):
        a = tg.ones(1, 1, requires_grad=True, device=DEVICE)
        start = time.perf_counter()
        y = a
        for _ in range(n):
            y = y + 1.0
        y.sum().backward()
        _ = float(a.grad.numpy()[0, 0])      # waits for the device to finish
        times.append((time.perf_counter() - start) / (n + 1))
    return float(np.median(times))


T_OP = per_op_seconds()
print(f"fixed price of one op (forward + backward) on {DEVICE}: {T_OP * 1e6:.1f} µs")

# %% [markdown]
# Microseconds per op, in pure bookkeeping. An LSTM step records the number of ops printed
# above (the transposes and the four gate slices count too), so a sequence of T steps pays a
# fixed T·(ops per step)·(that price) before any arithmetic, whatever H is (section 4 prints it
# for its T). That is the floor of the primitive path.
#
# ## 4. Primitive path versus fused path
#
# The library has a second way to run the standard cells, switched on with `fused=True`:

# %%
print(fused_sequence.__doc__)

# %% [markdown]
# A fused layer records **one op per layer and direction for the whole sequence**, with a
# backward pass derived by hand. The numbers are the same as the primitive path's (we check it
# in float64 below); only the bookkeeping disappears. Time one training step (forward, loss,
# backward) of both paths at a few hidden sizes. Each figure is the fastest of a few runs:
# other programs on the machine can only ever add time.

# %%
T_SEQ, BATCH = (16, 16) if FAST else (32, 32)
HIDDEN = [16, 64, 256] if FAST else [16, 64, 128, 256, 512]
REPEATS = 3 if FAST else 5


def train_step_seconds(layer, x):
    times = []
    for _ in range(REPEATS + 1):                 # the first run warms up and is not counted
        start = time.perf_counter()
        out, _ = layer(x)
        (out * out).mean().backward()
        _ = float(layer.weight_hh_l0.grad.numpy().ravel()[0])   # wait for the device
        layer.zero_grad()
        times.append(time.perf_counter() - start)
    return min(times[1:])   # the least disturbed run: other programs only ever add time


results = {"primitive": [], "fused": []}
for H in HIDDEN:
    tg.manual_seed(1)
    primitive = tg.nn.LSTM(H, H).to(DEVICE)
    tg.manual_seed(1)
    fused = tg.nn.LSTM(H, H, fused=True).to(DEVICE)
    x = tg.randn(T_SEQ, BATCH, H, device=DEVICE)
    results["primitive"].append(train_step_seconds(primitive, x))
    results["fused"].append(train_step_seconds(fused, x))
    print(f"H = {H:4d}:  primitive {results['primitive'][-1] * 1e3:8.2f} ms   "
          f"fused {results['fused'][-1] * 1e3:8.2f} ms   "
          f"ratio {results['primitive'][-1] / results['fused'][-1]:5.1f}x")

# the two paths compute the same numbers: compare in float64
tg.manual_seed(2)
a = tg.nn.LSTM(6, 5, num_layers=2, bidirectional=True).double()
b = tg.nn.LSTM(6, 5, num_layers=2, bidirectional=True, fused=True).double()
b.load_state_dict(a.state_dict())
x64 = tg.randn(7, 3, 6, dtype=tg.float64)
(out_a, _), (out_b, _) = a(x64), b(x64)
check(np.allclose(out_a.numpy(), out_b.numpy(), atol=1e-12), "fused and primitive layers give the same outputs (float64)")
check(results["fused"][0] < results["primitive"][0], f"at H = {HIDDEN[0]} the fused path is faster than the primitive one")

FLOOR = T_SEQ * OPS_PER_STEP * T_OP          # the fixed price alone, in seconds
prim, fus = np.array(results["primitive"]), np.array(results["fused"])
print(f"fixed price alone (T·ops·price, T = {T_SEQ}): {FLOOR * 1e3:.2f} ms")
print(f"primitive path at H = {HIDDEN[0]}: {prim[0] * 1e3:.2f} ms, {prim[0] / FLOOR:.1f}x that floor; "
      f"at H = {HIDDEN[-1]}: {prim[-1] / FLOOR:.1f}x")
print(f"primitive / fused: {prim[0] / fus[0]:.1f}x at H = {HIDDEN[0]}, {prim[-1] / fus[-1]:.1f}x at H = {HIDDEN[-1]}")
print(f"so at H = {HIDDEN[0]} the fixed price is {FLOOR / prim[0]:.0%} of the primitive path's time, "
      f"at H = {HIDDEN[-1]} {FLOOR / prim[-1]:.0%}")
check(FLOOR / prim[-1] < FLOOR / prim[0], "the fixed price's share of the time falls as H grows")

# %% [markdown]
# A picture of the same numbers, with the floor of the cost model drawn in: the fixed price
# alone, T·(ops per step)·(price per op), which does not depend on H.

# %%
fig, ax = plt.subplots(figsize=(7, 4.5))
ax.plot(HIDDEN, np.array(results["primitive"]) * 1e3, "o-", color="tab:red", label="primitive ops (fused=False)")
ax.plot(HIDDEN, np.array(results["fused"]) * 1e3, "s-", color="tab:blue", label="fused sequence op (fused=True)")
floor = FLOOR * 1e3
ax.axhline(floor, color="grey", ls="--", label=f"fixed price only: T·{OPS_PER_STEP} ops·{T_OP * 1e6:.1f} µs")
ax.set_xscale("log", base=2)
ax.set_yscale("log")
ax.set_xlabel("hidden size H (input size = H)")
ax.set_ylabel("one training step (ms)")
ax.set_title(f"LSTM training step on {DEVICE}, T = {T_SEQ}, B = {BATCH}, float32")
ax.legend(fontsize=9)
ax.grid(True, which="both", alpha=0.3)
fig.tight_layout()
path = OUT / f"primitive_vs_fused_{DEVICE}.png"
fig.savefig(path, dpi=110)
plt.close(fig)
show(path)

# %% [markdown]
# How to read the chart (both axes are logarithmic). On the left, at small H, the primitive
# path (red) is the grey floor times the factor printed above: the fixed price of the ops is
# its largest share there (the share is printed above), but not all of it. The rest is the arithmetic itself and the
# memory it touches: every op allocates a fresh output array and the backward pass a few
# more, which the floor, measured on (1, 1) tensors, does not include. The fused path (blue)
# pays the fixed price once per sequence instead of once per op and step, hence the
# primitive/fused ratio printed above. Going right, the matrix products grow like H² and take
# over: both lines bend upwards, and the gap narrows (the two ratios printed above), because
# both paths now spend most of their time in the same matrix products. What remains of the
# gap is memory traffic: the primitive path makes a temporary array for every op, the fused
# one works in place. The exact figures depend on the machine and on what else it is doing;
# the shape of the chart does not.
#
# ## 5. What changes on a GPU
#
# On a GPU the two terms of the cost model move in opposite directions:
#
# * the **work** becomes much cheaper: a GPU multiplies large matrices far faster than a few
#   CPU cores;
# * the **fixed price** gets *dearer*: every op still pays the Python bookkeeping, and now also
#   a kernel launch, and a small kernel cannot fill a GPU with thousands of cores.
#
# These are the cost model's expectations, not measurements: no GPU has been lent to this
# course, and every figure in this lesson was measured on your CPU.
#
# So on a GPU the primitive path is **launch-bound** up to much larger sizes: at a small H a
# GPU can be *slower* than the CPU, because it spends its time launching many tiny kernels
# per step. Only when the matrices are big (H in the high hundreds, a large batch) is a step
# **matmul-bound**, and then the GPU wins by a wide margin. The fused path helps most exactly
# where the GPU hurts most: on CuPy, a step of a fused LSTM layer is one matrix product
# (h·W_hhᵀ; the input projection of all steps is one product before the loop) plus **one**
# elementwise kernel that computes all four gates, the new c and the new h at once, and one
# more kernel for the step's backward. The one-step op below runs the same step function. Both
# call `tinygrad_rnn.fused.steps.lstm_forward`, which picks the CUDA kernel on CuPy and
# otherwise runs these NumPy lines, the reference the kernel computes (on the CPU, numba, when
# installed, compiles only the backward step; the fused GRU runs its step as array expressions
# on CuPy):

# %%
print(inspect.getsource(LSTMPointwise.forward))
print(inspect.getsource(lstm_step_reference))

# %% [markdown]
# Because the layers only see a cell, you can use this op in a cell of your own. Here is an LSTM
# step built on it: the two matrix products, the bias additions, and one pointwise op for all
# the gate math, whose output packs [h, c]. It records fewer ops than `LSTMCell` (both counts are
# printed below; most of what it still records are cheap views: transposes and the two slices of
# the packed output); on a GPU the real gain
# is that all the elementwise work of the step is one kernel instead of a dozen.

# %%
def lstm_step_fused(cell, x, h, c):
    a = x @ cell.weight_ih.T + h @ cell.weight_hh.T + (cell.bias_ih + cell.bias_hh)
    hc = LSTMPointwise.apply(a, c)      # (2, B, H): [h_t, c_t]
    return hc[0], hc[1]


tg.manual_seed(3)
cell64 = tg.nn.LSTMCell(5, 4).double()
x5, h4, c4 = (tg.randn(3, n, dtype=tg.float64) for n in (5, 4, 4))
h_ref, c_ref = cell64(x5, (h4, c4))
h_fu, c_fu = lstm_step_fused(cell64, x5, h4, c4)
check(np.allclose(h_fu.numpy(), h_ref.numpy(), atol=1e-14) and np.allclose(c_fu.numpy(), c_ref.numpy(), atol=1e-14),
      "the pointwise step computes what LSTMCell computes")
print(f"ops recorded: LSTMCell step {count_ops(h_ref, c_ref)}, pointwise step {count_ops(h_fu, c_fu)}")
check(count_ops(h_fu, c_fu) < count_ops(h_ref, c_ref), "the pointwise step records fewer ops than LSTMCell")

# %% [markdown]
# ## 6. Run it on a GPU
#
# On a machine with an NVIDIA GPU:
#
# ```
# pip install "tinygrad_rnn[gpu]"                  # CuPy for CUDA 12
# tinygrad-rnn lesson 12                          # this lesson, now timed on the GPU
# tinygrad-rnn bench lstm --device cuda --hidden 1024 --batch 256 --steps 128
# tinygrad-rnn bench lstm --device cuda --hidden 64,256,1024
# ```
#
# What to look for: in this lesson's chart, the primitive line should stay flat (launch-bound)
# up to a larger H than on the CPU, with a wider gap to the fused line; in `bench`, at
# H = 1024 with a batch of 256 the step should be matmul-bound and the two paths closer.
# These are expectations from the cost model, not measurements.
#
# **No GPU figure exists yet.** This lesson has not been run on a GPU for the course, so there
# is no measured GPU chart to put beside yours, and we do not draw one from guesses. When you
# run the lesson on a GPU machine, the chart of section 4 is measured there and written as
# `primitive_vs_fused_cuda.png`, next to the CPU chart you get here
# (`primitive_vs_fused_cpu.png`).

# %%
if GPU:
    print(f"this run measured the GPU chart: {OUT / 'primitive_vs_fused_cuda.png'}")
else:
    print(f"no GPU here: your chart is the CPU one, {OUT / 'primitive_vs_fused_cpu.png'}; no GPU figure has been "
          f"measured for this course yet. On a GPU machine, run:")
    print("  tinygrad-rnn lesson 12")
    print("  tinygrad-rnn bench lstm --device cuda --hidden 1024 --batch 256 --steps 128")

# %% [markdown]
# ## What to remember
#
# * Pick the device once (`"cuda" if tg.cuda_is_available() else "cpu"`) and `.to(device)` the
#   model and the inputs; the rest of the code does not change.
# * A recurrent step costs (ops per step) × (fixed price per op) + matrix work. Small H is
#   launch-bound, big H matmul-bound; on a GPU the launch-bound region is much wider.
# * `fused=True` removes most of the fixed price and gives the same numbers; the primitive path
#   is the one you can read, draw and change.
#
# ## Exercises
#
# Open `lessons/exercises/12_gpu.py`, fill in the functions marked `# TODO`, and run
# `tinygrad-rnn check 12`.
#
# 1. **`count_ops`**: count the distinct ops in the graph behind a tensor (an op used twice
#    counts once).
# 2. **`crossover_hidden`**: with the cost model of section 3, the smallest H at which the
#    matrix work of an LSTM step outweighs its fixed price.
# 3. **`gru_step_pointwise`**: a GRU step from two matrix products and
#    `tinygrad_rnn.fused.pointwise.GRUPointwise`, equal to `tg.nn.GRUCell`.
#
# Lesson 13 writes a brand-new cell and runs it through everything the library offers.

# %%
print(f"lesson 12 ran in {time.perf_counter() - STARTED:.0f} s")
