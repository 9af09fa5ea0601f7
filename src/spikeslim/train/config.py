"""The training recipe as one frozen, JSON-able value, validated once at construction."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from spikeslim.errors import InvalidConfigError
from spikeslim.train.augment import FrameAugment

OPTIMIZERS = ("adam", "sgd")
SCHEDULES = ("cosine", "constant")
LOSSES = ("mean", "tet")


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

    def __post_init__(self) -> None:
        for name, choices in (("optimizer", OPTIMIZERS), ("schedule", SCHEDULES), ("loss", LOSSES)):
            if getattr(self, name) not in choices:
                raise InvalidConfigError(
                    f"{name} {getattr(self, name)!r} is not one of {', '.join(choices)}"
                )
        for name in ("epochs", "batch_size", "eval_every"):
            if int(getattr(self, name)) < 1:
                raise InvalidConfigError(f"{name} must be at least 1, got {getattr(self, name)}")
        if not self.lr > 0:
            raise InvalidConfigError(f"lr must be positive, got {self.lr}")
        if self.weight_decay < 0 or not 0 <= self.tet_lambda <= 1:
            raise InvalidConfigError(
                f"weight_decay must be >= 0 and tet_lambda in [0, 1], got {self.weight_decay}, {self.tet_lambda}"
            )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "TrainConfig":
        d = dict(d)
        if d.get("augment") is not None:
            d["augment"] = FrameAugment(**d["augment"])
        return cls(**d)
