import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch

from toys import TinySNN, quadrant_frames
from spikeslim.train import TrainConfig, fit
from spikeslim.train.distributed import DistContext, shard


def test_shards_partition_the_epoch_with_equal_lengths():
    idx, w = np.arange(7), np.arange(7, dtype=np.float32)
    parts = [shard(idx, w, DistContext(r, 3, r)) for r in range(3)]
    assert [len(p[0]) for p in parts] == [3, 3, 3]
    assert sorted(np.concatenate([p[0] for p in parts]).tolist()) == [0, 0, 1, 1, 2, 3, 4, 5, 6]
    assert all(np.array_equal(i, ww) for i, ww in parts)  # weights follow their examples


def test_two_gloo_processes_end_with_equal_weights_equal_to_one_process(tmp_path):
    worker = Path(__file__).with_name("ddp_worker.py")
    tests = os.fspath(Path(__file__).parents[1])  # where toys.py lives
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=os.pathsep.join(filter(None, [tests, os.environ.get("PYTHONPATH")])))
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", str(worker), str(tmp_path)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    r0, r1 = (torch.load(tmp_path / f"rank{r}.pt") for r in (0, 1))
    for name, w in r0["weights"].items():
        assert torch.equal(w, r1["weights"][name]), name
    assert r0["loss"] == r1["loss"]  # epoch losses are summed over both ranks
    assert (tmp_path / "ckpt.pt").exists()

    # Two ranks of 8 see exactly the examples of one batch of 16: same training, up to rounding.
    torch.manual_seed(0)
    single = TinySNN((2, 8, 8), 4)
    fit(single, quadrant_frames(40), TrainConfig(epochs=2, batch_size=16, lr=0.01), progress=False)
    for name, w in single.state_dict().items():
        assert torch.allclose(w, r0["weights"][name], atol=1e-5), name
