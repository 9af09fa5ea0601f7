"""`python -m spikeslim.train FLAGS` == `spikeslim train FLAGS`; the form torchrun launches.

`torchrun --nproc_per_node N -m spikeslim.train --dataset ... --out DIR` trains data-parallel
(see `spikeslim.train.distributed`). A `__main__` of its own, because running a module that the
package has already imported (`-m spikeslim.train.distributed`) makes runpy warn.
"""

import sys

from spikeslim.cli import main

if __name__ == "__main__":
    sys.exit(main(["train", *sys.argv[1:]]))
