"""Hostile checkpoints: pickles, edited records, resuming with other settings, runs that diverge."""

import copy
import math
import os
import tempfile
from dataclasses import replace
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spikeslim.datasets.base import FrameSet
from spikeslim.errors import CheckpointError, DivergedError
from spikeslim.snn.models import ModelSpec, build_model
from spikeslim.train import TrainConfig, fit, load_model, save_checkpoint
from spikeslim.train.checkpoint import read_checkpoint
from toys import TinySNN

SPEC = ModelSpec("convnet", {"width": 2, "depth": 1})
CONFIG = TrainConfig(epochs=2, batch_size=32, lr=1e-2)


def convnet():
    torch.manual_seed(0)
    return build_model(SPEC.name, in_shape=(2, 8, 8), n_classes=4, **SPEC.kwargs)


@pytest.fixture
def trained(tiny_train, tmp_path):
    """A finished checkpoint of a registered network trained with CONFIG."""
    path = tmp_path / "run" / "checkpoint.pt"
    fit(convnet(), tiny_train, CONFIG, checkpoint=path, progress=False, model_spec=SPEC)
    return path


def edited(path, tmp_path, edit):
    ckpt = torch.load(path, weights_only=True)
    edit(ckpt)
    out = tmp_path / "edited.pt"
    torch.save(ckpt, out)
    return out


class Exploit:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_checkpoint_that_would_run_code_is_refused(trained, tmp_path):
    marker = tmp_path / "pwned"
    evil = edited(trained, tmp_path, lambda c: c.update(model_kwargs={"width": Exploit(marker)}))
    with pytest.raises(CheckpointError, match=r"edited\.pt: cannot be read safely"):
        load_model(evil)
    assert not marker.exists()


@pytest.mark.parametrize("edit, reason", [
    (lambda c: c["model_kwargs"].update(width=3), r"does not rebuild its network convnet.*size mismatch"),
    (lambda c: c["model_kwargs"].update(colour="red"), "unexpected keyword argument 'colour'"),
    (lambda c: c["state_dict"].popitem(), "does not rebuild.*Missing key"),
    (lambda c: c.pop("data"), "data must be a dict"),
    (lambda c: c["data"].pop("T"), "data.T must be a positive integer"),
    (lambda c: c["data"].update(n_classes=0), "data.n_classes must be a positive integer"),
    (lambda c: c["data"].update(in_shape=(2, 8)), "data.in_shape must be 3 positive integers"),
    (lambda c: c["data"].update(binning="bogus"), "data.binning must be time or count"),
    (lambda c: c.update(model=3), "model must be a name"),
    (lambda c: c.update(model="resnet"), "unknown model 'resnet'"),
    (lambda c: c.update(model_kwargs=[1]), "model_kwargs must be a dict"),
    (lambda c: c["state_dict"].update(extra=3), "state_dict must hold tensors"),
    (lambda c: c.update(format=2), "not a spikeslim checkpoint"),
])
def test_edited_checkpoints_are_refused_naming_the_fault(trained, tmp_path, edit, reason):
    with pytest.raises(CheckpointError, match=reason) as err:
        load_model(edited(trained, tmp_path, edit))
    assert "edited.pt" in str(err.value)


def _resume(path, train, model=None, spec=SPEC, sampler=None, config=CONFIG):
    return fit(model or convnet(), train, config, checkpoint=path, resume=True, progress=False, model_spec=spec,
               sampler=sampler)


def _other(train, **settings):
    return replace(train, spec=replace(train.spec, **settings))


@pytest.mark.parametrize("change, named", [
    (lambda tr: FrameSet(tr.frames[:, :3], tr.labels, 4, replace(tr.spec, T=3)), "data T: 4 -> 3"),
    (lambda tr: _other(tr, dataset="nmnist"), "data dataset: 'quadrants' -> 'nmnist'"),
    (lambda tr: _other(tr, binning="count"), "data binning: 'time' -> 'count'"),
    (lambda tr: _other(tr, data_dir="/elsewhere"), "data source: None -> '/elsewhere'"),
])
def test_resume_refuses_other_data_settings_and_says_which(trained, tiny_train, change, named):
    with pytest.raises(CheckpointError, match=named):
        _resume(trained, change(tiny_train))


def test_resume_refuses_another_network_or_sampler(trained, tiny_train):
    with pytest.raises(CheckpointError, match=r"model: .*'width': 2.* -> .*'width': 5"):
        _resume(trained, tiny_train, spec=ModelSpec("convnet", {"width": 5, "depth": 1}))
    from spikeslim.prune import build_sampler
    from spikeslim.train.plugins import RunContext

    sampler = build_sampler("random", tiny_train, keep=0.5, run=RunContext())
    with pytest.raises(CheckpointError, match="pruning sampler: None -> "):
        _resume(trained, tiny_train, sampler=sampler)
    assert len(_resume(trained, tiny_train).history) == 2  # the same settings still resume


class NaNAfter(TinySNN):
    """A network whose output turns NaN after `clean` forward passes (a blown-up run)."""

    def __init__(self, clean):
        torch.manual_seed(0)
        super().__init__((2, 8, 8), 4)
        self.clean = clean

    def forward(self, x, return_features=False):
        self.clean -= 1
        out = super().forward(x, return_features)
        return out * math.nan if self.clean < 0 else out


def test_a_diverging_run_stops_and_keeps_the_last_good_checkpoint(tiny_train, tmp_path):
    path = tmp_path / "checkpoint.pt"
    with pytest.raises(DivergedError, match=f"diverged in epoch 2: the loss is nan.*last good checkpoint is {path}"):
        fit(NaNAfter(clean=2), tiny_train, CONFIG, checkpoint=path, progress=False)  # 2 batches per epoch
    ckpt = read_checkpoint(path)
    assert len(ckpt["train_state"]["history"]) == 1
    assert all(torch.isfinite(v).all() for v in ckpt["state_dict"].values())


# --- fuzzing ---------------------------------------------------------------------------------------
FUZZ = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                         HealthCheck.function_scoped_fixture])
odd_values = st.none() | st.booleans() | st.integers(-2, 40) | st.floats() | st.text(max_size=5) | \
    st.lists(st.integers(-1, 9), max_size=4) | st.dictionaries(st.text(max_size=4), st.integers(0, 9), max_size=2) | \
    st.just(torch.zeros(2, 2)) | st.just((2, 8, 8))


@pytest.fixture(scope="module")
def record():
    torch.manual_seed(0)
    net = build_model(SPEC.name, in_shape=(2, 8, 8), n_classes=4, **SPEC.kwargs)
    data = {"dataset": "quadrants", "source": None, "T": 4, "binning": "time", "downsample": 1, "n_classes": 4,
            "in_shape": (2, 8, 8)}
    with tempfile.TemporaryDirectory() as tmp:
        save_checkpoint(Path(tmp) / "c.pt", net, model_spec=SPEC, data=data)
        return torch.load(Path(tmp) / "c.pt", weights_only=True), (Path(tmp) / "c.pt").read_bytes()


def _load_cleanly_or_refuse(path):
    try:
        model, ckpt = load_model(path)
    except CheckpointError as err:
        assert str(path) in str(err) and "\n" not in str(err)
        return
    out = model(torch.zeros(ckpt["data"]["T"], 1, *ckpt["data"]["in_shape"]))
    assert out.shape[-1] == ckpt["data"]["n_classes"]


@FUZZ
@given(edits=st.lists(st.tuples(st.sampled_from(["format", "model", "model_kwargs", "state_dict", "data", "data.T",
                                                 "data.in_shape", "data.n_classes", "data.binning",
                                                 "data.downsample", "kw.width", "kw.depth", "kw.other", "sd.key"]),
                                st.booleans(), odd_values), min_size=1, max_size=3))
def test_fuzzed_records_load_cleanly_or_are_refused(record, edits):
    ckpt = copy.deepcopy(record[0])
    for where, drop, value in edits:
        head, _, tail = where.partition(".")
        target = {"data": ckpt.get("data"), "kw": ckpt.get("model_kwargs"), "sd": ckpt.get("state_dict")}.get(head, ckpt)
        key = tail or head
        if key == "key" and isinstance(target, dict) and target:
            key = next(iter(target))
        if isinstance(target, dict):
            if drop:
                target.pop(key, None)
            else:
                target[key] = value
    with tempfile.TemporaryDirectory() as tmp:
        torch.save(ckpt, Path(tmp) / "f.pt")
        _load_cleanly_or_refuse(Path(tmp) / "f.pt")


@FUZZ
@given(data=st.data())
def test_fuzzed_bytes_of_a_checkpoint_load_cleanly_or_are_refused(record, data):
    raw = bytearray(record[1])
    for _ in range(data.draw(st.integers(1, 6))):
        at = data.draw(st.integers(0, len(raw) - 1))
        kind = data.draw(st.sampled_from(["flip", "truncate", "insert"]))
        if kind == "flip":
            raw[at] ^= data.draw(st.integers(1, 255))
        elif kind == "truncate":
            del raw[at:]
        else:
            raw[at:at] = data.draw(st.binary(min_size=1, max_size=6))
        if not raw:
            break
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "m.pt").write_bytes(bytes(raw))
        _load_cleanly_or_refuse(Path(tmp) / "m.pt")

