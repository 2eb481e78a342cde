"""DataLoader worker processes: fetchers, worker info and seeding, the worker loop, and the child's entry point.

A worker is a fresh Python interpreter (JAX is not fork-safe: a forked child of a process that has started JAX's
runtime hangs or aborts on its first JAX call). It receives, over its own pipes,
  1. a plain bootstrap message (the parent's sys.path, whether ``torch`` import aliasing is on),
  2. the loader state pickled by :mod:`._pickle` (dataset, collate_fn, worker_init_fn, seeds, ...),
  3. tasks ``(task_index, indices)``, ``_ResumeIteration`` markers (persistent workers) or ``None`` (stop),
and answers each task with ``(task_index, batch)``, an ``_ExceptionWrapper`` or ``_IterableDatasetStopIteration``.
Tensors travel as numpy payloads (``Tensor.__reduce_ex__``). Workers run JAX on the CPU only, single-threaded.
"""
import os
import pickle
import queue
import random
import sys
import threading
import traceback
from dataclasses import dataclass

__all__ = ["WorkerInfo", "get_worker_info"]

_worker_info = None


@dataclass(frozen=True, slots=True)
class WorkerInfo:
    """What :func:`get_worker_info` returns inside a worker: its ``id``, ``num_workers``, the ``seed`` it was given
    and its own copy of the ``dataset``."""
    id: int
    num_workers: int
    seed: int
    dataset: object
    rng: object = None
    worker_method: str = "multiprocessing"


def get_worker_info():
    """Inside a DataLoader worker process: a :class:`WorkerInfo`; in the main process: None."""
    return _worker_info


@dataclass(frozen=True)
class _IterableDatasetStopIteration:
    worker_id: int


@dataclass(frozen=True)
class _ResumeIteration:
    seed: object = None


class _KeyErrorMessage(str):
    """KeyError calls repr() on its argument; this keeps a multi-line message readable."""

    def __repr__(self):
        return self


class _ExceptionWrapper:
    """An exception caught in a worker, with its traceback as text, re-raised in the main process."""

    def __init__(self, exc_info=None, where="in background"):
        if exc_info is None:
            exc_info = sys.exc_info()
        self.exc_type = exc_info[0]
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where

    def __reduce__(self):
        exc_type = self.exc_type
        try:
            from . import _pickle
            _pickle.dumps(exc_type)
        except Exception:  # noqa: BLE001 - an exception class that cannot travel comes back as RuntimeError
            exc_type = RuntimeError
        return _rebuild_wrapper, (exc_type, self.exc_msg, self.where)

    def reraise(self):
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = _KeyErrorMessage(msg)
        elif getattr(self.exc_type, "message", None):
            raise self.exc_type(message=msg)
        try:
            exc = self.exc_type(msg)
        except Exception:  # noqa: BLE001 - exceptions that need other constructor arguments
            raise RuntimeError(msg) from None
        raise exc


def _rebuild_wrapper(exc_type, exc_msg, where):
    w = _ExceptionWrapper.__new__(_ExceptionWrapper)
    w.exc_type, w.exc_msg, w.where = exc_type, exc_msg, where
    return w


# ---- fetchers (also used in the main process) ------------------------------------------------------------------

class _MapDatasetFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last

    def fetch(self, index):
        if self.auto_collation:
            getitems = getattr(self.dataset, "__getitems__", None)
            if getitems:
                data = getitems(index)
            else:
                data = [self.dataset[i] for i in index]
        else:
            data = self.dataset[index]
        return self.collate_fn(data)


class _IterableDatasetFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        self.dataset_iter = iter(dataset)
        self.ended = False

    def fetch(self, index):
        if self.ended:
            raise StopIteration
        if self.auto_collation:
            data = []
            for _ in index:
                try:
                    data.append(next(self.dataset_iter))
                except StopIteration:
                    self.ended = True
                    break
            if not data or (self.drop_last and len(data) < len(index)):
                raise StopIteration
        else:
            data = next(self.dataset_iter)
        return self.collate_fn(data)


MAP, ITERABLE = 0, 1


def create_fetcher(kind, dataset, auto_collation, collate_fn, drop_last):
    cls = _MapDatasetFetcher if kind == MAP else _IterableDatasetFetcher
    return cls(dataset, auto_collation, collate_fn, drop_last)


# ---- seeding -----------------------------------------------------------------------------------------------------

def _generate_state(base_seed, worker_id):
    """The numpy seed torch gives worker `worker_id`: four 32-bit words hashed from (worker_id, base_seed), with the
    same hashing as numpy's SeedSequence, so numpy streams differ between workers and between epochs."""
    mask = 0xFFFFFFFF
    mult_a, mult_b = 0x931E8875, 0x58F38DED
    mix_l, mix_r = 0xCA01F9DD, 0x4973F715
    shift = 16
    entropy = [worker_id, base_seed & mask, base_seed >> 32, 0]
    const_a = [0x43B0D7E5]

    def hash_a(v):
        v = (v ^ const_a[0]) & mask
        const_a[0] = (const_a[0] * mult_a) & mask
        v = (v * const_a[0]) & mask
        return (v ^ (v >> shift)) & mask

    def mix(x, y):
        r = ((mix_l * x) & mask) - ((mix_r * y) & mask)
        r &= mask
        return (r ^ (r >> shift)) & mask

    pool = [hash_a(e) for e in entropy]
    for src in range(4):
        for dst in range(4):
            if src != dst:
                pool[dst] = mix(pool[dst], hash_a(pool[src]))
    const_b = 0x8B51F9DD
    state = []
    for v in pool:
        v = (v ^ const_b) & mask
        const_b = (const_b * mult_b) & mask
        v = (v * const_b) & mask
        state.append((v ^ (v >> shift)) & mask)
    return state


def _seed_worker(base_seed, worker_id):
    import numpy as np
    import torchjax
    seed = base_seed + worker_id
    random.seed(seed)
    torchjax.manual_seed(seed)
    np.random.seed(_generate_state(base_seed, worker_id))
    return seed


def _mirror_into_real_torch(info):
    """Libraries that shard by real torch's get_worker_info (a Hugging Face IterableDataset subclasses real torch's
    IterableDataset when torch is installed) see this worker too, when they have imported real torch."""
    real = sys.modules.get("torch")
    if real is None or getattr(real, "__name__", None) != "torch":
        return
    try:
        w = real.utils.data._utils.worker
        w._worker_info = w.WorkerInfo(id=info.id, num_workers=info.num_workers, seed=info.seed, dataset=info.dataset)
    except Exception:  # noqa: BLE001 - an unexpected torch layout: nothing to mirror
        pass


# ---- the worker loop ---------------------------------------------------------------------------------------------

class _Sender:
    """Sends pickled results from a background thread, so the worker computes the next batch while the main
    process has not yet read the previous one."""

    def __init__(self, conn):
        self.conn = conn
        self.q = queue.Queue()
        self.broken = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while True:
            item = self.q.get()
            if item is None:
                return
            try:
                self.conn.send_bytes(item)
            except OSError:
                self.broken = True
                return

    def send(self, obj):
        from . import _pickle
        try:
            data = _pickle.dumps(obj)
        except Exception:  # noqa: BLE001 - a batch that cannot be pickled is reported as the task's error
            idx = obj[0]
            data = _pickle.dumps((idx, _ExceptionWrapper(where="in DataLoader worker process (sending a batch)")))
        self.q.put(data)

    def close(self):
        self.q.put(None)
        self.thread.join()


def _worker_loop(task_conn, sender, state, init_error):
    global _worker_info
    worker_id = state["worker_id"] if state else -1
    fetcher = None
    if init_error is None:
        try:
            seed = _seed_worker(state["base_seed"], worker_id)
            _worker_info = WorkerInfo(id=worker_id, num_workers=state["num_workers"], seed=seed,
                                      dataset=state["dataset"])
            _mirror_into_real_torch(_worker_info)
            if state["worker_init_fn"] is not None:
                state["worker_init_fn"](worker_id)
            fetcher = create_fetcher(state["kind"], state["dataset"], state["auto_collation"], state["collate_fn"],
                                     state["drop_last"])
        except Exception:  # noqa: BLE001 - reported with the first task, as torch does
            init_error = _ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")
    iteration_end = False
    while True:
        try:
            msg = pickle.loads(task_conn.recv_bytes())
        except (EOFError, OSError):
            return  # the main process is gone
        if msg is None:
            return
        if isinstance(msg, _ResumeIteration):
            sender.send((msg, None))
            iteration_end = False
            if init_error is None:
                fetcher = create_fetcher(state["kind"], state["dataset"], state["auto_collation"],
                                         state["collate_fn"], state["drop_last"])
            continue
        if iteration_end:
            continue
        idx, index = msg
        if init_error is not None:
            data, init_error = init_error, None
        elif fetcher is None:
            data = _ExceptionWrapper((RuntimeError, RuntimeError("worker failed to start"), None),
                                     where=f"in DataLoader worker process {worker_id}")
        else:
            try:
                data = fetcher.fetch(index)
            except Exception as e:  # noqa: BLE001
                if isinstance(e, StopIteration) and state["kind"] == ITERABLE:
                    data = _IterableDatasetStopIteration(worker_id)
                    iteration_end = True
                else:
                    data = _ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")
        sender.send((idx, data))
        del data, index, msg


def _main(task_fd, result_fd):
    """Entry point of a worker process (see the module docstring)."""
    from multiprocessing.connection import Connection
    task_conn = Connection(task_fd, writable=False)
    result_conn = Connection(result_fd, readable=False)
    sender = None
    try:
        try:
            import jax
            jax.devices()  # start JAX's CPU runtime while waiting (pre-started workers wait a while)
        except Exception:  # noqa: BLE001 - the first op will report a broken JAX install
            pass
        try:
            boot = pickle.loads(task_conn.recv_bytes())
        except (EOFError, OSError):
            return  # a pre-started worker that was never used: the main process has gone
        sys.path[:] = boot["sys_path"]
        if boot.get("cwd"):
            try:
                os.chdir(boot["cwd"])
            except OSError:
                pass
        if boot.get("alias"):
            from torchjax._aliasing import install
            install()
        sender = _Sender(result_conn)
        worker_id = boot["worker_id"]
        state, init_error = None, None
        try:
            from . import _pickle
            state = _pickle.loads(task_conn.recv_bytes())
            state["worker_id"] = worker_id
        except (EOFError, OSError):
            return
        except Exception:  # noqa: BLE001 - e.g. a class the worker cannot import: reported with the first task
            init_error = _ExceptionWrapper(where=f"in DataLoader worker process {worker_id} (while unpickling the "
                                                 f"dataset, collate_fn or worker_init_fn it was sent)")
        _worker_loop(task_conn, sender, state, init_error)
    except KeyboardInterrupt:
        pass
    finally:
        if sender is not None and not sender.broken:
            sender.close()
