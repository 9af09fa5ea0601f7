"""Run by test_distributed under torchrun: train the tiny net data-parallel, save this rank's weights."""

import sys
from pathlib import Path

import torch

from toys import TinySNN, quadrant_frames
from spikeslim.train import TrainConfig, fit
from spikeslim.train.distributed import init_from_env

if __name__ == "__main__":
    out = Path(sys.argv[1])
    ctx, device = init_from_env(torch.device("cpu"))
    torch.manual_seed(ctx.rank)  # different initial weights: DDP must broadcast rank 0's
    model = TinySNN((2, 8, 8), 4)
    result = fit(model, quadrant_frames(40), TrainConfig(epochs=2, batch_size=8, lr=0.01), checkpoint=out / "ckpt.pt", progress=False)
    torch.save({"weights": model.state_dict(), "loss": [h.loss for h in result.history]}, out / f"rank{ctx.rank}.pt")
