"""Why distillers calibrate their fresh networks: spike rates of `scnn` on real nmnist-small frames.

Fresh (uncalibrated, as the distillers drew them before `condense.matching.calibrate`), fresh and
calibrated, and IDM's pool networks trained 1-4 epochs, each fed 32 real samples per class of fold
0's fit part (docs/pace.md, "The matching networks were silent"). Writes `silent_networks.md`.

    .venv/bin/python benchmarks/bench_silent_networks.py
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from spikeslim.bench.protocol import get_protocol, splits, validation
from spikeslim.condense.matching import calibrate, freeze, fresh_net, real_sample, train_pool
from spikeslim.report import write_report
from spikeslim.snn.models import ModelSpec

REPO = Path(__file__).resolve().parents[1]
SPEC = ModelSpec("scnn", {"width": 32, "depth": 2})
CPU = torch.device("cpu")


@torch.no_grad()
def row(name: str, net: torch.nn.Module, x: torch.Tensor) -> dict[str, str]:
    features = net(x, return_features=True)[1]  # [T, B, D] readout spikes
    per_feature = features.mean(dim=(0, 1))
    return {"network": name, "spike rate": f"{features.mean():.2%}", "silent features": f"{(per_feature == 0).float().mean():.0%}",
            "features": str(per_feature.numel())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "results"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    fit, _ = validation(splits(get_protocol("nmnist-small"), only=["fold0"])[0].train)
    gen = torch.Generator().manual_seed(0)
    x = real_sample(fit, 32, gen, CPU)
    rows = []
    for k in range(3):
        rows.append(row(f"fresh {k}, uncalibrated", freeze(fresh_net(SPEC, fit, gen, CPU)), x))
        rows.append(row(f"fresh {k}, calibrated", calibrate(fresh_net(SPEC, fit, gen, CPU), real_sample(fit, 32, gen, CPU)), x))
    for k, net in enumerate(train_pool(SPEC, fit, 5, 0, CPU)):
        rows.append(row(f"IDM pool, trained {k} epochs" + (" (calibrated)" if k == 0 else ""), net, x))
    write_report(Path(args.out), "silent_networks", rows, title="scnn spike rates on real nmnist-small frames",
                 notes="Fold 0's fit part, 32 real samples per class (320), T=10, full size; one torch thread.")
    print((Path(args.out) / "silent_networks.md").read_text())


if __name__ == "__main__":
    main()
