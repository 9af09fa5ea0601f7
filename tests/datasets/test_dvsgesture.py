import numpy as np
import pytest

from spikeslim.datasets import get_spec, open_split
from spikeslim.errors import CorruptEventFileError, DatasetMissingError


def write_recording(folder, label, n=40, seed=0):
    rng = np.random.default_rng(seed)
    arr = np.stack([rng.integers(0, 128, n), rng.integers(0, 128, n), rng.integers(0, 2, n),
                    np.sort(rng.integers(0, 6000, n))], axis=1).astype(np.float64)  # t in ms
    folder.mkdir(parents=True, exist_ok=True)
    np.save(folder / f"{label}.npy", arr)
    return arr


@pytest.fixture
def gesture_dir(tmp_path):
    root = tmp_path / "DVSGesture"
    arrays = {}
    for split, users in (("ibmGestureTrain", ["user01_fluorescent", "user02_led"]),
                         ("ibmGestureTest", ["user24_natural"])):
        for u, user in enumerate(users):
            for label in (0, 10, 3):
                arrays[(split, user, label)] = write_recording(root / split / user, label, seed=u * 20 + label)
    return tmp_path, arrays


def test_reads_tonic_layout(gesture_dir):
    data_dir, arrays = gesture_dir
    train = open_split("dvsgesture", "train", data_dir)
    assert len(train) == 6 and len(open_split("dvsgesture", "test", data_dir)) == 3
    assert train.labels.tolist() == [0, 10, 3, 0, 10, 3]  # recording order, files by name
    events, label = train[1]
    arr = arrays[("ibmGestureTrain", "user01_fluorescent", 10)]
    assert label == 10 and len(events) == len(arr)
    np.testing.assert_array_equal(events["t"], (arr[:, 3] * 1000).astype(np.int64))
    np.testing.assert_array_equal(events["x"], arr[:, 0].astype(np.int64))
    assert open_split("dvsgesture", "train", data_dir / "DVSGesture").paths == train.paths


def test_matches_tonic_class_conversion(gesture_dir):
    from numpy.lib import recfunctions
    from tonic.datasets import DVSGesture

    data_dir, _ = gesture_dir
    events, _ = open_split("dvsgesture", "test", data_dir)[0]
    raw = np.load(open_split("dvsgesture", "test", data_dir).paths[0])
    raw[:, 3] *= 1000
    ref = recfunctions.unstructured_to_structured(raw, DVSGesture.dtype)
    for field in "xytp":
        np.testing.assert_array_equal(events[field], ref[field].astype(np.int64))


def test_errors(tmp_path_factory, gesture_dir):
    with pytest.raises(DatasetMissingError, match="ibmGestureTrain") as info:
        open_split("dvsgesture", "train", tmp_path_factory.mktemp("empty"))
    assert "figshare" in str(info.value)
    data_dir, _ = gesture_dir
    bad = data_dir / "DVSGesture" / "ibmGestureTest" / "user24_natural" / "5.npy"
    np.save(bad, np.zeros((3, 3)))
    with pytest.raises(CorruptEventFileError, match="5.npy"):
        open_split("dvsgesture", "test", data_dir)[3]
    np.save(bad, np.array([[200.0, 1, 0, 5]]))
    with pytest.raises(CorruptEventFileError, match=r"5.npy: x ranges"):
        open_split("dvsgesture", "test", data_dir)[3]


def test_spec():
    spec = get_spec("dvsgesture")
    assert spec.n_classes == 11 and tuple(spec.sensor_size) == (128, 128, 2)
