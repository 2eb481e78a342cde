"""Whether torchjax's CPU generator reproduces torch's stream yet (issue 10). Tests whose expected values depend on
torch's exact random stream are xfail until it does, and become ordinary tests once it does."""
import functools

import numpy as np
import pytest


@functools.lru_cache(maxsize=None)
def rng_exact():
    import torch
    import torchjax
    try:
        a = torch.Generator().manual_seed(123)
        b = torchjax.Generator().manual_seed(123)
        same_perm = torch.randperm(20, generator=a).tolist() == torchjax.randperm(20, generator=b).tolist()
        same_rand = np.allclose(torch.rand(5, generator=a).numpy(), torchjax.rand(5, generator=b).numpy())
        same_int = torch.empty((), dtype=torch.int64).random_(generator=a).item() == \
            torchjax.empty((), dtype=torchjax.int64).random_(generator=b).item()
        return same_perm and same_rand and same_int
    except Exception:  # noqa: BLE001 - the placeholder generator lacks draws
        return False


needs_exact_rng = pytest.mark.xfail(condition="not __import__('_rng').rng_exact()",
                                    reason="expects torch's exact random stream: needs the torch-exact CPU generator "
                                           "(issue 10)", strict=True)
