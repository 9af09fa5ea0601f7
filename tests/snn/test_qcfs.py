import pytest
import torch

from spikeslim.errors import InvalidConfigError
from spikeslim.snn.models.qcfs import QCFS, qcfs


def test_levels_and_clipping():
    x = torch.tensor([-1.0, 0.0, 0.9, 1.1, 3.0, 5.0, 7.9, 100.0])
    y = qcfs(x, torch.tensor(8.0), 4)  # steps of 2, rounding at the half step
    assert y.tolist() == [0.0, 0.0, 0.0, 2.0, 4.0, 6.0, 8.0, 8.0]


def test_straight_through_gradient_reaches_input_and_bound():
    act = QCFS(levels=4, bound=8.0)
    x = torch.tensor([0.5, 3.0, 20.0], requires_grad=True)
    act(x).sum().backward()
    assert x.grad[:2].tolist() == [1.0, 1.0] and x.grad[2].item() == 0.0  # clipped: no gradient
    assert act.bound.grad is not None and act.bound.grad.item() != 0.0


@pytest.mark.parametrize("levels,bound", [(0, 8.0), (4, 0.0)])
def test_bad_parameters_refused(levels, bound):
    with pytest.raises(InvalidConfigError, match="QCFS needs"):
        QCFS(levels, bound)
