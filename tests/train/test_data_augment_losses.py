import numpy as np
import pytest
import torch

from spikeslim.train import FrameAugment, to_input
from spikeslim.train.augment import AugmentDraw, apply
from spikeslim.train.losses import per_example_loss


def test_to_input_puts_time_first_as_float_counts():
    frames = np.random.default_rng(0).integers(0, 9, size=(3, 5, 2, 4, 6)).astype(np.uint16)
    x = to_input(frames)
    assert x.shape == (5, 3, 2, 4, 6) and x.dtype == torch.float32
    assert torch.equal(x[2, 1], torch.from_numpy(frames[1, 2].astype(np.float32)))


def test_to_input_keeps_gradients_of_synthetic_tensors():
    syn = torch.rand(2, 3, 2, 4, 4, requires_grad=True)
    to_input(syn).sum().backward()
    assert syn.grad is not None and torch.all(syn.grad == 1)


def test_to_input_rejects_wrong_rank():
    with pytest.raises(ValueError, match=r"\[B, T, 2, H, W\]"):
        to_input(np.zeros((3, 2, 4, 4), dtype=np.uint8))


def _draw(flip, dy, dx):
    return AugmentDraw(torch.tensor(flip), torch.tensor(dy), torch.tensor(dx))


def test_shift_moves_pixels_with_zero_fill_identically_over_time():
    x = torch.arange(3 * 2 * 2 * 5 * 5, dtype=torch.float32).view(3, 2, 2, 5, 5)
    out = apply(x, _draw([False, False], [1, 0], [0, -2]))
    assert torch.equal(out[:, 0, :, 1:], x[:, 0, :, :-1]) and torch.all(out[:, 0, :, 0] == 0)
    assert torch.equal(out[..., 1, :, :, :3], x[..., 1, :, :, 2:]) and torch.all(out[:, 1, :, :, 3:] == 0)


def test_flip_mirrors_only_drawn_samples_and_a_shared_draw_broadcasts():
    x = torch.rand(2, 3, 2, 4, 4)
    out = apply(x, _draw([True, False, True], [0, 0, 0], [0, 0, 0]))
    assert torch.equal(out[:, 0], x[:, 0].flip(-1)) and torch.equal(out[:, 1], x[:, 1])
    shared = apply(x, _draw([True], [0], [0]))
    assert torch.equal(shared, x.flip(-1))


def test_augment_is_seeded_differentiable_and_keeps_counts_without_shift():
    aug = FrameAugment(flip=True, shift=0.0)
    x = torch.rand(2, 8, 2, 6, 6, requires_grad=True)
    a = aug(x, torch.Generator().manual_seed(3))
    b = aug(x, torch.Generator().manual_seed(3))
    assert torch.equal(a, b)
    assert torch.allclose(a.sum(dim=(0, 2, 3, 4)), x.sum(dim=(0, 2, 3, 4)))
    a.sum().backward()
    assert torch.all(x.grad == 1)
    draw = FrameAugment(shift=0.25).draw(1000, 8, 8, torch.Generator().manual_seed(0))
    assert draw.dy.abs().max() == 2 and draw.flip.any() and not draw.flip.all()


def test_mean_and_tet_losses_per_example():
    logits = torch.randn(4, 3, 5)
    labels = torch.tensor([0, 1, 4])
    mean = per_example_loss(logits, labels, "mean")
    tet = per_example_loss(logits, labels, "tet")
    assert mean.shape == tet.shape == (3,)
    expected = torch.stack([torch.nn.functional.cross_entropy(logits[t], labels, reduction="none") for t in range(4)]).mean(0)
    assert torch.allclose(tet, expected)
    assert torch.allclose(per_example_loss(logits[:1], labels, "mean"), per_example_loss(logits[:1], labels, "tet"))
    mse = per_example_loss(logits, labels, "tet", tet_lambda=1.0)
    assert torch.allclose(mse, (logits - 1).pow(2).mean(dim=(0, 2)))
    with pytest.raises(ValueError):
        per_example_loss(logits, labels, "max")
