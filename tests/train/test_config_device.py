import pytest
import torch

from spikeslim.errors import InvalidConfigError
from spikeslim.train import TrainConfig, resolve_device


@pytest.mark.parametrize(
    "bad",
    [{"optimizer": "rmsprop"}, {"loss": "max"}, {"schedule": "step"}, {"epochs": 0}, {"batch_size": 0}, {"lr": 0.0}, {"tet_lambda": 2.0}],
)
def test_bad_settings_name_the_value(bad):
    with pytest.raises(InvalidConfigError, match=str(next(iter(bad.values())))):
        TrainConfig(**bad)


def test_resolve_device_defaults_to_what_exists_and_checks_names():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device(None).type == expected
    assert resolve_device("cpu") == torch.device("cpu")
    with pytest.raises(InvalidConfigError, match="banana"):
        resolve_device("banana")
    if not torch.cuda.is_available():
        with pytest.raises(InvalidConfigError, match="CUDA is not available"):
            resolve_device("cuda")
