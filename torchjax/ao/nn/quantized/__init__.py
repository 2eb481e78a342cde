"""torch.ao.nn.quantized: only the dynamic family (torch.ao.nn.quantized.dynamic) is implemented."""
from . import dynamic  # noqa: F401
