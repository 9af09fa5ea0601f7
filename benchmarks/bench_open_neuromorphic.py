"""The Open Neuromorphic SNN-library benchmark setup, on this machine: spikeslim vs snnTorch,
Norse and SpikingJelly, one run, interleaved.

The setup (open-neuromorphic.org, "SNN library benchmarks"): one Linear layer (n -> n) and one
LIF layer, input of batch 16 and 500 time steps, `loss = spikes.sum()`, forward + backward. Each
library runs its own neuron as its documentation shows it (leak 1/2 per step, threshold 1, hard
reset to 0; one shared Linear layer, so only the neurons and the way each library drives them
differ). Every membrane follows v <- v / 2 + I, then spikes at 1 and resets to 0, so all four
give the same spike rate (a column of the table):
  - spikeslim: `snn.neurons.LIF` (no input decay), the whole sequence in one call (the Linear on
    all T*B rows);
  - SpikingJelly: `LIFNode(step_mode="m", decay_input=False)` on the whole sequence;
  - snnTorch: `Leaky(beta=0.5)`, a Python loop over time steps (Linear inside the loop);
  - Norse: `LIFBoxCell` (LIF without a synaptic current, whose input is scaled by dt/tau: given
    2 I), a Python loop over time steps.
Rounds interleave the libraries and the median per (n, library) is reported, because the
machine is shared; memory is the peak of bytes autograd holds for backward (`snn.memory`), the
same meter for every library. Each (round, n, library) is a cell in
`open_neuromorphic_cells.json`, so an interrupted run resumes. The libraries are installed only
for this benchmark (`make bench`, without replacing the CPU torch).

    .venv/bin/python benchmarks/bench_open_neuromorphic.py [--neurons 512 4096 16384] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Any, Callable

import torch
from torch import Tensor, nn

from spikeslim.bench.cells import CellStore, run_cells
from spikeslim.report import write_report
from spikeslim.snn.memory import track_saved_tensors
from spikeslim.snn.neurons import LIF, LIFParams
from spikeslim.train.device import resolve_device

REPO = Path(__file__).resolve().parents[1]
Runner = Callable[[nn.Linear, Tensor], Tensor]  # (shared Linear, x [T, B, n]) -> spikes [T, B, n]


def spikeslim_run(fc: nn.Linear, x: Tensor) -> Tensor:
    return LIF(LIFParams(tau=2.0, v_threshold=1.0, v_reset=0.0, decay_input=False))(fc(x))


def spikingjelly_run(fc: nn.Linear, x: Tensor) -> Tensor:
    from spikingjelly.activation_based import neuron

    return neuron.LIFNode(tau=2.0, decay_input=False, v_threshold=1.0, v_reset=0.0, detach_reset=True,
                          step_mode="m")(fc(x))


def snntorch_run(fc: nn.Linear, x: Tensor) -> Tensor:
    import snntorch

    lif = snntorch.Leaky(beta=0.5, threshold=1.0, reset_mechanism="zero")
    mem, out = lif.init_leaky(), []
    for t in range(x.shape[0]):
        spk, mem = lif(fc(x[t]), mem)
        out.append(spk)
    return torch.stack(out)


def norse_run(fc: nn.Linear, x: Tensor) -> Tensor:
    import norse.torch as norse

    # dt * tau_mem_inv = 0.5: the membrane keeps half of itself per step, as beta=0.5 and tau=2
    cell = norse.LIFBoxCell(norse.LIFBoxParameters(tau_mem_inv=torch.tensor(500.0), v_th=torch.tensor(1.0)), dt=1e-3)
    state, out = None, []
    for t in range(x.shape[0]):
        spk, state = cell(2 * fc(x[t]), state)
        out.append(spk)
    return torch.stack(out)


LIBRARIES: dict[str, Runner] = {"spikeslim": spikeslim_run, "SpikingJelly": spikingjelly_run,
                                "snnTorch": snntorch_run, "Norse": norse_run}


class Bench:
    """One shared Linear and input per neuron count; a cell times one forward + backward."""

    def __init__(self, batch: int, steps: int, device: torch.device) -> None:
        self.batch, self.steps, self.device = batch, steps, device
        self._made: tuple[int, nn.Linear, Tensor] | None = None
        tiny_fc, tiny_x = nn.Linear(8, 8).to(device), torch.rand(2, 2, 8, device=device)
        for runner in LIBRARIES.values():  # untimed: imports and first-call set-up
            runner(tiny_fc, tiny_x).sum().backward()

    def _inputs(self, n: int) -> tuple[nn.Linear, Tensor]:
        if self._made is None or self._made[0] != n:
            self._made = None  # free the old layer before allocating the next
            torch.manual_seed(0)
            fc = nn.Linear(n, n).to(self.device)
            x = torch.rand(self.steps, self.batch, n, device=self.device)
            fc(x).sum().backward()  # untimed: the first touch of new memory costs a page fault per page
            self._made = (n, fc, x)
        return self._made[1], self._made[2]

    def run(self, key: dict[str, Any]) -> dict[str, Any]:
        fc, x = self._inputs(key["neurons"])
        runner = LIBRARIES[key["library"]]
        fc.zero_grad(set_to_none=True)
        _sync(self.device)
        with track_saved_tensors() as meter:
            start = time.perf_counter()
            spikes = runner(fc, x)
            spikes.sum().backward()
            _sync(self.device)
            seconds = time.perf_counter() - start
        return {"seconds": seconds, "saved_MB": meter.peak_bytes / 2**20, "spike_rate": float(spikes.detach().mean()),
                "threads": torch.get_num_threads(), "device": str(self.device), "torch": torch.__version__}


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def report(store: CellStore, out: Path, args: argparse.Namespace) -> None:
    rows = []
    for n in sorted({c["key"]["neurons"] for c in store.select()}):
        times = {lib: [c["seconds"] for c in store.select(neurons=n, library=lib)] for lib in LIBRARIES}
        if not times["spikeslim"]:
            continue
        base = statistics.median(times["spikeslim"])
        for lib, ts in times.items():
            if not ts:
                continue
            cell = store.select(neurons=n, library=lib)[0]
            rows.append({"neurons": n, "library": lib, "rounds": len(ts), "fwd+bwd s (median)": round(statistics.median(ts), 3),
                         "per round (s)": ", ".join(f"{t:.2f}" for t in ts),
                         "this / spikeslim": round(statistics.median(ts) / base, 2),
                         "saved for backward (MB)": round(cell["saved_MB"]), "spike rate": round(cell["spike_rate"], 3)})
    any_cell = next(iter(store.select()), {})
    write_report(out, "open_neuromorphic", rows, title="Open Neuromorphic setup: Linear + LIF, forward + backward",
                 notes=f"Batch {args.batch}, {args.steps} time steps; device {any_cell.get('device')}, torch "
                       f"{any_cell.get('torch')}, {any_cell.get('threads')} thread(s); rounds interleave the "
                       "libraries; 'this / spikeslim' > 1 means slower than spikeslim.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--neurons", nargs="+", type=int, default=[512, 4096, 16384])
    parser.add_argument("--libraries", nargs="+", default=list(LIBRARIES), choices=list(LIBRARIES))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", default=None, help="cpu or cuda (default: cuda when present)")
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "results"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    out = Path(args.out)
    store = CellStore(out / "open_neuromorphic_cells.json")
    bench = Bench(args.batch, args.steps, resolve_device(args.device))
    plan = [{"neurons": n, "round": r, "library": lib, "batch": args.batch, "steps": args.steps}
            for n in args.neurons for r in range(args.rounds) for lib in args.libraries]
    run_cells(store, plan, bench.run, desc="open neuromorphic cells", after=lambda: report(store, out, args))
    report(store, out, args)
    print((out / "open_neuromorphic.md").read_text())


if __name__ == "__main__":
    main()
