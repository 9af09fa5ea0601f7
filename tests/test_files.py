import json

import pytest

from spikeslim.files import atomic_path, write_json


def test_atomic_path_leaves_old_file_when_block_fails(tmp_path):
    target = tmp_path / "result.json"
    write_json(target, {"v": 1})
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half-writ")
            raise RuntimeError("crash mid-write")
    assert json.loads(target.read_text()) == {"v": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["result.json"]


def test_write_json_handles_numpy_values(tmp_path):
    np = pytest.importorskip("numpy")
    write_json(tmp_path / "a" / "b.json", {"x": np.float32(0.5), "y": np.arange(3)})
    assert json.loads((tmp_path / "a" / "b.json").read_text()) == {"x": 0.5, "y": [0, 1, 2]}


def test_atomic_outputs_get_umask_permissions_not_mkstemp_0600(tmp_path):
    import os

    old = os.umask(0o022)
    try:
        write_json(tmp_path / "r.json", {})
    finally:
        os.umask(old)
    assert (tmp_path / "r.json").stat().st_mode & 0o777 == 0o644
