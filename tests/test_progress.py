"""Progress bars: tqdm on a terminal, whole plain lines (count, rate, ETA) in a log."""

import io
import re

from spikeslim import progress
from spikeslim.progress import PlainBar, progress_bar

ESCAPE = re.compile(r"\x1b\[")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _plain(text: str) -> list[str]:
    assert "\r" not in text and not ESCAPE.search(text), repr(text)
    return text.splitlines()


def test_off_a_terminal_each_update_step_is_one_whole_line_with_rate_and_eta():
    out = io.StringIO()
    with progress_bar(total=3, desc="epoch 1/2", unit="sample", interval=0, stream=out) as bar:
        for step in range(3):
            bar.set_postfix(loss=f"{1 / (step + 1):.3f}")
            bar.update(1)
    lines = _plain(out.getvalue())
    assert len(lines) == 3, lines  # the last step already said 3/3: no closing line repeats it
    assert [line.split(",")[0] for line in lines] == [f"epoch 1/2: {n}/3 sample" for n in (1, 2, 3)]
    assert all("sample/s" in line or "s/sample" in line for line in lines)
    assert "ETA" in lines[0] and lines[2].endswith("(loss=0.333)")


def test_throttled_lines_end_with_one_closing_line_unless_the_bar_is_transient():
    out = io.StringIO()
    for i in progress_bar(range(1000), desc="binning", unit="sample", stream=out):
        pass
    lines = _plain(out.getvalue())
    assert len(lines) == 1 and lines[0].startswith("binning: 1000/1000 sample in ")
    transient = io.StringIO()
    with progress_bar(total=5, desc="epoch", leave=False, stream=transient) as bar:
        bar.update(5)
    assert transient.getvalue() == ""  # its caller prints the epoch's line


def test_a_resumed_bar_counts_its_rate_from_where_it_started(monkeypatch):
    clock = iter([0.0, 10.0])
    monkeypatch.setattr(progress.time, "perf_counter", lambda: next(clock))
    out = io.StringIO()
    bar = progress_bar(total=100, initial=90, desc="pace ipc=1", interval=0, stream=out)
    bar.update(5)
    assert _plain(out.getvalue()) == ["pace ipc=1: 95/100 it, 2 s/it, ETA 00:10"]


def test_on_a_terminal_it_is_tqdm_and_disabled_it_prints_nothing():
    terminal = Terminal()
    bar = progress_bar(total=2, desc="demo", stream=terminal)
    assert not isinstance(bar, PlainBar)
    bar.update(2)
    bar.close()
    assert "\r" in terminal.getvalue()
    quiet = io.StringIO()
    assert list(progress_bar([1, 2], disable=True, stream=quiet)) == [1, 2] and quiet.getvalue() == ""

