import numpy as np
import pytest
from PIL import Image

from spikeslim.errors import InvalidConfigError
from spikeslim.events.render import OFF_RGB, ON_RGB, render_grid, render_sample, to_rgb


def test_colours_separate_polarities_on_white():
    frame = np.zeros((2, 2, 3), dtype=np.uint16)
    frame[1, 0, 0] = 4  # ON
    frame[0, 1, 2] = 4  # OFF
    rgb = to_rgb(frame, scale=4)
    np.testing.assert_allclose(rgb[0, 0], ON_RGB)
    np.testing.assert_allclose(rgb[1, 2], OFF_RGB)
    np.testing.assert_allclose(rgb[0, 1], [1, 1, 1])


def test_png_and_gif_are_written(tmp_path):
    frames = np.random.default_rng(0).integers(0, 3, (4, 2, 10, 12)).astype(np.uint16)
    png = render_sample(frames, tmp_path / "s.png", "sample")
    assert Image.open(png).format == "PNG"
    gif = render_grid(np.stack([frames, frames]), ["a", "b"], tmp_path / "g.gif")
    with Image.open(gif) as img:
        assert img.format == "GIF" and img.n_frames == 4  # one image per time bin
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.gif", "s.png"]  # no temp files left


def test_bad_output_and_shape(tmp_path):
    with pytest.raises(InvalidConfigError, match="png or .gif"):
        render_sample(np.zeros((2, 2, 3, 3), np.uint16), tmp_path / "x.jpg")
    with pytest.raises(InvalidConfigError, match="shape"):
        render_sample(np.zeros((2, 3, 3), np.uint16), tmp_path / "x.png")
