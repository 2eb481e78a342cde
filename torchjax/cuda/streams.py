"""torch.cuda.streams: Stream, ExternalStream and Event."""
from . import Event, ExternalStream, Stream  # noqa: F401
