"""Leaving spikeslim end to end on nmnist-small: condense with PACE, train `deploy` on the set,
export it to NIR and the set to events, then load both elsewhere (snnTorch, tonic) and compare.

Each seed runs exactly the README's commands through `spikeslim.cli.main` (distill, train
--train-set, export-nir, export-events) into `--work`, skipping those whose output exists, and
measures: test accuracy, spike rate and synaptic operations per sample of the checkpoint (spikeslim),
the NIR file's size, snnTorch's accuracy on the exported graph, its prediction agreement with the
trained model, whether its spike trains equal spikeslim's rebuilt model, and how many exported
samples tonic re-bins exactly with the named call (and with the plain one). Writes export.json/.md.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
import torch

from spikeslim.bench.data import locate
from spikeslim.cli import main as cli
from spikeslim.errors import DatasetMissingError
from spikeslim.report import format_mean_std, write_report

REPO = Path(__file__).resolve().parents[1]
FRAMES = ["--T", "10", "--downsample", "2"]
NET = ["--option", "width=16", "--option", "depth=2"]
PACE = ["--method", "pace", "--ipc", "10", "--iterations", "60", "--features", "random", *NET]
TRAIN = ["--model", "deploy", "--width", "16", "--depth", "2", "--epochs", "100", "--batch-size", "64", "--lr", "1e-3"]


def run_seed(seed: int, work: Path, data: Path, device: str, quick: bool) -> dict[str, Any]:
    from spikeslim.datasets.setfile import load_set
    from spikeslim.datasets import load_frames
    from spikeslim.train.checkpoint import frame_spec
    from spikeslim.export import from_nir, read_nir
    from spikeslim.export.consumer import run_in_snntorch
    from spikeslim.snn.record import record_states
    from spikeslim.train import evaluate, load_model, to_input

    d = work / f"s{seed}"
    pace, train = list(PACE), list(TRAIN)
    if quick:
        pace[pace.index("--iterations") + 1], train[train.index("--epochs") + 1] = "3", "2"
    data_args = ["--data-dir", str(data), "--device", device]
    steps = [  # (the file that marks a step done, its command line)
        (d / "pace10.npz", ["distill", "--dataset", "nmnist", *pace, *FRAMES, "--seed", str(seed),
                            "--out", str(d / "pace10.npz"), *data_args]),
        (d / "deploy" / "results.json", ["train", "--train-set", str(d / "pace10.npz"), *train, "--seed", str(seed),
                                         "--out", str(d / "deploy"), *data_args]),
        (d / "deploy.nir", ["export-nir", str(d / "deploy" / "checkpoint.pt"), "--out", str(d / "deploy.nir")]),
        (d / "events" / "events.json", ["export-events", str(d / "pace10.npz"), "--out", str(d / "events")]),
    ]
    for done, argv in steps:
        if not done.exists() and cli(argv) != 0:
            raise SystemExit(f"step failed: spikeslim {' '.join(argv)}")
    model, ckpt = load_model(d / "deploy" / "checkpoint.pt")
    test = load_frames(frame_spec(ckpt, d / "deploy" / "checkpoint.pt").at(data), "test", progress=False)
    metrics = evaluate(model, test, device="cpu")
    graph = read_nir(d / "deploy.nir")
    x, labels = to_input(test.frames), torch.from_numpy(test.labels)
    theirs, their_spikes = run_in_snntorch(graph, x)
    rebuilt = from_nir(graph)
    with torch.no_grad(), record_states(rebuilt) as states:
        rebuilt(x)
        original = model(x)
    spikes_equal = all(torch.equal(s.spikes, o) for s, o in zip(states, their_spikes))
    theirs_pred, ours_pred = theirs.mean(0).argmax(-1), original.mean(0).argmax(-1)
    return {
        "seed": seed,
        "set_bytes": (d / "pace10.npz").stat().st_size,
        "condense_s": load_set(d / "pace10.npz").meta["timings"]["total"],
        "train_s": json.loads((d / "deploy" / "results.json").read_text())["wall_time_s"],
        "accuracy": metrics["accuracy"],
        "spike_rate": metrics["spike_rate"],
        "synops_per_sample": metrics["synops_per_sample"],
        "nir_bytes": (d / "deploy.nir").stat().st_size,
        "snntorch_accuracy": (theirs_pred == labels).float().mean().item(),
        "agreement": (theirs_pred == ours_pred).float().mean().item(),
        "spike_trains_equal": spikes_equal,
        **tonic_check(d / "events", load_set(d / "pace10.npz")),
    }


def tonic_check(events_dir: Path, data: Any) -> dict[str, Any]:
    """Re-bin every exported sample with tonic: the call events.json names, and the plain one."""
    import tonic

    summary = json.loads((events_dir / "events.json").read_text())
    named = tonic.transforms.ToFrame(**summary["tonic"]["kwargs"])
    kw = summary["tonic"]["kwargs"]
    plain = tonic.transforms.ToFrame(sensor_size=tuple(kw["sensor_size"]), time_window=kw["time_window"],
                                     include_incomplete=True)
    exact = plain_exact = 0
    for i, label in enumerate(data.labels):
        events = np.load(events_dir / str(int(label)) / f"{i + 1:05d}.npy")
        exact += bool(np.array_equal(named(events), data.frames[i]))
        back = plain(events)
        plain_exact += bool(back.shape == data.frames[i].shape and np.array_equal(back, data.frames[i]))
    return {"events": summary["n_events"], "tonic_exact": exact, "plain_call_exact": plain_exact,
            "listed_as_differing": len(summary["tonic"]["differ_under_plain_call"]), "samples": len(data)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--work", default=str(REPO / "runs" / "bench_export"), help="outputs of every step (resumable)")
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "results"))
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--quick", action="store_true", help="3 PACE iterations, 2 epochs, 1 seed (a smoke run)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    try:
        data = locate("nmnist-small").data_dir
    except DatasetMissingError as exc:
        raise SystemExit(str(exc)) from None
    seeds = 1 if args.quick else args.seeds
    work = Path(args.work) / ("quick" if args.quick else "full")
    rows = [run_seed(s, work, data, args.device, args.quick) for s in range(seeds)]
    summary: dict[str, Any] = {"seed": f"{seeds} seeds"}
    for key, scale, digits in (("accuracy", 100, 1), ("snntorch_accuracy", 100, 1), ("agreement", 100, 1),
                               ("synops_per_sample", 1, 0), ("spike_rate", 1, 3), ("nir_bytes", 1, 0),
                               ("set_bytes", 1, 0), ("condense_s", 1, 1), ("train_s", 1, 1), ("events", 1, 0)):
        summary[key] = format_mean_std([r[key] for r in rows], scale=scale, digits=digits)
    summary["spike_trains_equal"] = f"{sum(r['spike_trains_equal'] for r in rows)}/{seeds} seeds"
    summary["tonic_exact"] = f"{sum(r['tonic_exact'] for r in rows)}/{sum(r['samples'] for r in rows)}"
    summary["plain_call_exact"] = f"{sum(r['plain_call_exact'] for r in rows)}/{sum(r['samples'] for r in rows)}"
    notes = (f"nmnist-small, PACE IPC 10 ({' '.join(PACE)} {' '.join(FRAMES)}), then `spikeslim train --train-set` "
             f"({' '.join(TRAIN)}), `export-nir` (dt 1e-4 s), `export-events`; accuracy on the 100 real test "
             "recordings; snnTorch runs the NIR file one recording at a time. Per seed rows in the JSON.")
    json_path, md_path = write_report(args.out, "export_quick" if args.quick else "export", [summary, *rows],
                                      title="NIR and event export, end to end", notes=notes)
    print(md_path.read_text())


if __name__ == "__main__":
    main()
