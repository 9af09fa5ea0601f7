"""Every command on bad input: one line on stderr, no traceback, exit code 2."""

import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest
import torch

from spikeslim.cli import main

#: a line of `spikeslim.progress` in a log (stderr is no terminal under pytest): "desc: 3/10 unit, ..."
PROGRESS = re.compile(r"[^:]*: \d+(/\d+)? \S+(,| in) ")
TINY = ["--width", "2", "--depth", "1", "--T", "2", "--downsample", "4", "--epochs", "1"]


def fails(capsys, argv, pattern, code=2):
    """Run `spikeslim ARGV` in-process; its stderr must be one error line matching `pattern`."""
    try:
        rc = main(argv)
    except SystemExit as exit_:  # argparse's own errors
        rc = exit_.code
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip() and not PROGRESS.match(line)]
    assert "Traceback" not in err
    assert rc == code, err
    assert len(lines) == 1, err
    assert re.search(pattern, lines[0]), lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def run(nmnist_small_dir, tmp_path_factory):
    """One tiny real training run (checkpoint, cache) shared by the tests below."""
    root = tmp_path_factory.mktemp("cli")
    common = ["--data-dir", str(nmnist_small_dir), "--cache-dir", str(root / "cache")]
    assert main(["train", "--dataset", "nmnist", *TINY, "--out", str(root / "run"), *common]) == 0
    return root, common


def set_file(path, frames=None, labels=None, meta=None):
    frames = np.ones((2, 2, 2, 9, 9), np.uint8) if frames is None else frames
    labels = np.array([0, 1]) if labels is None else labels
    meta = {"dataset": "nmnist", "T": 2, "downsample": 4, "n_classes": 10} if meta is None else meta
    with open(path, "wb") as fh:
        np.savez(fh, frames=frames, labels=labels, meta=np.array(json.dumps(meta)))
    return str(path)


PARSE_ERRORS = [
    (["train", "--dataset", "nmnist", "--out", "o", "--T", "0"], r"--T: must be a positive integer, got 0"),
    (["train", "--dataset", "nmnist", "--out", "o", "--T", "-2"], r"--T: must be a positive integer, got -2"),
    (["train", "--dataset", "nmnist", "--out", "o", "--T", "1.5"], r"--T: must be a positive integer, got '1.5'"),
    (["train", "--dataset", "nmnist", "--out", "o", "--downsample", "0"], r"--downsample: must be a positive"),
    (["train", "--dataset", "nmnist", "--out", "o", "--width", "0"], r"--width: must be a positive integer"),
    (["train", "--dataset", "nmnist", "--out", "o", "--depth", "-1"], r"--depth: must be a positive integer"),
    (["train", "--dataset", "nmnist", "--out", "o", "--epochs", "0"], r"--epochs: must be a positive integer"),
    (["train", "--dataset", "nmnist", "--out", "o", "--batch-size", "0"], r"--batch-size: must be a positive"),
    (["train", "--dataset", "nmnist", "--out", "o", "--lr", "inf"], r"--lr: must be a finite number > 0, got inf"),
    (["train", "--dataset", "nmnist", "--out", "o", "--lr", "nan"], r"--lr: must be a finite number > 0, got nan"),
    (["train", "--dataset", "nmnist", "--out", "o", "--lr=-1e-3"], r"--lr: must be a finite number > 0"),
    (["train", "--dataset", "nmnist", "--out", "o", "--weight-decay", "nan"], r"--weight-decay: must be a finite"),
    (["train", "--dataset", "nmnist", "--out", "o", "--keep", "0"], r"--keep: must be a fraction in \(0, 1\]"),
    (["train", "--dataset", "nmnist", "--out", "o", "--keep", "1.5"], r"--keep: must be a fraction"),
    (["train", "--dataset", "nmnist", "--out", "o", "--tet-lambda", "2"], r"--tet-lambda: must be a number in"),
    (["train", "--dataset", "nmnist", "--out", "o", "--seed", "-1"], r"--seed: must be an integer >= 0"),
    (["train", "--dataset", "nmnist", "--out", "o", "--bptt", "tbptt"], r"--bptt: invalid choice: 'tbptt'"),
    (["train", "--dataset", "nmnist", "--out", "o", "--bogus"], r"unrecognized arguments: --bogus"),
    (["evaluate", "c.pt", "--T", "0"], r"--T: must be a positive integer, got 0"),
    (["demo", "--ipc", "0"], r"--ipc: must be a positive integer, got 0"),
    (["demo", "--seeds", "0"], r"--seeds: must be a positive integer"),
    (["demo", "--threads", "0"], r"--threads: must be a positive integer"),
    (["distill", "--dataset", "nmnist", "--ipc", "0", "--out", "s.npz"], r"--ipc: must be a positive integer"),
    (["distill", "--dataset", "nmnist", "--ipc", "1", "--out", "s.npz", "--lr", "nan"], r"--lr: must be a finite"),
    (["distill", "--dataset", "nmnist", "--ipc", "1", "--out", "s.npz", "--iterations", "0"], r"--iterations: must"),
    (["latency", "--dataset", "nmnist", "--out", "o", "--steps", "0,1"], r"--steps: must be comma-separated positive"),
    (["latency", "--dataset", "nmnist", "--out", "o", "--steps", "a"], r"--steps: must be comma-separated positive"),
    (["latency", "--dataset", "nmnist", "--out", "o", "--channels", "8,0"], r"--channels: must be comma-separated"),
    (["latency", "--dataset", "nmnist", "--out", "o", "--tau", "0"], r"--tau: must be a finite number > 0"),
    (["latency", "--dataset", "nmnist", "--out", "o", "--alpha", "-1"], r"--alpha: must be a finite number >= 0"),
    (["latency", "--dataset", "nmnist", "--out", "o", "--levels", "0"], r"--levels: must be a positive integer"),
    (["latency", "--dataset", "nmnist", "--out", "o", "--student-lr", "inf"], r"--student-lr: must be a finite"),
    (["latency", "--dataset", "nmnist", "--out", "o", "--binning", "space"], r"--binning: invalid choice: 'space'"),
    (["show", "nmnist", "--out", "a.png", "--index", "-1"], r"--index: must be an integer >= 0"),
    (["show", "nmnist", "--out", "a.png", "--T", "0"], r"--T: must be a positive integer"),
    (["evaluate-set", "s.npz", "--seeds", "0"], r"--seeds: must be a positive integer"),
    (["evaluate-set", "s.npz", "--steps", "0"], r"--steps: must be a positive integer"),
    (["evaluate-set", "s.npz", "--T", "0"], r"--T: must be a positive integer, got 0"),
    (["export-events", "s.npz", "--out", "o", "--duration-us", "0"], r"--duration-us: must be a positive integer"),
    (["export-nir", "c.pt", "--out", "m.nir", "--dt", "nan"], r"--dt: must be a finite number > 0"),
    (["frobnicate"], r"invalid choice: 'frobnicate'"),
]


@pytest.mark.parametrize("argv, pattern", PARSE_ERRORS)
def test_bad_flag_values_are_refused_while_parsing(capsys, argv, pattern):
    fails(capsys, argv, rf"^spikeslim( \S+)?: error: (argument )?.*{pattern}.*\(see spikeslim")


def test_bad_set_files_in_every_command_that_reads_one(capsys, tmp_path, monkeypatch):
    cases = {
        set_file(tmp_path / "labels.npz", labels=np.array([0, 10])): r"labels span \[0, 10\] but the set declares 10",
        set_file(tmp_path / "float.npz", labels=np.array([0.5, 1.0])): "integer labels",
        set_file(tmp_path / "meta.npz", meta=[1, 2]): "meta must be a JSON object, got list",
        set_file(tmp_path / "empty.npz", frames=np.ones((0, 2, 2, 9, 9), np.uint8), labels=np.zeros(0, int)): "empty",
        set_file(tmp_path / "t0.npz", frames=np.ones((2, 0, 2, 9, 9), np.uint8)): "empty",
        str(tmp_path / "absent.npz"): "no such set file",
    }
    (tmp_path / "zip.npz").write_bytes(b"PK\x03\x04 not really")
    cases[str(tmp_path / "zip.npz")] = "not a readable .npz archive"
    for path, reason in cases.items():
        for argv in (["show", path, "--out", str(tmp_path / "s.png")],
                     ["export-events", path, "--out", str(tmp_path / "ev")],
                     ["evaluate-set", path, "--no-reference"]):
            fails(capsys, argv, rf"^spikeslim: error: {re.escape(path)}: .*{reason}")
    bomb = tmp_path / "bomb.npz"
    with open(bomb, "wb") as fh:
        np.savez_compressed(fh, frames=np.zeros((300, 10, 2, 64, 64), np.uint8), labels=np.zeros(300, int),
                            meta=np.array("{}"))
    monkeypatch.setenv("SPIKESLIM_MAX_BYTES", str(8 << 20))
    fails(capsys, ["show", str(bomb), "--out", str(tmp_path / "b.png")], r"bomb\.npz\[frames\].*over the 8,388,608")


def test_exports_into_used_folders(capsys, tmp_path):
    good = set_file(tmp_path / "good.npz")
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "x").write_text("x")
    fails(capsys, ["export-events", good, "--out", str(tmp_path / "used")], "is not empty; .*--overwrite")
    fails(capsys, ["export-events", good, "--out", str(tmp_path / "used" / "x")], "is a file; --out names the folder")
    assert main(["export-events", good, "--out", str(tmp_path / "used"), "--overwrite"]) == 0


class Exploit:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_evaluate_on_hostile_checkpoints(capsys, run, tmp_path):
    root, common = run
    ckpt = root / "run" / "checkpoint.pt"
    record = torch.load(ckpt, weights_only=True)
    torch.save({**record, "data": {**record["data"], "T": Exploit(tmp_path / "pwned")}}, tmp_path / "evil.pt")
    fails(capsys, ["evaluate", str(tmp_path / "evil.pt"), *common], r"evil\.pt: cannot be read safely")
    assert not (tmp_path / "pwned").exists()
    for name, edit, reason in [("wide", {"model_kwargs": {"width": 3, "depth": 1}}, "size mismatch"),
                               ("kw", {"model_kwargs": {"width": 2, "depth": 1, "hue": 1}}, "unexpected keyword"),
                               ("nodata", {"data": {}}, "data.T must be a positive integer")]:
        torch.save({**record, **edit}, tmp_path / f"{name}.pt")
        fails(capsys, ["evaluate", str(tmp_path / f"{name}.pt"), *common], rf"{name}\.pt.*{reason}")
    (tmp_path / "junk.pt").write_bytes(b"\x80\x02junk")
    fails(capsys, ["evaluate", str(tmp_path / "junk.pt"), *common], r"junk\.pt: not a readable archive")
    fails(capsys, ["evaluate", str(tmp_path / "none.pt"), *common], r"none\.pt: no such file")
    fails(capsys, ["evaluate", str(ckpt), "--out", str(tmp_path), *common], f"{tmp_path} is a folder; a file")


def test_train_on_bad_settings_outputs_and_resumes(capsys, run, tmp_path, monkeypatch):
    root, common = run
    train = ["train", "--dataset", "nmnist", *common]
    fails(capsys, [*train, *TINY, "--downsample", "35", "--out", str(tmp_path / "o")],
          r"--downsample 35: must be an integer in 1-34 for nmnist's 34x34 sensor")
    (tmp_path / "file").write_text("x")
    fails(capsys, [*train, *TINY, "--out", str(tmp_path / "file")], r"file is a file where a folder is needed")
    fails(capsys, [*train, *TINY, "--resume", "--out", str(root / "run"), "--width", "3"],
          r"cannot resume .* \(model: .*'width': 2.* -> .*'width': 3")
    fails(capsys, [*train, *TINY, "--resume", "--out", str(root / "run"), "--binning", "count"],
          r"cannot resume .* \(data binning: 'time' -> 'count'\)")
    fails(capsys, [*train, *TINY, "--resume", "--out", str(root / "run"), "--epochs", "2", "--lr", "0.5"],
          r"cannot resume .* \(epochs: 1 -> 2, lr: 0.002 -> 0.5\)")
    fails(capsys, [*train, *TINY, "--resume", "--out", str(root / "run"), "--bptt", "sltt"],
          r"cannot resume .* \(bptt: 'full' -> 'sltt'\)")
    fails(capsys, [*train, *TINY, "--bptt", "online", "--out", str(tmp_path / "o")],
          r"bptt 'online' trains on a mean of per-step losses: use loss 'tet', not 'mean'$")
    fails(capsys, [*train, *TINY, "--bptt", "online", "--loss", "tet", "--out", str(tmp_path / "o")],
          r"cannot train SpikingCNN: its batch norm 'features.1' .* or an instance-norm model \(convnet\)$")
    fails(capsys, ["train", "--dataset", "nmnist", *TINY, "--out", str(tmp_path / "o"), "--data-dir",
                   str(tmp_path / "nowhere")], r"nmnist: data folder .*nowhere does not exist")

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(tmp_path / "ro"))

    monkeypatch.setattr("tempfile.mkstemp", refuse)  # a read-only output folder, even for root
    fails(capsys, [*train, *TINY, "--out", str(tmp_path / "ro")], r"ro/checkpoint\.pt: cannot write there "
                                                                   r"\(Permission denied\)")


def test_an_os_error_anywhere_is_one_line_naming_the_path(capsys, monkeypatch, tmp_path):
    def broken(data_dir):
        raise IsADirectoryError(21, "Is a directory", str(tmp_path))

    monkeypatch.setattr("spikeslim.datasets.status.dataset_rows", broken)
    fails(capsys, ["datasets"], rf"^spikeslim: error: {tmp_path}: Is a directory$")


@pytest.mark.parametrize("argv, pattern", [
    (["train", "--dataset", "nmnist", "--out", "o", "--T", "0"], r"--T: must be a positive integer"),
    (["evaluate", "{tmp}/junk.pt"], r"junk\.pt: not a readable archive"),
    (["show", "{tmp}/s.npz", "--out", "{tmp}/s.png"], r"labels span \[0, 10\]"),
])
def test_real_processes_print_one_line_and_exit_2(tmp_path, argv, pattern):
    (tmp_path / "junk.pt").write_bytes(b"junk")
    set_file(tmp_path / "s.npz", labels=np.array([0, 10]))
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    done = subprocess.run([sys.executable, "-m", "spikeslim", *argv], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and re.search(pattern, done.stderr), done.stderr
