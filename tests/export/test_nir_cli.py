"""`spikeslim train --train-set ... --model deploy` then `spikeslim export-nir`: a NIR file, or one-line errors."""

import numpy as np

from spikeslim.cli import main
from spikeslim.datasets import FrameSet, FrameSpec, load_frames
from spikeslim.datasets.setfile import save_set
from spikeslim.export import from_nir, read_nir
from spikeslim.snn.models import ModelSpec, build_model
from spikeslim.train import save_checkpoint

DATA = {"dataset": "nmnist", "T": 2,  # as checkpoints before the source was recorded
        "binning": "time", "downsample": 4, "n_classes": 10, "in_shape": (2, 9, 9)}


def test_train_on_a_set_then_export_nir(tmp_path, nmnist_small_dir, capsys):
    cache = tmp_path / "cache"
    train = load_frames(FrameSpec.of("nmnist", T=2, downsample=4, data_dir=nmnist_small_dir), "train", cache_dir=cache,
                        progress=False)
    save_set(tmp_path / "set.npz", train.subset(np.arange(0, 1000, 50)), {"method": "random", "ipc": 2})
    common = ["--data-dir", str(nmnist_small_dir), "--cache-dir", str(cache), "--device", "cpu"]
    code = main(["train", "--train-set", str(tmp_path / "set.npz"), "--model", "deploy", "--width", "4", "--depth", "1",
                 "--epochs", "1", "--out", str(tmp_path / "run"), *common])
    assert code == 0
    code = main(["export-nir", str(tmp_path / "run" / "checkpoint.pt"), "--out", str(tmp_path / "m.nir")])
    assert code == 0
    assert "m.nir" in capsys.readouterr().out
    graph = read_nir(tmp_path / "m.nir")
    assert graph.metadata["model"] == "deploy" and int(graph.metadata["T"]) == 2 and graph.metadata["dt"] == 1e-4
    assert (graph.metadata["dataset"], graph.metadata["binning"], int(graph.metadata["downsample"])) == ("nmnist", "time", 4)
    assert from_nir(graph).in_shape == (2, 9, 9)
    # the checkpoint records the folder its data came from: evaluating needs no --data-dir
    assert main(["evaluate", str(tmp_path / "run" / "checkpoint.pt"), *common[2:]]) == 0
    assert '"trained_T": 2' in capsys.readouterr().out


def test_export_nir_of_an_instance_norm_model_is_one_line_naming_the_layer(tmp_path, capsys):
    model = build_model("convnet", in_shape=(2, 9, 9), n_classes=10, depth=1, width=4)
    save_checkpoint(tmp_path / "c.pt", model, model_spec=ModelSpec("convnet", {"depth": 1, "width": 4}), data=DATA)
    assert main(["export-nir", str(tmp_path / "c.pt"), "--out", str(tmp_path / "c.nir")]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "'features.1' (GroupNorm)" in err
    assert not (tmp_path / "c.nir").exists()


def test_train_needs_exactly_one_data_source(tmp_path, capsys):
    assert main(["train", "--model", "deploy", "--out", str(tmp_path)]) == 2
    assert "--train-set" in capsys.readouterr().err


def test_train_on_a_set_that_names_no_dataset_is_one_line(tmp_path, capsys):
    frames = np.ones((2, 2, 2, 4, 4), np.uint8)
    save_set(tmp_path / "bare.npz", FrameSet(frames, np.arange(2), 2), {})
    assert main(["train", "--train-set", str(tmp_path / "bare.npz"), "--out", str(tmp_path / "run")]) == 2
    assert "names no dataset to test on" in capsys.readouterr().err
