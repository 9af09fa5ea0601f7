# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# The CPU wheel of torch; override e.g. TORCH_SPEC="torch" on a machine with CUDA.
TORCH_SPEC ?= torch==2.13.0

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -c "import torch" 2>/dev/null || $(PY) -m pip install "$(TORCH_SPEC)"
	$(PY) -m pip install -e ".[test]"
	touch $@

.PHONY: demo test bench
demo: $(VENV)/.installed
	$(VENV)/bin/spikeslim demo

test: $(VENV)/.installed
	$(PY) -m pytest -q

# Full experiments (tens of minutes to hours on a CPU); results land in benchmarks/results/.
# SpikingJelly and Norse declare torchvision/torchaudio, which would replace the CPU torch with a
# CUDA build: they are installed without dependencies, beside the few their imported modules need.
bench: $(VENV)/.installed
	$(PY) -m pip install -e ".[bench]"
	$(PY) -m pip install --no-deps "spikingjelly==2.0.0" "norse==1.1.0"
	for script in benchmarks/bench_*.py; do $(PY) $$script || exit 1; done
