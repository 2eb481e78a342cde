"""torch.distributed.elastic: only what training scripts import (multiprocessing.errors.record); elastic agents and
restarts are not supported (see torchjax.distributed.run)."""
