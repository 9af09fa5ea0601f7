import torch

from spikeslim.latency.registry import train_for_steps
from spikeslim.train import TrainConfig, evaluate, load_model
from spikeslim.train.plugins import RunContext

RECIPE = TrainConfig(epochs=3, batch_size=8, lr=1e-2)


def test_one_network_per_T_trained_at_T_and_checkpointed(halves, tmp_path):
    train, test = halves
    run = RunContext(device="cpu", progress=False, checkpoint=tmp_path, config=RECIPE)
    result = train_for_steps("direct", train, (1, 2), test=test, options={"channels": [4, 8]}, run=run)
    assert result.teacher is None and [n.row["T"] for n in result.networks] == [1, 2]
    for network in result.networks:
        row = network.row
        assert row["accuracy"] > 0.9 and len(row["per_step_accuracy"]) == row["T"]  # the halves are easy
        model, ckpt = load_model(row["checkpoint"])
        assert row["checkpoint"] == str(tmp_path / f"direct_T{row['T']}.pt")
        assert ckpt["data"]["T"] == row["T"] and ckpt["model_kwargs"]["spiking"]
        assert ckpt["model_kwargs"]["ref_frames"] == 4  # the input scale of F frames
        assert ckpt["train_state"]["config"]["loss"] == "mean" and ckpt["train_state"]["config"]["epochs"] == 3
        assert evaluate(model, test, T=row["T"])["accuracy"] == row["accuracy"]


def test_without_a_folder_or_test_set_nothing_is_written_or_measured(halves, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run = RunContext(seed=3, device="cpu", progress=False, config=RECIPE)
    first, again = (train_for_steps("direct", halves[0], (2,), options={"channels": [4, 8]}, run=run) for _ in "ab")
    row = first.networks[0].row
    assert set(row) == {"T", "train_time_s", "checkpoint"} and row["checkpoint"] is None
    assert not list(tmp_path.iterdir())
    a, b = (r.networks[0].model.state_dict() for r in (first, again))
    assert all(torch.equal(a[k], b[k]) for k in a)  # seeded by the run
