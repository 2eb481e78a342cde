"""torch.cuda.memory: the memory statistics of torch.cuda (XLA's allocator counters)."""
from . import (empty_cache, max_memory_allocated, max_memory_cached, max_memory_reserved, mem_get_info,  # noqa: F401
               memory_allocated, memory_cached, memory_reserved, memory_stats, memory_stats_as_nested_dict,
               memory_summary, reset_accumulated_memory_stats, reset_max_memory_allocated, reset_max_memory_cached,
               reset_peak_memory_stats, set_per_process_memory_fraction)
