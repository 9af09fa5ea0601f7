"""spikeslim.train: the one training loop and evaluation every method uses."""

from spikeslim.train.augment import FrameAugment
from spikeslim.train.checkpoint import load_model, save_checkpoint
from spikeslim.train.config import TrainConfig
from spikeslim.train.data import to_input
from spikeslim.train.device import resolve_device
from spikeslim.train.evaluation import evaluate
from spikeslim.train.loop import EpochStats, TrainResult, fit

__all__ = [
    "EpochStats",
    "FrameAugment",
    "TrainConfig",
    "TrainResult",
    "evaluate",
    "fit",
    "load_model",
    "resolve_device",
    "save_checkpoint",
    "to_input",
]
