"""`python -m spikeslim COMMAND FLAGS` == `spikeslim COMMAND FLAGS`; the form torchrun launches.

`torchrun --nproc_per_node N -m spikeslim train --dataset ... --out DIR` trains data-parallel
(see `spikeslim.train.distributed`). At the top, above `cli`, so no package imports upwards to
be runnable.
"""

import sys

from spikeslim.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
