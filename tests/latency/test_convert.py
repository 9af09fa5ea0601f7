import copy

import pytest
import torch
from torch import nn

from spikeslim.errors import InvalidConfigError
from spikeslim.latency.convert import convert, fold_batchnorm
from spikeslim.snn.models.qcfs import QCFSNet, SpikingQCFS

KW = dict(in_shape=(2, 8, 8), n_classes=5, channels=(8, 16))


@pytest.fixture(scope="module")
def trained() -> tuple[QCFSNet, torch.Tensor]:
    """A teacher fitted to noisy class templates, so batch norm statistics and bounds are not defaults."""
    torch.manual_seed(0)
    teacher, templates = QCFSNet(**KW), torch.rand(5, 2, 8, 8) * 3
    opt = torch.optim.Adam(teacher.parameters(), 1e-2)
    for _ in range(30):
        y = torch.randint(0, 5, (16,))
        loss = nn.functional.cross_entropy(teacher((templates[y] + torch.rand(16, 2, 8, 8))[None]).mean(0), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return teacher.eval(), templates


def test_folding_batchnorm_is_exact_in_eval_mode():
    torch.manual_seed(1)
    conv, bn = nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4)
    bn.running_mean.uniform_(-1, 1)
    bn.running_var.uniform_(0.5, 2)
    nn.init.uniform_(bn.weight)
    bn.eval()
    weight, bias = fold_batchnorm(conv, bn)
    x = torch.randn(3, 2, 6, 6)
    torch.testing.assert_close(nn.functional.conv2d(x, weight, bias, padding=1), bn(conv(x)))


def test_student_at_large_T_predicts_like_the_teacher(trained):
    teacher, templates = trained
    student = convert(teacher).eval()
    assert all(isinstance(m, SpikingQCFS) for m in student.features if hasattr(m, "bound"))
    assert not any(isinstance(m, nn.BatchNorm2d) for m in student.features)
    y = torch.arange(5).repeat(8)
    x = (templates[y] + torch.rand(40, 2, 8, 8))[None]
    with torch.no_grad():
        z_teacher = teacher(x)[0]
        z_student = student(x.expand(64, -1, -1, -1, -1)).mean(0)
        z_one_step = student(x).mean(0)
    agree = (z_student.argmax(1) == z_teacher.argmax(1)).float().mean().item()
    assert agree >= 0.95
    assert (z_student - z_teacher).norm() < 0.3 * z_teacher.norm()
    assert (z_one_step - z_teacher).norm() > (z_student - z_teacher).norm()  # why HSD fine-tunes


def test_a_spiking_teacher_converts_exactly():
    """An SNN teacher's student differs only by folded batch norm: same logits at any T."""
    torch.manual_seed(0)
    teacher = QCFSNet(**KW, spiking=True, batch_norm=True).double()
    teacher.train()(torch.rand(4, 6, 2, 8, 8, dtype=torch.float64) * 3)  # batch norm statistics off their defaults
    teacher.eval()
    x = torch.rand(5, 6, 2, 8, 8, dtype=torch.float64) * 3
    student = convert(teacher)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in student.features)
    torch.testing.assert_close(student(x), teacher(x))


def test_a_student_keeping_batch_norm_equals_the_folded_one(trained):
    teacher = copy.deepcopy(trained[0]).double()
    kept, folded = convert(teacher, fold_bn=False).eval(), convert(teacher).eval()
    assert any(isinstance(m, nn.BatchNorm2d) for m in kept.features)
    x = torch.rand(6, 5, 2, 8, 8, dtype=torch.float64) * 3
    torch.testing.assert_close(kept(x), folded(x))


def test_conversion_leaves_teacher_untouched_and_shares_bounds(trained):
    teacher = trained[0]
    before = {k: v.clone() for k, v in teacher.state_dict().items()}
    student = convert(teacher)
    for k, v in teacher.state_dict().items():
        torch.testing.assert_close(v, before[k])
    bounds = lambda m: [p.item() for n, p in m.named_parameters() if n.endswith("bound")]  # noqa: E731
    assert bounds(student) == pytest.approx(bounds(teacher))


def test_student_is_trainable_by_surrogate_gradients(trained):
    student = convert(trained[0])
    logits, features = student(torch.rand(3, 4, 2, 8, 8) * 4, return_features=True)
    assert logits.shape == (3, 4, 5) and features.shape == (3, 4, 16 * 2 * 2)
    logits.mean(0).logsumexp(1).sum().backward()
    conv = student.features[0]
    assert conv.weight.grad is not None and conv.weight.grad.abs().sum() > 0
    assert student.features[1].bound.grad is not None


def test_ref_frames_makes_a_summed_frame_enter_as_the_mean():
    torch.manual_seed(2)
    net = QCFSNet(**KW, ref_frames=4).eval()
    frame = torch.rand(1, 3, 2, 8, 8) * 2
    torch.testing.assert_close(net(frame.expand(4, -1, -1, -1, -1)).mean(0), net(4 * frame).mean(0))


@pytest.mark.parametrize("kwargs", [dict(in_shape=(2, 3, 3)), dict(ref_frames=0)])
def test_bad_shapes_are_refused(kwargs):
    with pytest.raises(InvalidConfigError):
        QCFSNet(**{**KW, **kwargs})
