import math

import pytest
import torch

from spikeslim.latency.skd import SKDHook, skd_loss


def test_known_value_by_hand():
    # teacher uniform; step 1 gives q = (3/4, 1/4), step 2 uniform: KL_1 = ln(4/3)/2, KL_2 = 0.
    student = torch.tensor([[[math.log(3.0), 0.0]], [[0.0, 0.0]]])
    teacher = torch.zeros(1, 2)
    labels = torch.tensor([0])
    ce = -math.log(math.sqrt(3) / (math.sqrt(3) + 1))  # mean logits (ln3/2, 0)
    kl = 0.5 * (0.5 * math.log(4 / 3))
    loss = skd_loss(student, teacher, labels, alpha=1.0, tau=1.0)
    assert loss.item() == pytest.approx(ce + kl, rel=1e-6)
    assert skd_loss(student, teacher, labels, alpha=0.0).item() == pytest.approx(ce, rel=1e-6)


def test_temperature_scales_kl_by_tau_squared():
    # the same softened distributions at tau = 2 give the same KL, weighted by tau^2 = 4
    teacher, labels = torch.zeros(1, 2), torch.tensor([0])
    at1 = skd_loss(torch.tensor([[[math.log(3.0), 0.0]]]), teacher, labels, tau=1.0)
    at2 = skd_loss(torch.tensor([[[2 * math.log(3.0), 0.0]]]), teacher, labels, tau=2.0)
    ce1 = skd_loss(torch.tensor([[[math.log(3.0), 0.0]]]), teacher, labels, alpha=0.0)
    ce2 = skd_loss(torch.tensor([[[2 * math.log(3.0), 0.0]]]), teacher, labels, alpha=0.0)
    assert (at2 - ce2).item() == pytest.approx(4 * (at1 - ce1).item(), rel=1e-6)


def test_batch_mean_and_zero_kl_when_every_step_matches_teacher():
    torch.manual_seed(0)
    teacher, labels = torch.randn(4, 5), torch.randint(0, 5, (4,))
    matched = teacher.expand(3, 4, 5)
    assert torch.allclose(skd_loss(matched, teacher, labels),
                          torch.nn.functional.cross_entropy(teacher, labels, reduction="none"), rtol=1e-6)
    student = torch.randn(3, 4, 5)
    doubled = skd_loss(torch.cat([student, student], 1), torch.cat([teacher, teacher]), labels.repeat(2))
    assert doubled.shape == (8,) and torch.allclose(doubled, skd_loss(student, teacher, labels).repeat(2))


def test_a_single_abnormal_step_is_penalised_even_if_the_mean_matches():
    teacher, labels = torch.tensor([[2.0, 0.0]]), torch.tensor([0])
    steady = teacher.expand(2, 1, 2)
    swinging = torch.tensor([[[4.0, 0.0]], [[0.0, 0.0]]])  # same mean over steps
    assert skd_loss(swinging, teacher, labels) > skd_loss(steady, teacher, labels)


def test_gradients_reach_every_step_but_not_the_teacher():
    student = torch.randn(3, 2, 4, requires_grad=True)
    teacher = torch.randn(2, 4, requires_grad=True)
    skd_loss(student, teacher, torch.tensor([1, 2])).sum().backward()
    assert student.grad is not None and bool((student.grad.abs().sum((1, 2)) > 0).all())
    assert teacher.grad is None


def test_shape_mismatch_is_refused():
    with pytest.raises(ValueError, match="matching teacher"):
        skd_loss(torch.zeros(2, 3, 4), torch.zeros(3, 5), torch.zeros(3, dtype=torch.long))


def test_the_hook_looks_up_each_rows_teacher_logits():
    torch.manual_seed(0)
    targets, student, labels = torch.randn(6, 3), torch.randn(2, 3, 3), torch.tensor([0, 2, 1])
    rows = torch.tensor([5, 0, 3])
    hook = SKDHook(targets, alpha=0.5, tau=3.0)
    assert torch.equal(hook(student, labels, rows), skd_loss(student, targets[rows], labels, alpha=0.5, tau=3.0))


def test_the_hook_key_names_its_weights_and_its_targets():
    targets = torch.zeros(4, 2)
    key = SKDHook(targets, alpha=1, tau=2).key
    assert key.startswith("skd(alpha=1.0, tau=2.0, targets=") and key == SKDHook(targets.clone(), 1.0, 2.0).key
    assert key != SKDHook(targets, alpha=0.5).key
    assert key != SKDHook(targets + 1e-6).key
