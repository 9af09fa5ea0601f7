"""Leaving spikeslim: trained networks as NIR graphs (`to_nir`, `from_nir`, `export-nir`).

This package sits above `snn`, `train` and `datasets` and may import them; nothing lower imports it.
"""

from spikeslim.export.graph import fold_batch_norm, from_nir, to_nir
from spikeslim.export.neurons import DEFAULT_DT, neuron_to_nir, nir_to_neuron
from spikeslim.export.nirfile import export_checkpoint, read_nir, write_nir

__all__ = ["DEFAULT_DT", "export_checkpoint", "fold_batch_norm", "from_nir", "neuron_to_nir", "nir_to_neuron",
           "read_nir", "to_nir", "write_nir"]
