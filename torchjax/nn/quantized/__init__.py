"""torch.nn.quantized: the legacy name of torch.ao.nn.quantized."""
from ...ao.nn.quantized import dynamic  # noqa: F401
