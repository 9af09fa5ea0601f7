"""`python -m spikeslim` is the CLI (the form `torchrun -m spikeslim train ...` launches)."""

import subprocess
import sys


def test_module_run_forwards_the_command_line(tmp_path):
    done = subprocess.run([sys.executable, "-m", "spikeslim", "train", "--dataset", "digits-dvs", "--keep", "0.5",
                           "--out", str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stderr.startswith("spikeslim: error:") and "--prune" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and not list(tmp_path.iterdir())
