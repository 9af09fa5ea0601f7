import numpy as np
from PIL import Image

from spikeslim.cli import main
from spikeslim.datasets import FrameSet, FrameSpec
from spikeslim.datasets.preview import show_sample, show_set
from spikeslim.datasets.setfile import save_set
from spikeslim.datasets.status import dataset_rows


def test_rows_report_ready_and_missing(nmnist_small_dir):
    rows = {r["dataset"]: r for r in dataset_rows(nmnist_small_dir)}
    assert rows["nmnist"]["status"] == "ready" and (rows["nmnist"]["train"], rows["nmnist"]["test"]) == (1000, 100)
    assert rows["nmnist"]["sensor"] == "34x34x2"
    assert rows["dvsgesture"]["status"].startswith("missing") and "figshare" in rows["dvsgesture"]["how_to_get"]


def test_show_a_real_sample(nmnist_small_dir, tmp_path):
    out = show_sample(FrameSpec.of("nmnist", T=5, data_dir=nmnist_small_dir), "test", 3, tmp_path / "s.gif")
    with Image.open(out) as img:
        assert img.n_frames == 5


def test_show_a_set_file_per_class(tmp_path):
    frames = np.random.default_rng(0).integers(0, 4, (6, 3, 2, 8, 8)).astype(np.uint8)
    save_set(tmp_path / "set.npz", FrameSet(frames, np.array([0, 0, 1, 1, 2, 2]), 3, FrameSpec("toy", 3)),
             {"method": "random", "ipc": 2})
    with Image.open(show_set(tmp_path / "set.npz", tmp_path / "set.gif", index=1)) as img:
        assert img.n_frames == 3
    assert main(["show", str(tmp_path / "set.npz"), "--out", str(tmp_path / "set.png")]) == 0
    assert Image.open(tmp_path / "set.png").format == "PNG"


def test_cli_errors_are_one_line(tmp_path, capsys):
    assert main(["show", "nope", "--out", str(tmp_path / "x.png")]) == 2
    assert "unknown dataset 'nope'" in capsys.readouterr().err
    assert main(["datasets", "--data-dir", str(tmp_path)]) == 0
    assert "nmnist is missing" in capsys.readouterr().out
