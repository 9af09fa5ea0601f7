"""The evaluation protocol every benchmark uses (docs/protocol.md): splits, recipes, paired runs.

- nmnist-small and digits-dvs are finite sets of recordings: stratified 5-fold cross-validation
  over all of them (train and test pooled), so every recording is tested exactly once; for
  nmnist-small the folds are the subset's own `folds.csv`, shared with other tools.
- motion-dvs is procedural: its fixed train split, and a 2,000-sample test split.
- Tuning only ever sees `validation(...)`, a stratified part carved from a split's training data.
- One frozen recipe per dataset (`PROTOCOLS`), the same for every method and set size.
- Runs record per-sample correctness split by split, in a fixed order, so runs of two methods
  pair sample by sample for `stats.paired_bootstrap` (`bench.summary`).
"""

from __future__ import annotations

import csv
import dataclasses
from dataclasses import dataclass, field

import numpy as np

from spikeslim.bench.data import Located, locate
from spikeslim.condense.evaluate import EvalRecipe
from spikeslim.datasets import load_frames, open_split
from spikeslim.datasets.base import FrameSet, FrameSpec
from spikeslim.errors import InvalidConfigError

#: The evaluation network and budget, EvalRecipe's defaults: chosen on validation splits
#: (benchmarks/bench_recipe.py); shifts of up to 10% but no flips, since a mirrored digit or a
#: mirrored motion is another class.
RECIPE = EvalRecipe(seeds=1)


@dataclass(frozen=True)
class DatasetProtocol:
    """How one benchmark dataset is split, binned and trained on."""

    name: str
    scheme: str  # "cv": k folds over every recording; "holdout": the dataset's own test split
    T: int = 10
    downsample: int = 1
    k: int = 5
    recipe: EvalRecipe = field(default=RECIPE)

    def frame_spec(self, where: Located) -> FrameSpec:
        """Its frames of the located dataset: time binning at the protocol's T and down-sampling."""
        return FrameSpec.of(where.dataset, T=self.T, downsample=self.downsample, data_dir=where.data_dir)


PROTOCOLS: dict[str, DatasetProtocol] = {
    "nmnist-small": DatasetProtocol("nmnist-small", "cv"),
    "digits-dvs": DatasetProtocol("digits-dvs", "cv"),
    # still rising from 1,000 to 2,000 steps on validation (benchmarks/results/recipe.md)
    "motion-dvs": DatasetProtocol("motion-dvs", "holdout", recipe=dataclasses.replace(RECIPE, steps=2000)),
}


@dataclass(frozen=True)
class Split:
    """One train/test split of a protocol ("fold0".."fold4", or "test" for a holdout)."""

    name: str
    train: FrameSet
    test: FrameSet


def get_protocol(name: str) -> DatasetProtocol:
    if name not in PROTOCOLS:
        raise InvalidConfigError(f"no protocol for {name!r}; protocols: {', '.join(PROTOCOLS)}")
    return PROTOCOLS[name]


def _load(where: Located, split: str, proto: DatasetProtocol) -> FrameSet:
    return load_frames(proto.frame_spec(where), split, progress=False)


def pooled(proto: DatasetProtocol) -> FrameSet:
    """Every recording of the dataset in one FrameSet: the train split, then the test split."""
    where = locate(proto.name)
    train, test = _load(where, "train", proto), _load(where, "test", proto)
    return FrameSet(np.concatenate([train.frames, test.frames]), np.concatenate([train.labels, test.labels]),
                    train.n_classes, train.spec, {**train.meta, "split": "pooled"})


def fold_of(proto: DatasetProtocol, labels: np.ndarray) -> np.ndarray:
    """The fold of every pooled recording: the dataset's `folds.csv` if it has one, else seeded."""
    where = locate(proto.name)
    table = None if where.data_dir is None else where.data_dir / "folds.csv"
    if table is not None and table.exists():
        with open(table, newline="") as fh:
            by_path = {row["path"]: int(row["fold"]) for row in csv.DictReader(fh)}
        names = ["/".join(p.parts[-3:]) for s in ("train", "test")
                 for p in open_split(where.dataset, s, where.data_dir).paths]
        missing = [n for n in names if n not in by_path]
        if missing:
            raise InvalidConfigError(f"{table}: no fold for {len(missing)} recordings, e.g. {missing[0]}")
        return np.array([by_path[n] for n in names], dtype=np.int64)
    return stratified_folds(labels, proto.k, seed=0)


def stratified_folds(labels: np.ndarray, k: int, *, seed: int) -> np.ndarray:
    """Fold ids 0..k-1, each class dealt round-robin over the folds after a seeded shuffle."""
    rng = np.random.default_rng(seed)
    folds = np.empty(len(labels), dtype=np.int64)
    for c in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == c))
        folds[members] = (np.arange(len(members)) + rng.integers(k)) % k
    return folds


def splits(proto: DatasetProtocol, only: list[int] | None = None) -> list[Split]:
    """The protocol's splits: k folds ("fold0".."fold4") or the one holdout split ("test")."""
    if proto.scheme == "holdout":
        where = locate(proto.name)
        return [Split("test", _load(where, "train", proto), _load(where, "test", proto))]
    data = pooled(proto)
    folds = fold_of(proto, data.labels)
    out = []
    for f in range(proto.k) if only is None else only:
        out.append(Split(f"fold{f}", data.subset(np.flatnonzero(folds != f)), data.subset(np.flatnonzero(folds == f))))
    return out


class SplitCache:
    """A benchmark's splits, loaded once per dataset (pooling and fold selection cost seconds),
    binned into the protocol's T or into `T` frames for every dataset (HSD's F)."""

    def __init__(self, T: int | None = None) -> None:
        self.T = T
        self._splits: dict[str, dict[str, Split]] = {}

    def get(self, dataset: str, split: str) -> Split:
        if dataset not in self._splits:
            proto = get_protocol(dataset)
            proto = proto if self.T is None else dataclasses.replace(proto, T=self.T)
            self._splits[dataset] = {s.name: s for s in splits(proto)}
        return self._splits[dataset][split]


def validation(train: FrameSet, fraction: float = 0.2, *, seed: int = 0) -> tuple[FrameSet, FrameSet]:
    """A stratified (fit, validation) partition of training data, the only data tuning may score."""
    if not 0 < fraction < 1:
        raise InvalidConfigError(f"validation fraction must be in (0, 1), got {fraction}")
    rng = np.random.default_rng(seed)
    val = np.concatenate([rng.permutation(np.flatnonzero(train.labels == c))[:max(1, round(fraction * n))]
                          for c, n in zip(*np.unique(train.labels, return_counts=True))])
    fit = np.setdiff1d(np.arange(len(train)), val)
    return train.subset(fit), train.subset(np.sort(val))
