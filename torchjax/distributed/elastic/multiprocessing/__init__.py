"""torch.distributed.elastic.multiprocessing: the `errors.record` decorator."""
