"""Training speed of the SNN engine: spikeslim vs SpikingJelly vs the ANN lower bound, one run.

Trains `convnet` (depth 3, width 128, instance norm; T=10, 34x34 two-polarity input, batch 64)
with SGD on cross-entropy of the time-averaged logits, in variants that share every conv, norm,
pool and linear layer and differ only in the neuron:
  - spikeslim: the registered model, fused multi-step LIF (one autograd node, hand-written BPTT,
    its time loops compiled by `snn.fused` unless SPIKESLIM_COMPILE=0)
  - spikeslim, autograd loop: the same LIF written as a plain per-step loop under autograd
  - spikeslim, online SLTT: `snn.online.online_backward`, one step's graph at a time (TET loss)
  - SpikingJelly LIFNode (step_mode='m', tau 2, detach_reset, ATan), its own CPU/CUDA kernels
    (left out, with a note, where SpikingJelly is not installed)
  - ANN bound: the same layers with ReLU over all T*B frames (no neuron dynamics at all)
Cells run interleaved (every variant once per round, rounds repeated) and the median of the
rounds is reported, because the machine is shared. Memory is the peak of bytes held for
backward (`snn.memory`), plus peak allocated CUDA memory on a GPU. A second table times one
LIF layer alone (forward + backward), the fused neuron as the `LIF` layer runs it (spikes only,
v_pre recomputed in the backward) with its compiled kernels and on its eager path, and writing
every state, with the first (warm-up) call's time, which includes compiling the kernels.
On CPU these times hang on the allocator: a fresh big tensor costs a page fault per 4 KiB page on
first touch (most of a cold call), and whether memory is reused depends on what ran before (after
the autograd loop's many frees the compiled kernels run without a fault), so the first rounds are
slower than the median. Every finished cell is kept in `<out>/engine.partial.json` until the
reports are written, so an interrupted run resumes.

    .venv/bin/python benchmarks/bench_engine.py            # full run (~20 min on 2 busy CPU cores)
    .venv/bin/python benchmarks/bench_engine.py --quick    # smoke run: tiny network, 2 rounds
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_engine.py --lif-only   # the LIF table alone
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import os
import statistics
import time
from pathlib import Path
from typing import Callable, Iterator

import torch
import torch.nn.functional as F
from torch import Tensor, nn

try:
    from spikingjelly.activation_based import functional as sj_functional
    from spikingjelly.activation_based import neuron as sj_neuron
    from spikingjelly.activation_based import surrogate as sj_surrogate
except ImportError:  # the tables then leave SpikingJelly out and say so
    sj_functional = None

from spikeslim.bench.progress import cell_bar
from spikeslim.files import write_json
from spikeslim.report import write_report
from spikeslim.snn.memory import track_saved_tensors
from spikeslim.snn.models import build_model
from spikeslim.snn.neurons import LIF, LIFParams, lif_multistep, lif_multistep_loop, lif_spikes
from spikeslim.snn.online import online_backward
from spikeslim.snn.surrogates import ATan
from spikeslim.train.device import resolve_device

REPO = Path(__file__).resolve().parents[1]
SPIKESLIM, LOOP, ONLINE, SJ, ANN = "spikeslim", "spikeslim, autograd loop", "spikeslim, online SLTT", "SpikingJelly LIFNode", "ANN bound (ReLU)"
EAGER = "spikeslim, eager loop (SPIKESLIM_COMPILE=0)"
STATES = "spikeslim, every state (lif_multistep)"


class LoopLIF(nn.Module):
    """The reference neuron: `lif_multistep_loop`, i.e. autograd through a plain time loop."""

    def __init__(self, lif: LIF) -> None:
        super().__init__()
        self.params, self.surrogate = lif.params, lif.surrogate

    def forward(self, x: Tensor) -> Tensor:
        return lif_multistep_loop(x, self.params, self.surrogate).spikes


def sj_lif(lif: LIF) -> nn.Module:
    p = lif.params
    return sj_neuron.LIFNode(tau=float(p.tau), decay_input=p.decay_input, v_threshold=p.v_threshold, v_reset=p.v_reset,
                             surrogate_function=sj_surrogate.ATan(alpha=lif.surrogate.alpha), detach_reset=p.detach_reset, step_mode="m")


class SwappedNeurons(nn.Module):
    """A copy of a spikeslim SpikingCNN with every LIF replaced; the neuron slots get [T, B, ...]."""

    def __init__(self, model: nn.Module, make_neuron: Callable[[LIF], nn.Module]) -> None:
        super().__init__()
        model = copy.deepcopy(model)
        self.slots = [isinstance(m, LIF) for m in model.features]
        self.features = nn.ModuleList(make_neuron(m) if s else m for m, s in zip(model.features, self.slots))
        self.classifier = model.classifier

    def forward(self, x: Tensor) -> Tensor:
        steps, batch = x.shape[:2]
        if sj_functional is not None:
            sj_functional.reset_net(self)  # SpikingJelly nodes keep their membrane between calls
        y = x.flatten(0, 1)
        for layer, slot in zip(self.features, self.slots):
            y = layer(y.unflatten(0, (steps, batch))).flatten(0, 1) if slot else layer(y)
        return self.classifier(y.flatten(1).unflatten(0, (steps, batch)))


def make_variants(args: argparse.Namespace, device: torch.device) -> dict[str, nn.Module]:
    torch.manual_seed(0)
    base = build_model("convnet", in_shape=(2, args.size, args.size), n_classes=10, width=args.width)
    variants = {
        SPIKESLIM: base.to(device),
        SJ: SwappedNeurons(base, sj_lif).to(device) if sj_functional is not None else None,
        ANN: SwappedNeurons(base, lambda _lif: nn.ReLU()).to(device),
        LOOP: SwappedNeurons(base, LoopLIF).to(device),
        ONLINE: copy.deepcopy(base).to(device),
    }
    return {name: model for name, model in variants.items() if model is not None}


def train_steps(name: str, model: nn.Module, opt: torch.optim.Optimizer, x: Tensor, y: Tensor, steps: int) -> None:
    for _ in range(steps):
        opt.zero_grad(set_to_none=True)
        if name == ONLINE:
            online_backward(model, x, lambda logits: F.cross_entropy(logits, y))
        else:
            F.cross_entropy(model(x).mean(0), y).backward()
        opt.step()


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def measure_memory(name: str, model: nn.Module, opt: torch.optim.Optimizer, x: Tensor, y: Tensor, device: torch.device) -> dict[str, float]:
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    with track_saved_tensors() as meter:
        train_steps(name, model, opt, x, y, 1)
    out = {"saved_MB": meter.peak_bytes / 2**20}
    if device.type == "cuda":
        out["cuda_peak_MB"] = torch.cuda.max_memory_allocated(device) / 2**20
    return out


@contextlib.contextmanager
def compile_switch(on: bool) -> Iterator[None]:
    """SPIKESLIM_COMPILE for one cell (`snn.fused` reads it at every call)."""
    before = os.environ.get("SPIKESLIM_COMPILE")
    os.environ["SPIKESLIM_COMPILE"] = "1" if on else "0"
    try:
        yield
    finally:
        if before is None:
            del os.environ["SPIKESLIM_COMPILE"]
        else:
            os.environ["SPIKESLIM_COMPILE"] = before


def lif_kinds() -> tuple[str, ...]:
    return (SPIKESLIM, STATES, EAGER) + ((SJ,) if sj_functional is not None else ()) + (LOOP,)


def time_lif_layer(kind: str, x: Tensor, device: torch.device) -> float:
    """Seconds for forward + backward of one LIF layer over x[T, ...]. spikeslim and SpikingJelly
    both as their layers call them: spikes and the last membrane (`lif_spikes`, SpikingJelly without
    store_v_seq); STATES also writes v_pre and v_post at every step, as PACE's feature taps need."""
    x = x.detach().requires_grad_()
    params, sg = LIFParams(), ATan()
    sync(device)
    start = time.perf_counter()
    with compile_switch(kind != EAGER):
        if kind in (SPIKESLIM, EAGER):
            spikes = lif_spikes(x, params, sg)[0]
        elif kind == STATES:
            spikes = lif_multistep(x, params, sg).spikes
        elif kind == LOOP:
            spikes = lif_multistep_loop(x, params, sg).spikes
        else:
            spikes = sj_functional.lif_multi_step(x, torch.zeros_like(x[0]), 2.0, True, 1.0, 0.0, sj_surrogate.ATan(), True)[0]
        spikes.backward(torch.ones_like(spikes))
    sync(device)
    return time.perf_counter() - start


def run(args: argparse.Namespace) -> None:
    device = resolve_device(args.device)
    out = Path(args.out)
    partial_path = out / "engine.partial.json"
    config = {k: getattr(args, k) for k in ("T", "batch", "size", "width", "rounds", "steps", "lif_only")} | {"device": str(device)}
    cells: dict = json.loads(partial_path.read_text()) if partial_path.exists() else {}
    if cells.get("config") != config:
        cells = {"config": config, "train": {}, "memory": {}, "lif": {}, "lif_first": {}}
    gen = torch.Generator().manual_seed(0)
    x = torch.poisson(torch.full((args.T, args.batch, 2, args.size, args.size), 0.3), generator=gen).to(device)
    y = torch.randint(0, 10, (args.batch,), generator=gen).to(device)
    lif_x = (torch.randn(args.T, args.batch, args.width, args.size // 2, args.size // 2, generator=gen) + 0.8).to(device)
    variants = {} if args.lif_only else make_variants(args, device)
    opts = {name: torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9) for name, m in variants.items()}

    def save() -> None:
        write_json(partial_path, cells)

    todo = [("memory", name, 0) for name in variants if name not in cells["memory"]]
    todo += [("train", name, r) for r in range(args.rounds) for name in variants if str(r) not in cells["train"].get(name, {})]
    todo += [("lif", kind, r) for r in range(args.rounds) for kind in lif_kinds() if str(r) not in cells["lif"].get(kind, {})]
    warm: set = set()  # variants whose first (slow, one-off) call is done
    for table, name, r in cell_bar(todo, "engine cells"):
        if table == "memory":
            cells["memory"][name] = measure_memory(name, variants[name], opts[name], x, y, device)
            warm.add(name)
        elif table == "train":
            if name not in warm:  # first call pays one-off allocation and kernel selection
                train_steps(name, variants[name], opts[name], x, y, 1)
                warm.add(name)
            sync(device)
            start = time.perf_counter()
            train_steps(name, variants[name], opts[name], x, y, args.steps)
            sync(device)
            cells["train"].setdefault(name, {})[str(r)] = args.steps * args.batch / (time.perf_counter() - start)
        else:
            if ("lif", name) not in warm:  # the compiled kernels' first call compiles them
                cells["lif_first"][name] = time_lif_layer(name, lif_x, device)
                warm.add(("lif", name))
            cells["lif"].setdefault(name, {})[str(r)] = time_lif_layer(name, lif_x, device)
        save()
    report(cells, out, args, device)
    partial_path.unlink()  # the reports now hold every cell; a new run measures afresh


def report(cells: dict, out: Path, args: argparse.Namespace, device: torch.device) -> None:
    """engine.{json,md}: training throughput and memory; engine_lif.{json,md}: one LIF layer."""
    setup = (f"device {device}, torch {torch.__version__}, {torch.get_num_threads()} threads, "
             f"{args.rounds} interleaved rounds, median")
    missing = "" if sj_functional is not None else " SpikingJelly is not installed here, so it is left out."
    if not args.lif_only:
        report_training(cells, out, args, setup, missing)
    lif = {k: statistics.median(v.values()) for k, v in cells["lif"].items()}
    lif_rows = [{"variant": k, "fwd+bwd ms (median)": 1e3 * lif[k], "this / spikeslim": lif[k] / lif[SPIKESLIM],
                 "first call s": cells["lif_first"].get(k), "seconds per round": list(cells["lif"][k].values())}
                for k in lif_kinds()]
    shape = f"[{args.T}, {args.batch}, {args.width}, {args.size // 2}, {args.size // 2}]"
    write_report(out, "engine_lif", lif_rows, columns=list(lif_rows[0])[:-1], title="One LIF layer, forward + backward",
                 notes=f"LIF tau 2, hard reset, detached, ATan; input {shape} (convnet's second layer); {setup}. "
                       "`first call s`: the untimed warm-up call, which compiles the kernels unless this process "
                       f"(the training cells) or Inductor's disk cache already holds them.{missing}")
    print(("" if args.lif_only else (out / "engine.md").read_text() + "\n") + (out / "engine_lif.md").read_text())


def report_training(cells: dict, out: Path, args: argparse.Namespace, setup: str, missing: str) -> None:
    speed = {name: statistics.median(v.values()) for name, v in cells["train"].items()}
    rows = []
    for name in (n for n in (SPIKESLIM, SJ, ANN, LOOP, ONLINE) if n in cells["train"]):
        low, high = min(cells["train"][name].values()), max(cells["train"][name].values())
        rows.append({"variant": name, "samples/s (median)": speed[name], "range": f"{low:.3g}-{high:.3g}",
                     "spikeslim / this": speed[SPIKESLIM] / speed[name]} | cells["memory"][name]
                    | {"samples/s per round": list(cells["train"][name].values())})
    write_report(out, "engine", rows, columns=list(rows[0])[:-1], title="SNN engine: training throughput (convnet)", notes=(
        f"convnet depth 3, width {args.width}, instance norm, T={args.T}, {args.size}x{args.size}, batch {args.batch}; "
        f"{setup}, {args.steps} SGD steps per cell. `spikeslim / this` > 1: spikeslim is faster. "
        f"`saved_MB`: peak bytes held for backward during one training step (snn.memory).{missing}"))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="smoke run: T=4, batch 8, width 16, 2 rounds")
    p.add_argument("--out", default=str(REPO / "benchmarks" / "results"))
    p.add_argument("--device", default=None, help="cpu, cuda, cuda:1 (default: CUDA where present)")
    p.add_argument("--T", type=int, default=10)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--size", type=int, default=34)
    p.add_argument("--width", type=int, default=128)
    p.add_argument("--rounds", type=int, default=5, help="interleaved repetitions; the median is reported")
    p.add_argument("--steps", type=int, default=1, help="training steps timed per cell")
    p.add_argument("--lif-only", action="store_true", help="only the one-LIF-layer table (engine_lif)")
    args = p.parse_args()
    if args.quick:
        args.T, args.batch, args.width, args.rounds, args.steps = 4, 8, 16, 2, 1
        args.out = str(Path(args.out) / "quick") if args.out == str(REPO / "benchmarks" / "results") else args.out
    run(args)


if __name__ == "__main__":
    main()
