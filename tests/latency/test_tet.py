import dataclasses

import torch

from spikeslim.latency.registry import train_for_steps
from spikeslim.train import TrainConfig
from spikeslim.train.plugins import RunContext

RUN = RunContext(device="cpu", progress=False, config=TrainConfig(epochs=2, batch_size=8, lr=1e-2))


def _weights(method, train, T):
    return train_for_steps(method, train, (T,), options={"channels": [4, 8]}, run=RUN).networks[0].model.state_dict()


def test_tet_equals_direct_training_at_one_step_only(halves):
    train, _ = halves
    for T, same in ((1, True), (2, False)):
        direct, tet = _weights("direct", train, T), _weights("tet", train, T)
        assert all(torch.equal(direct[k], tet[k]) for k in direct) == same, T  # one step: per-step CE is the mean's


def test_tet_trains_with_the_tet_loss_and_its_regulariser(halves, tmp_path):
    train, test = halves
    run = dataclasses.replace(RUN, checkpoint=tmp_path, config=dataclasses.replace(RUN.config, epochs=3))
    result = train_for_steps("tet", train, (2,), test=test, options={"channels": [4, 8], "tet_lambda": 0.5}, run=run)
    config = torch.load(tmp_path / "tet_T2.pt", weights_only=True)["train_state"]["config"]
    assert config["loss"] == "tet" and config["tet_lambda"] == 0.5 and result.networks[0].row["accuracy"] > 0.9
