import json

import numpy as np

from spikeslim.condense.demo import DemoConfig, run_demo
from spikeslim.condense.evaluate import EvalRecipe
from spikeslim.datasets.setfile import load_set
from spikeslim.snn.models import ModelSpec

TINY = DemoConfig(ipc=2, T=2, downsample=4, methods={"random": {}},
                  recipe=EvalRecipe(model=ModelSpec("scnn", {"width": 4, "depth": 1}), seeds=2, steps=2,
                                    min_epochs=1))


def test_demo_writes_one_table_one_plot_and_resumes(tmp_path):
    out = tmp_path / "demo"
    paths = run_demo(out, TINY, cache_dir=tmp_path / "cache", device="cpu", progress=False)
    table = paths["table"].read_text()
    assert "| full training set | all | 1437 |" in table  # digits-dvs: 1,437 training recordings
    assert "| random | 2 | 20 |" in table
    assert paths["plot"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    rows = json.loads(paths["json"].read_text())["rows"]
    assert [len(r["accuracies"]) for r in rows] == [1, 2]  # one full-data reference, seeds per set
    data = load_set(out / "random_ipc2.npz")
    assert data.spec.dataset == "digits-dvs" and data.frames.shape == (20, 2, 2, 9, 9)  # 34 px / 4, rounded up
    np.testing.assert_array_equal(np.bincount(data.labels), [2] * 10)

    # --resume keeps finished stages: an edited cached result shows up untouched in the new table
    cached = out / "random_ipc2_eval.json"
    row = json.loads(cached.read_text())
    cached.write_text(json.dumps({**row, "accuracies": [0.5, 0.5], "acc_mean": 0.5, "acc_std": 0.0}))
    set_mtime = (out / "random_ipc2.npz").stat().st_mtime_ns
    paths = run_demo(out, TINY, cache_dir=tmp_path / "cache", device="cpu", progress=False, resume=True)
    assert "50.0 ± 0.0 (n=2)" in paths["table"].read_text()
    assert (out / "random_ipc2.npz").stat().st_mtime_ns == set_mtime
