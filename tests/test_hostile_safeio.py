"""Hostile files against the one defensive reader: pickles, forged headers, decompression bombs."""

import io
import os
import struct
import tracemalloc
import zipfile

import numpy as np
import pytest
import torch

from spikeslim.safeio import cached_json, check_file_size, load_npy, load_npz, load_torch


class Refused(ValueError):
    pass


def npy_bytes(shape, descr="|u1", data=b""):
    fh = io.BytesIO()
    np.lib.format.write_array_header_1_0(fh, {"descr": descr, "fortran_order": False, "shape": shape})
    return fh.getvalue() + data


def write_zip(path, members, method=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(path, "w", method) as zf:
        for name, raw in members.items():
            zf.writestr(name, raw)


class Exploit:
    """Unpickling this runs a shell command that creates `marker`."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_round_trip_of_plain_arrays(tmp_path):
    np.savez_compressed(tmp_path / "a.npz", x=np.arange(12, dtype=np.uint16).reshape(3, 4), m=np.array("hi"))
    out = load_npz(tmp_path / "a.npz", ("x", "m", "absent"), Refused)
    assert sorted(out) == ["m", "x"]
    np.testing.assert_array_equal(out["x"], np.arange(12).reshape(3, 4))
    assert str(out["m"][()]) == "hi" and out["x"].flags.writeable
    np.save(tmp_path / "b.npy", np.ones((5, 4), order="F"))
    np.testing.assert_array_equal(load_npy(tmp_path / "b.npy", Refused), np.ones((5, 4)))


def test_object_arrays_are_refused_so_nothing_is_unpickled(tmp_path):
    marker = tmp_path / "pwned"
    arr = np.array([Exploit(marker)], dtype=object)
    np.savez(tmp_path / "evil.npz", frames=arr)
    np.save(tmp_path / "evil.npy", arr, allow_pickle=True)
    with pytest.raises(Refused, match=r"evil\.npz\[frames\].*Python objects"):
        load_npz(tmp_path / "evil.npz", ("frames",), Refused)
    with pytest.raises(Refused, match=r"evil\.npy.*Python objects"):
        load_npy(tmp_path / "evil.npy", Refused)
    assert not marker.exists()


def test_a_pickled_torch_file_runs_no_code(tmp_path):
    marker = tmp_path / "pwned"
    torch.save({"format": 1, "payload": Exploit(marker)}, tmp_path / "evil.pt")
    with pytest.raises(Refused, match=r"evil\.pt: cannot be read safely"):
        load_torch(tmp_path / "evil.pt", Refused)
    assert not marker.exists()
    torch.save({"w": torch.ones(3)}, tmp_path / "ok.pt")
    assert torch.equal(load_torch(tmp_path / "ok.pt", Refused)["w"], torch.ones(3))


@pytest.mark.parametrize("shape", [(10**6, 10**6), (2**40,), (1000, 1000, 1000)])
def test_headers_promising_more_than_the_file_holds_are_refused_unallocated(tmp_path, shape):
    write_zip(tmp_path / "lie.npz", {"frames.npy": npy_bytes(shape, data=b"\0" * 64)})
    (tmp_path / "lie.npy").write_bytes(npy_bytes(shape, data=b"\0" * 64))
    tracemalloc.start()
    with pytest.raises(Refused, match=r"lie\.npz\[frames\]: header promises"):
        load_npz(tmp_path / "lie.npz", ("frames",), Refused)
    with pytest.raises(Refused, match=r"lie\.npy: header promises"):
        load_npy(tmp_path / "lie.npy", Refused)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 1 << 20


def test_a_decompression_bomb_is_refused_before_decompressing(tmp_path, monkeypatch):
    """64 MiB of zeros in a 64 KiB archive: over a 16 MiB limit, refused with no big allocation."""
    n = 64 << 20
    with zipfile.ZipFile(tmp_path / "bomb.npz", "w", zipfile.ZIP_DEFLATED) as zf, zf.open("frames.npy", "w") as fh:
        fh.write(npy_bytes((n // 4096, 4096)))
        zero = bytes(1 << 20)
        for _ in range(64):
            fh.write(zero)
    assert os.path.getsize(tmp_path / "bomb.npz") < n // 500
    monkeypatch.setenv("SPIKESLIM_MAX_BYTES", str(16 << 20))
    tracemalloc.start()
    with pytest.raises(Refused, match=r"bomb\.npz\[frames\].*over the 16,777,216-byte limit"):
        load_npz(tmp_path / "bomb.npz", ("frames",), Refused)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 2 << 20
    monkeypatch.setenv("SPIKESLIM_MAX_BYTES", str(128 << 20))  # a genuine big file passes a raised limit
    assert load_npz(tmp_path / "bomb.npz", ("frames",), Refused)["frames"].shape == (n // 4096, 4096)


def _forge_sizes(path, claimed):
    """Rewrite every size field of a one-member zip so the member claims `claimed` bytes."""
    raw = bytearray(path.read_bytes())
    local = raw.find(b"PK\x03\x04")
    central = raw.find(b"PK\x01\x02")
    struct.pack_into("<I", raw, local + 22, claimed)
    struct.pack_into("<I", raw, central + 24, claimed)
    path.write_bytes(bytes(raw))


def test_a_member_claiming_more_than_compression_can_hold_is_refused(tmp_path):
    write_zip(tmp_path / "forged.npz", {"frames.npy": npy_bytes((4, 4), data=bytes(16))})
    _forge_sizes(tmp_path / "forged.npz", 0xFFFF0000)
    with pytest.raises(Refused, match="more than compression can hold"):
        load_npz(tmp_path / "forged.npz", ("frames",), Refused)
    write_zip(tmp_path / "bz.npz", {"frames.npy": npy_bytes((4, 4), data=bytes(16))}, zipfile.ZIP_BZIP2)
    with pytest.raises(Refused, match="only stored and deflate"):
        load_npz(tmp_path / "bz.npz", ("frames",), Refused)


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04garbage", b"\x93NUMPY\x01\x00", npy_bytes((3,), "<i8", b"\0" * 8)])
def test_truncated_and_foreign_files_are_one_named_error(tmp_path, content):
    for name in ("x.npz", "x.npy", "x.pt"):
        (tmp_path / name).write_bytes(content)
    with pytest.raises(Refused, match=r"x\.npz"):
        load_npz(tmp_path / "x.npz", ("frames",), Refused)
    with pytest.raises(Refused, match=r"x\.npy"):
        load_npy(tmp_path / "x.npy", Refused)
    with pytest.raises(Refused, match=r"x\.pt"):
        load_torch(tmp_path / "x.pt", Refused)


def test_a_torch_archive_unpacking_past_the_limit_is_refused(tmp_path, monkeypatch):
    torch.save({"w": torch.zeros(1 << 16)}, tmp_path / "big.pt")
    monkeypatch.setenv("SPIKESLIM_MAX_BYTES", str(1 << 16))
    with pytest.raises(Refused, match=r"big\.pt: unpacks to .* over the 65,536-byte limit"):
        load_torch(tmp_path / "big.pt", Refused)


def test_file_size_limit_and_damaged_json_caches(tmp_path):
    (tmp_path / "f").write_bytes(bytes(100))
    check_file_size(tmp_path / "f", 100, Refused)
    with pytest.raises(Refused, match="100 bytes, over the 99-byte limit"):
        check_file_size(tmp_path / "f", 99, Refused)
    (tmp_path / "c.json").write_text('{"result": {"a": 1}}')
    assert cached_json(tmp_path / "c.json", "result") == {"result": {"a": 1}}
    for text in ("{trunc", "[1, 2]", '{"other": 1}'):
        (tmp_path / "c.json").write_text(text)
        assert cached_json(tmp_path / "c.json", "result") is None
    assert cached_json(tmp_path / "absent.json") is None
