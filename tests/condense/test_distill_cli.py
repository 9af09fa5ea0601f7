"""`spikeslim distill` on the real N-MNIST subset: one set file per run, every method, resume."""

import numpy as np

from spikeslim.cli import main
from spikeslim.datasets.setfile import load_set

SMALL = ["--T", "2", "--downsample", "4", "--option", "width=4", "--option", "depth=1"]


def _distill(tmp_path, data_dir, name, *extra):
    out = tmp_path / f"{name}.npz"
    argv = ["distill", "--dataset", "nmnist", "--ipc", "1", "--out", str(out), "--data-dir", str(data_dir),
            "--cache-dir", str(tmp_path / "cache"), "--device", "cpu", *extra]
    return main(argv), out


def test_pace_ablation_flags_reach_the_set_file_and_resume_gives_the_same_set(tmp_path, nmnist_small_dir):
    args = ["--method", "pace", "--features", "random", "--iterations", "2", "--no-sdr", "--no-phase", "--no-peq", *SMALL]
    code, out = _distill(tmp_path, nmnist_small_dir, "pace", *args)
    assert code == 0
    first = load_set(out)
    assert first.frames.shape == (10, 2, 2, 9, 9) and first.labels.tolist() == list(range(10))
    options = first.meta["options"]
    assert (options["sdr"], options["phase"], options["peq"]) == (False, False, False)
    assert first.meta["arguments"]["method"] == "pace" and first.spec.dataset == "nmnist"
    assert (tmp_path / "pace.npz.ckpt" / "state.pt").exists()
    code, _ = _distill(tmp_path, nmnist_small_dir, "pace", *args, "--resume")
    assert code == 0
    np.testing.assert_array_equal(load_set(out).frames, first.frames)


def test_unknown_option_for_a_method_is_a_one_line_error(tmp_path, nmnist_small_dir, capsys):
    code, out = _distill(tmp_path, nmnist_small_dir, "random", "--method", "random", "--iterations", "5")
    assert code == 2 and not out.exists()
    assert "iterations" in capsys.readouterr().err
