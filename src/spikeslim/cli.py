"""The spikeslim command line. Each command parses its flags and calls one package function."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any, Callable, Sequence

from spikeslim import __version__
from spikeslim.errors import SpikeslimError
from spikeslim.files import describe
from spikeslim.flags import (CommandsFormatter, OneLineParser, fraction, natural_float, natural_int, positive_float,
                             positive_int, positive_ints, unit_float)

if TYPE_CHECKING:
    from spikeslim.datasets.base import FrameSpec
    from spikeslim.snn.models import ModelSpec

Adder = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]


def _add_common_data(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data-dir", default=None, help="folder holding real datasets in their native layout")
    p.add_argument("--cache-dir", default=None, help="frame cache folder (default $SPIKESLIM_CACHE, else ~/.cache/spikeslim)")


def _frame_spec(args: argparse.Namespace, dataset: str) -> "FrameSpec":
    """The data flags (--T, --binning, --downsample, --data-dir) as the FrameSpec of `dataset`."""
    from spikeslim.datasets.base import FrameSpec

    return FrameSpec.of(dataset, T=args.T, binning=args.binning, downsample=args.downsample, data_dir=args.data_dir)


def _model_spec(args: argparse.Namespace) -> "ModelSpec":
    """--model with the --width and --depth given."""
    from spikeslim.snn.models import ModelSpec

    return ModelSpec(args.model, {k: v for k, v in (("width", args.width), ("depth", args.depth)) if v is not None})


def _add_device(p: argparse.ArgumentParser) -> None:
    p.add_argument("--device", default=None, help="cpu, cuda, cuda:1 ... (default: cuda where present)")


# --- commands: one section each, added above the end marker and named in COMMANDS ---------------

# --- evaluate-set: judge a synthetic set by training fresh networks on it (condense.evaluate) ---
def _add_evaluate_set(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    p = sub.add_parser("evaluate-set", help="train networks on a set file: accuracy, time, storage")
    p.add_argument("set", help="a set file (.npz) written by `spikeslim distill`")
    p.add_argument("--model", default="scnn", help="architecture trained on the set (default scnn, the protocol's)")
    p.add_argument("--width", type=positive_int, default=None, help="model width (default: the model's)")
    p.add_argument("--depth", type=positive_int, default=None, help="model depth, for models that have one")
    p.add_argument("--seeds", type=positive_int, default=5, help="fresh networks trained, one per seed (default 5)")
    p.add_argument("--steps", type=positive_int, default=1000, help="optimisation steps per training run (default 1000)")
    p.add_argument("--reference-seeds", type=positive_int, default=1, help="full-data runs for the reference (default 1)")
    p.add_argument("--no-reference", action="store_true", help="skip training on the full training set")
    p.add_argument("--T", type=positive_int, default=None,
                   help="test at this many time steps (default: the set's); the test split is binned at this T")
    p.add_argument("--out", default=None, help="folder for <set>_eval.json/.md (default: beside the set)")
    _add_common_data(p)
    _add_device(p)
    p.set_defaults(run=_run_evaluate_set)


def _run_evaluate_set(args: argparse.Namespace) -> int:
    from spikeslim.condense.evaluate import EvalRecipe, evaluate_set_report
    from spikeslim.report import markdown_table

    recipe = EvalRecipe(model=_model_spec(args), seeds=args.seeds, steps=args.steps)
    report = evaluate_set_report(args.set, recipe, out=args.out, T=args.T, reference_seeds=args.reference_seeds,
                                 with_reference=not args.no_reference, data_dir=args.data_dir,
                                 cache_dir=args.cache_dir, device=args.device)
    print(markdown_table([report["summary"]]), end="")
    print(f"full results: {report['json']}")
    return 0


# --- export-events: a set's samples as event streams (condense.export) ---
def _add_export_events(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    p = sub.add_parser("export-events", help="write a set's samples as events (tonic .npy, N-MNIST .bin)")
    p.add_argument("set", help="a set file (.npz)")
    p.add_argument("--out", required=True, help="output folder: <label>/<NNNNN>.npy|.bin and events.json")
    p.add_argument("--duration-us", type=positive_int, default=None,
                   help="time span of each exported sample, a multiple of T (default: the set's, else 300000 as "
                        "N-MNIST, rounded up to a multiple of T)")
    p.add_argument("--overwrite", action="store_true", help="replace an earlier export in --out (else it must be empty)")
    p.set_defaults(run=_run_export_events)


def _run_export_events(args: argparse.Namespace) -> int:
    from spikeslim.condense.export import export_events
    from spikeslim.datasets.setfile import load_set

    summary = export_events(load_set(args.set), args.out, duration_us=args.duration_us, overwrite=args.overwrite)
    print(f"wrote {summary['n_samples']} samples ({summary['n_events']} events) as "
          f"{' and '.join(summary['formats'])} to {args.out}; re-bin with {summary['tonic']['call']} "
          f"(or spikeslim's {summary['rebin']})")
    return 0


# --- export-nir: a trained network as a NIR graph (spikeslim.export) ---
def _add_export_nir(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    p = sub.add_parser("export-nir", help="write a trained network as NIR (snnTorch, Norse, chips)")
    p.add_argument("checkpoint", help="a checkpoint.pt of an exportable model (--model scnn or deploy)")
    p.add_argument("--out", required=True, help="the NIR file to write (e.g. model.nir)")
    p.add_argument("--dt", type=positive_float, default=None,
                   help="seconds per time step in the graph's neuron constants (default 1e-4, snnTorch's step)")
    p.set_defaults(run=_run_export_nir)


def _run_export_nir(args: argparse.Namespace) -> int:
    from spikeslim.export import DEFAULT_DT, export_checkpoint

    summary = export_checkpoint(args.checkpoint, args.out, dt=args.dt or DEFAULT_DT)
    print(f"wrote {summary['out']} ({summary['bytes']:,} bytes, {summary['nodes']} nodes, dt {summary['dt']:g} s, "
          f"trained at T={summary['T']}); load it with nir.read")
    return 0


# --- train / evaluate: the trainer (spikeslim.train) ---
def _add_train(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    p = sub.add_parser("train", help="train an SNN on a dataset or a set file, optionally pruned")
    p.add_argument("--dataset", default=None, help="registered dataset (digits-dvs, nmnist, ...)")
    p.add_argument("--train-set", default=None,
                   help="train on a set file (.npz) instead; tested on its dataset's test split at its T and binning")
    p.add_argument("--model", default="scnn",
                   help="registered model (default scnn; convnet --width 128 is ConvNet-3; deploy exports to NIR)")
    p.add_argument("--width", type=positive_int, default=None, help="model width (default: the model's)")
    p.add_argument("--depth", type=positive_int, default=None, help="model depth, for models that have one")
    p.add_argument("--T", type=positive_int, default=None, help="time steps (default: the dataset's)")
    p.add_argument("--binning", choices=("time", "count"), default="time", help="equal time windows or event counts")
    p.add_argument("--downsample", type=positive_int, default=1, help="divide x and y by this factor")
    p.add_argument("--epochs", type=positive_int, default=30)
    p.add_argument("--batch-size", type=positive_int, default=32, help="examples per step (per process under torchrun)")
    p.add_argument("--lr", type=positive_float, default=2e-3)
    p.add_argument("--optimizer", choices=("adam", "sgd"), default="adam")
    p.add_argument("--weight-decay", type=natural_float, default=0.0)
    p.add_argument("--schedule", choices=("cosine", "constant"), default="cosine")
    p.add_argument("--loss", choices=("mean", "tet"), default="mean", help="CE of the mean output, or per step (TET)")
    p.add_argument("--tet-lambda", type=unit_float, default=0.0, help="weight of TET's MSE regulariser")
    p.add_argument("--bptt", choices=("full", "sltt", "online"), default="full",
                   help="full BPTT; sltt: no gradient along the membrane across steps; online: sltt one step at a "
                        "time, memory constant in T (needs --loss tet and a model without batch norm)")
    p.add_argument("--augment", action="store_true", help="random translation of event frames (up to 10%%)")
    p.add_argument("--flip", action="store_true", help="with --augment, also mirror frames (only for mirror-symmetric classes)")
    p.add_argument("--seed", type=natural_int, default=0)
    p.add_argument("--out", required=True, help="folder for checkpoint.pt and results.json")
    p.add_argument("--resume", action="store_true", help="continue from --out/checkpoint.pt if present")
    p.add_argument("--prune", default=None, help="data pruning sampler (sadp, random, el2n, ...)")
    p.add_argument("--keep", type=fraction, default=1.0, help="fraction of the data-epochs kept when pruning")
    p.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                   help="a pruning method option, e.g. --option anneal=0.2 (repeatable; values parsed as JSON)")
    _add_common_data(p)
    _add_device(p)
    p.set_defaults(run=_run_train)


def _run_train(args: argparse.Namespace) -> int:
    from spikeslim.errors import InvalidConfigError
    from spikeslim.prune import Pruning
    from spikeslim.train import FrameAugment, TrainConfig
    from spikeslim.train.distributed import is_main
    from spikeslim.train.run import train_run

    if (args.dataset is None) == (args.train_set is None):
        raise InvalidConfigError("train: give exactly one of --dataset NAME or --train-set SET.npz")
    if args.train_set is not None:
        from spikeslim.datasets.setfile import load_set

        data = load_set(args.train_set, data_dir=args.data_dir)
        if args.T is not None and args.T != data.T:
            raise InvalidConfigError(f"T={args.T} differs from the training set's T={data.T}; its frames fix T")
    else:
        data = _frame_spec(args, args.dataset)

    config = TrainConfig(epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, optimizer=args.optimizer,
                         weight_decay=args.weight_decay, schedule=args.schedule, loss=args.loss,
                         tet_lambda=args.tet_lambda, augment=FrameAugment(flip=args.flip, shift=0.1) if args.augment else None,
                         seed=args.seed, bptt=args.bptt)
    if args.prune is None and args.keep != 1.0:
        raise InvalidConfigError(f"keep={args.keep} needs a pruning method (--prune) to choose what to keep")
    if args.prune is None and args.option:
        raise InvalidConfigError("--option sets a pruning method's options: give --prune NAME")
    prune = None if args.prune is None else Pruning(args.prune, args.keep, _options({}, args.option))
    results = train_run(data=data, model=_model_spec(args), config=config, out=args.out, cache_dir=args.cache_dir,
                        device=args.device, resume=args.resume,
                        prune=prune)
    spikes = f", spike rate {results['spike_rate']:.3f}" if "spike_rate" in results else ""
    if is_main():  # under torchrun, one line for the whole group
        print(f"test accuracy {results['accuracy']:.2%} after {args.epochs} epochs in {results['wall_time_s']:.1f} s"
              f"{spikes}; results in {args.out}")
    return 0


def _add_evaluate(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    p = sub.add_parser("evaluate", help="accuracy per step and spike rate of a checkpoint, at any T")
    p.add_argument("checkpoint", help="a checkpoint.pt written by `spikeslim train` (or any spikeslim checkpoint)")
    p.add_argument("--T", type=positive_int, default=None, help="time steps; the test data is re-binned at this T")
    p.add_argument("--out", default=None, help="JSON file (default: evaluate_T<T>.json beside the checkpoint)")
    _add_common_data(p)
    _add_device(p)
    p.set_defaults(run=_run_evaluate)


def _run_evaluate(args: argparse.Namespace) -> int:
    import json

    from spikeslim.train.run import evaluate_checkpoint

    metrics = evaluate_checkpoint(args.checkpoint, T=args.T, out=args.out, data_dir=args.data_dir,
                                  cache_dir=args.cache_dir, device=args.device)
    print(json.dumps(metrics, indent=2))
    return 0


# --- datasets / show: list datasets and draw samples (spikeslim.datasets, events.render) ---
def _add_datasets(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    p = sub.add_parser("datasets", help="list the datasets: ready or how to get them, sizes, sensor")
    p.add_argument("--data-dir", default=None, help="folder holding real datasets in their native layout")
    p.set_defaults(run=_run_datasets)


def _run_datasets(args: argparse.Namespace) -> int:
    from spikeslim.datasets.status import dataset_rows
    from spikeslim.report import markdown_table

    rows = dataset_rows(args.data_dir)
    print(markdown_table(rows, ["dataset", "status", "train", "test", "sensor", "classes"]), end="")
    for row in rows:
        if row["how_to_get"]:
            print(f"\n{row['dataset']} is missing. {row['how_to_get']}")
    return 0


def _add_show(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    p = sub.add_parser("show", help="draw a sample per time bin, or a set file per class")
    p.add_argument("target", help="a dataset name, or a synthetic-set .npz (drawn as classes x time bins)")
    p.add_argument("--out", required=True, help="output image: .png (panels) or .gif (one frame per bin)")
    p.add_argument("--index", type=natural_int, default=0, help="sample to draw (for a set: each class's INDEX-th)")
    p.add_argument("--split", choices=("train", "test"), default="train")
    p.add_argument("--T", type=positive_int, default=None, help="time bins (default: the dataset's)")
    p.add_argument("--binning", choices=("time", "count"), default="time", help="equal time windows or event counts")
    p.add_argument("--downsample", type=positive_int, default=1, help="divide x and y by this factor")
    p.add_argument("--data-dir", default=None, help="folder holding real datasets in their native layout")
    p.set_defaults(run=_run_show)


def _run_show(args: argparse.Namespace) -> int:
    from spikeslim.datasets.preview import show_sample, show_set

    if args.target.endswith(".npz"):
        out = show_set(args.target, args.out, index=args.index)
    else:
        out = show_sample(_frame_spec(args, args.target), args.split, args.index, args.out)
    print(f"wrote {out}")
    return 0


# --- demo: full data vs PACE, herding and random on an embedded dataset: a table and a plot (condense.demo) ---
def _add_demo(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    p = sub.add_parser("demo", help="full data vs PACE, herding, random in minutes: table, plot")
    p.add_argument("--dataset", default="digits-dvs", help="registered dataset (default digits-dvs, embedded)")
    p.add_argument("--ipc", type=positive_int, default=10, help="samples per class of the condensed sets (default 10)")
    p.add_argument("--seeds", type=positive_int, default=2, help="fresh networks trained per set (default 2)")
    p.add_argument("--out", default="runs/demo", help="output folder (default runs/demo)")
    p.add_argument("--resume", action="store_true", help="keep the stages already finished in --out")
    p.add_argument("--threads", type=positive_int, default=1,
                   help="torch CPU threads (default 1: the demo's small networks gain little from more, "
                        "and on a busy machine extra threads mostly wait for each other)")
    _add_common_data(p)
    _add_device(p)
    p.set_defaults(run=_run_demo)


def _run_demo(args: argparse.Namespace) -> int:
    from dataclasses import replace

    import torch

    from spikeslim.condense.demo import DemoConfig, run_demo

    torch.set_num_threads(args.threads)
    base = DemoConfig()
    config = replace(base, dataset=args.dataset, ipc=args.ipc, recipe=replace(base.recipe, seeds=args.seeds))
    paths = run_demo(args.out, config, resume=args.resume, device=args.device, data_dir=args.data_dir,
                     cache_dir=args.cache_dir)
    print(paths["table"].read_text(), end="")
    print(f"plot: {paths['plot']}\nall numbers: {paths['json']}")
    return 0


# --- distill: condense a dataset to a synthetic set file, any method (spikeslim.condense) ---
def _add_distill(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    from spikeslim.condense.base import INITS

    p = sub.add_parser("distill", help="condense a dataset to a set file of IPC samples per class")
    p.add_argument("--dataset", required=True, help="registered dataset (digits-dvs, motion-dvs, nmnist, ...)")
    p.add_argument("--method", default="pace", help="pace, dm, dc, idm, random, herding, kcenter, forgetting")
    p.add_argument("--ipc", type=positive_int, required=True, help="samples per class in the set")
    p.add_argument("--out", required=True, help="the set file to write (.npz)")
    p.add_argument("--seed", type=natural_int, default=0)
    p.add_argument("--T", type=positive_int, default=None, help="time steps (default: the dataset's)")
    p.add_argument("--binning", choices=("time", "count"), default="time", help="equal time windows or event counts")
    p.add_argument("--downsample", type=positive_int, default=1, help="divide x and y by this factor")
    p.add_argument("--iterations", type=positive_int, default=None, help="optimisation iterations (distillation methods)")
    p.add_argument("--lr", type=positive_float, default=None, help="learning rate of the synthetic frames")
    p.add_argument("--init", choices=INITS, default=None,
                   help="start from random real samples, a herding or k-center coreset, or noise")
    p.add_argument("--features", choices=("teacher", "random"), default=None,
                   help="pace: a frozen trained teacher or fresh random networks")
    p.add_argument("--no-sdr", action="store_true", help="pace ablation: match spikes, not membrane potentials")
    p.add_argument("--no-phase", action="store_true", help="pace ablation: drop the phase terms")
    p.add_argument("--no-peq", action="store_true", help="pace ablation: continuous frames while optimising")
    p.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                   help="any other method option, e.g. --option width=16 (repeatable; values parsed as JSON)")
    p.add_argument("--checkpoint", default=None, help="checkpoint folder (default: <out>.ckpt)")
    p.add_argument("--resume", action="store_true", help="continue an interrupted run from its checkpoint")
    _add_common_data(p)
    _add_device(p)
    p.set_defaults(run=_run_distill)


def _options(given: dict[str, Any], items: list[str]) -> dict[str, Any]:
    """The method options of flags given explicitly, then of `--option KEY=VALUE` (values as JSON)."""
    import json

    from spikeslim.errors import InvalidConfigError

    options = {k: v for k, v in given.items() if v is not None}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise InvalidConfigError(f"--option {item!r}: expected KEY=VALUE")
        try:
            options[key] = json.loads(value)
        except json.JSONDecodeError:
            options[key] = value
    return options


def _run_distill(args: argparse.Namespace) -> int:
    from spikeslim.condense.distill import distill

    flags = dict(iterations=args.iterations, lr=args.lr, init=args.init, features=args.features,
                 **{k: False for k, off in (("sdr", args.no_sdr), ("phase", args.no_phase), ("peq", args.no_peq)) if off})
    options = _options(flags, args.option)
    result = distill(data=_frame_spec(args, args.dataset), method=args.method, ipc=args.ipc, out=args.out,
                     seed=args.seed, options=options, cache_dir=args.cache_dir, device=args.device,
                     resume=args.resume, checkpoint=args.checkpoint)
    timings = ", ".join(f"{k} {v:.1f} s" for k, v in result.meta["timings"].items())
    print(f"wrote {len(result)} samples ({args.ipc} per class) to {args.out} ({timings})")
    return 0


# --- latency: networks that answer in few steps T, by direct, TET or HSD training (spikeslim.latency) ---
def _add_latency(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    p = sub.add_parser("latency", help="networks that answer in few steps T: HSD, direct or TET")
    p.add_argument("--dataset", required=True, help="registered dataset (digits-dvs, motion-dvs, nmnist, ...)")
    p.add_argument("--method", default="hsd", help="hsd (default), direct or tet")
    p.add_argument("--train-frames", type=positive_int, default=16,
                   help="F, frames per sample (HSD's teacher sees them; every T sums them)")
    p.add_argument("--teacher", default=None,
                   help="hsd: ann, a QCFS ANN on each frame (default; blind to frame order), or snn, the network "
                        "spiking at F steps")
    p.add_argument("--steps", type=positive_ints, default="1,2,4",
                   help="comma-separated inference step counts T <= F, one network each")
    p.add_argument("--channels", type=positive_ints, default=None,
                   help="conv widths, one 2x2-pooled block each (default 32,64,128)")
    p.add_argument("--levels", type=positive_int, default=None, help="hsd: QCFS quantisation levels L (default 4)")
    p.add_argument("--alpha", type=natural_float, default=None,
                   help="hsd: weight of the step-wise distillation term (default 1)")
    p.add_argument("--tau", type=positive_float, default=None, help="hsd: distillation temperature (default 2)")
    p.add_argument("--epochs", type=positive_int, default=10, help="training epochs (hsd: the teacher's)")
    p.add_argument("--student-epochs", type=positive_int, default=None,
                   help="hsd: SKD fine-tuning epochs per student (default 5)")
    p.add_argument("--lr", type=positive_float, default=1e-3, help="learning rate (hsd: the teacher's)")
    p.add_argument("--student-lr", type=positive_float, default=None, help="hsd: fine-tuning learning rate (default 1e-3)")
    p.add_argument("--batch-size", type=positive_int, default=32)
    p.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                   help="any other method option, e.g. --option fold_bn=true (repeatable; values parsed as JSON)")
    p.add_argument("--binning", choices=("time", "count"), default="time", help="equal time windows or event counts")
    p.add_argument("--downsample", type=positive_int, default=1, help="divide x and y by this factor")
    p.add_argument("--seed", type=natural_int, default=0)
    p.add_argument("--out", required=True, help="folder for the checkpoints (hsd: teacher.pt, student_T<T>.pt) and "
                                                "results.json")
    p.add_argument("--resume", action="store_true", help="continue from the checkpoints in --out")
    _add_common_data(p)
    _add_device(p)
    p.set_defaults(run=_run_latency)


def _run_latency(args: argparse.Namespace) -> int:
    from spikeslim.latency.run import latency_run
    from spikeslim.report import markdown_table
    from spikeslim.train import TrainConfig

    flags = dict(teacher=args.teacher, channels=args.channels, levels=args.levels, alpha=args.alpha, tau=args.tau,
                 student_epochs=args.student_epochs, student_lr=args.student_lr)
    config = TrainConfig(epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, seed=args.seed)
    summary = latency_run(args.dataset, method=args.method, steps=args.steps, train_frames=args.train_frames,
                          options=_options(flags, args.option), config=config, out=args.out, binning=args.binning,
                          downsample=args.downsample, data_dir=args.data_dir, cache_dir=args.cache_dir,
                          device=args.device, resume=args.resume)
    converted = {"converted accuracy": "converted_accuracy"} if "teacher" in summary else {}
    rows = [{"T": n["T"], **{k: n[v] for k, v in converted.items()}, "accuracy": n["accuracy"],
             "per-step accuracy": " ".join(f"{a:.3f}" for a in n["per_step_accuracy"]), "checkpoint": n["checkpoint"]}
            for n in summary["networks"]]
    if "teacher" in summary:
        print(f"teacher ({summary['options']['teacher']}, {args.train_frames} frames): "
              f"test accuracy {summary['teacher']['accuracy']:.2%}")
    print(markdown_table(rows), end="")
    print(f"evaluate a network at any T: spikeslim evaluate {rows[0]['checkpoint']} --T 1")
    return 0


# --- end of commands ----------------------------------------------------------------------------

#: every command, in the order `spikeslim --help` lists them: the order of the work
COMMANDS: tuple[Adder, ...] = (
    _add_demo, _add_datasets, _add_show,  # try it, look at the data
    _add_train, _add_evaluate,  # train (pruned with --prune) and test at any T
    _add_distill, _add_evaluate_set,  # condense, and judge the set
    _add_latency,  # fewer time steps
    _add_export_events, _add_export_nir,  # leave spikeslim
)


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="spikeslim",
        description="Fast SNN training on event data: distil, prune and shorten it.",
        formatter_class=CommandsFormatter,
    )
    parser.add_argument("--version", action="version", version=f"spikeslim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for add in COMMANDS:
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; every failure a user can cause is one line on stderr and exit code 2."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except SpikeslimError as err:
        return _fail(str(err))
    except OSError as err:  # permissions, a folder where a file belongs, a full disk: name the path
        where = f"{err.filename}: " if err.filename else ""
        return _fail(f"{where}{describe(err)}")
    except MemoryError:
        return _fail("out of memory; use a larger --downsample, a smaller --T or --batch-size")
    except KeyboardInterrupt:
        print("\nspikeslim: interrupted; long runs resume from their checkpoint with --resume", file=sys.stderr)
        return 130


def _fail(message: str) -> int:
    print(f"spikeslim: error: {' '.join(message.split())}", file=sys.stderr)
    return 2

