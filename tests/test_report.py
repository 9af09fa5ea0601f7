import json

import pytest

from spikeslim.report import format_mean_std, markdown_table, mean_std, plot_xy, write_report


def test_mean_std_uses_sample_std():
    mean, std = mean_std([0.8, 0.9, 1.0])
    assert mean == pytest.approx(0.9)
    assert std == pytest.approx(0.1)
    assert mean_std([0.5]) == (0.5, 0.0)
    with pytest.raises(ValueError):
        mean_std([])


def test_format_mean_std_in_percent():
    assert format_mean_std([0.8, 0.9, 1.0]) == "90.0 ± 10.0"


def test_markdown_table_has_header_rule_and_rows_in_column_order():
    table = markdown_table([{"a": 1, "b": "x|y"}, {"a": 2.123456, "b": "z"}], columns=["b", "a"])
    lines = table.strip().splitlines()
    assert lines[0] == "| b | a |"
    assert lines[1] == "|---|---|"
    assert lines[2] == "| x\\|y | 1 |"
    assert lines[3] == "| z | 2.123 |"


def test_write_report_writes_json_and_markdown(tmp_path):
    rows = [{"method": "pace", "acc": 0.9}]
    json_path, md_path = write_report(tmp_path / "out", "table", rows, title="T")
    assert json.loads(json_path.read_text())["rows"] == rows
    assert md_path.read_text().startswith("# T\n\n| method | acc |")
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]


def test_plot_xy_writes_png(tmp_path):
    path = plot_xy(tmp_path / "p.png", {"a": ([1, 10], [0.5, 0.7], [0.01, 0.02]), "b": ([1, 10], [0.4, 0.6], None)},
                   xlabel="IPC", ylabel="accuracy", logx=True)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
