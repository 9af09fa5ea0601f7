import pytest

from spikeslim.datasets import get_spec, names, open_split
from spikeslim.errors import UnknownNameError


def test_every_real_dataset_is_registered():
    assert {"nmnist", "dvsgesture", "cifar10dvs"} <= set(names())
    for name in ("nmnist", "dvsgesture", "cifar10dvs"):
        spec = get_spec(name)
        assert spec.name == name and not spec.embedded and "http" in spec.how_to_get


def test_unknown_names_list_the_known_ones():
    with pytest.raises(UnknownNameError, match="known datasets: .*nmnist"):
        get_spec("mnist-dvs")
    with pytest.raises(UnknownNameError, match="'valid'"):
        open_split("nmnist", "valid", None)
