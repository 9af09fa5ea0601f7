import numpy as np
import pytest
import tonic.io
from hypothesis import given, settings
from hypothesis import strategies as st

from spikeslim.errors import CorruptEventFileError, InvalidEventsError
from spikeslim.events.types import SensorSize
from spikeslim.events.readers import decode_nmnist, encode_nmnist, nmnist_fits, read_nmnist_bin, write_nmnist_bin
from spikeslim.events.types import make_events

TONIC_DTYPE = np.dtype([("x", int), ("y", int), ("t", int), ("p", int)])


def encode(x, y, t, p) -> bytes:
    """The 5-byte N-MNIST record, written independently of the decoder under test."""
    out = bytearray()
    for xi, yi, ti, pi in zip(x, y, t, p):
        out += bytes([xi, yi, (pi << 7) | (ti >> 16), (ti >> 8) & 0xFF, ti & 0xFF])
    return bytes(out)


def test_equals_tonic_on_real_recordings(nmnist_small_dir):
    files = sorted(nmnist_small_dir.glob("*/*/*.bin"))[::50]
    assert len(files) >= 20
    for path in files:
        ours = read_nmnist_bin(path)
        ref = tonic.io.read_mnist_file(str(path), dtype=TONIC_DTYPE)
        assert len(ours) == len(ref) > 1000
        for field in "xytp":
            np.testing.assert_array_equal(ours[field], ref[field])


def test_decodes_fields_and_timestamp_wraps():
    raw = encode([3, 0, 33], [5, 240, 2], [100, 0, 2**23 - 1], [1, 0, 0])
    ev = decode_nmnist(raw)
    assert ev["x"].tolist() == [3, 33] and ev["y"].tolist() == [5, 2] and ev["p"].tolist() == [1, 0]
    assert ev["t"].tolist() == [100, 2**23 - 1 + 2**13]  # the y == 240 record is a wrap marker


@pytest.mark.parametrize(
    "content, match",
    [(b"", "empty"), (b"\x01\x02\x03\x04\x05\x06", "not a multiple of 5"),
     (encode([40], [1], [0], [0]), r"x ranges over \[40, 40\]"),
     (encode([1, 1], [1, 1], [50, 10], [0, 0]), "backwards")],
)
def test_bad_files_are_named(tmp_path, content, match):
    path = tmp_path / "00001.bin"
    path.write_bytes(content)
    with pytest.raises(CorruptEventFileError, match=match) as info:
        read_nmnist_bin(path)
    assert str(path) in str(info.value)


def test_unreadable_path_is_named(tmp_path):
    with pytest.raises(CorruptEventFileError, match="missing.bin"):
        read_nmnist_bin(tmp_path / "missing.bin")


@given(st.binary(max_size=200))
@settings(max_examples=300, deadline=None)
def test_fuzzed_bytes_decode_or_fail_cleanly(raw):
    try:
        ev = decode_nmnist(raw)
    except CorruptEventFileError:
        assert len(raw) == 0 or len(raw) % 5
        return
    assert len(ev) <= len(raw) // 5
    assert ev["x"].max(initial=0) < 256 and set(np.unique(ev["p"])) <= {0, 1}


@given(st.lists(st.tuples(st.integers(0, 33), st.integers(0, 33), st.integers(0, 2**23 - 1),
                          st.integers(0, 1)), min_size=1, max_size=50))
@settings(max_examples=100, deadline=None)
def test_round_trips_valid_records(records):
    x, y, t, p = map(list, zip(*sorted(records, key=lambda r: r[2])))
    ev = decode_nmnist(encode(x, y, t, p))
    assert ev["x"].tolist() == x and ev["y"].tolist() == y and ev["t"].tolist() == t and ev["p"].tolist() == p


def test_written_file_reads_back_and_equals_the_independent_encoding(tmp_path):
    x, y, t, p = [3, 0, 33], [5, 7, 2], [100, 2000, 2**23 - 1], [1, 0, 0]
    write_nmnist_bin(tmp_path / "a.bin", make_events(x, y, t, p))
    assert (tmp_path / "a.bin").read_bytes() == encode(x, y, t, p)
    ev = read_nmnist_bin(tmp_path / "a.bin")
    assert ev["x"].tolist() == x and ev["y"].tolist() == y and ev["t"].tolist() == t and ev["p"].tolist() == p


def test_events_outside_the_nmnist_range_are_refused():
    with pytest.raises(InvalidEventsError, match="N-MNIST"):
        encode_nmnist(make_events([256], [0], [0], [1]))
    with pytest.raises(InvalidEventsError, match="N-MNIST"):
        encode_nmnist(make_events([0], [0], [2**23], [1]))


def test_a_row_that_would_read_back_as_a_timestamp_wrap_is_refused():
    """y == 240 is N-MNIST's wrap marker: such an event would vanish on reading."""
    assert len(decode_nmnist(encode_nmnist(make_events([3], [239], [5], [1])))) == 1
    with pytest.raises(InvalidEventsError, match="y in"):
        encode_nmnist(make_events([3], [240], [5], [1]))
    assert nmnist_fits(SensorSize(256, 240), 1000) and not nmnist_fits(SensorSize(34, 241), 1000)
