"""The training recipe as one frozen, JSON-able value, validated once at construction."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from spikeslim.errors import InvalidConfigError
from spikeslim.train.augment import FrameAugment

OPTIMIZERS = ("adam", "sgd")
SCHEDULES = ("cosine", "constant")
LOSSES = ("mean", "tet")
BPTT = ("full", "sltt", "online")


@dataclass(frozen=True)
class TrainConfig:
    """Hyper-parameters of one training run; `seed` makes CPU runs bit-identical."""

    epochs: int = 10
    batch_size: int = 32
    lr: float = 1e-3
    optimizer: str = "adam"
    weight_decay: float = 0.0
    momentum: float = 0.9  # SGD only
    schedule: str = "cosine"  # per epoch, to zero at the last epoch
    loss: str = "mean"  # "mean": CE of the time-averaged logits; "tet": mean over steps of CE
    tet_lambda: float = 0.0  # weight of TET's MSE regulariser (0 = pure per-step CE)
    augment: FrameAugment | None = None
    seed: int = 0
    eval_every: int = 1  # epochs between test evaluations (the last epoch is always evaluated)
    # how the gradient goes through time (train.bptt): "full" BPTT as the model's LIF layers are set;
    # "sltt" without the membrane's path across steps; "online" that one step at a time, memory constant in T
    bptt: str = "full"

    def __post_init__(self) -> None:
        for name, choices in (("optimizer", OPTIMIZERS), ("schedule", SCHEDULES), ("loss", LOSSES), ("bptt", BPTT)):
            if getattr(self, name) not in choices:
                raise InvalidConfigError(
                    f"{name} {getattr(self, name)!r} is not one of {', '.join(choices)}"
                )
        if self.bptt == "online" and self.loss != "tet":
            raise InvalidConfigError(f"bptt 'online' trains on a mean of per-step losses: use loss 'tet', not {self.loss!r}")
        for name in ("epochs", "batch_size", "eval_every"):
            if int(getattr(self, name)) < 1:
                raise InvalidConfigError(f"{name} must be at least 1, got {getattr(self, name)}")
        if not 0 < self.lr < math.inf:
            raise InvalidConfigError(f"lr must be positive and finite, got {self.lr}")
        if not 0 <= self.weight_decay < math.inf or not 0 <= self.tet_lambda <= 1 or not 0 <= self.momentum < 1:
            raise InvalidConfigError(
                f"weight_decay must be finite and >= 0, tet_lambda in [0, 1] and momentum in [0, 1), got "
                f"{self.weight_decay}, {self.tet_lambda}, {self.momentum}"
            )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
