"""DataLoader: batches from a dataset through a sampler and a collate function, in the main process or in worker
processes (torch.utils.data.dataloader).

Random draws happen in torch's order: each new iterator draws ``base_seed`` with
``torch.empty((), dtype=torch.int64).random_(generator=loader.generator)``, then the sampler draws when the first
batch is requested. Workers are fresh interpreters (see ``_worker.py``): whatever the ``multiprocessing_context``,
they never inherit the parent's JAX runtime by ``fork``.
"""
import atexit
import itertools
import math
import os
import pickle
import signal
import subprocess
import sys
import threading
import warnings
import weakref
from multiprocessing import connection as mp_connection

from . import _collate, _worker
from .dataset import IterableDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler, _InfiniteConstantSampler, _random_int64

__all__ = ["DataLoader", "get_worker_info", "default_collate", "default_convert"]

default_collate = _collate.default_collate
default_convert = _collate.default_convert
get_worker_info = _worker.get_worker_info


class _DatasetKind:
    Map = _worker.MAP
    Iterable = _worker.ITERABLE

    @staticmethod
    def create_fetcher(kind, dataset, auto_collation, collate_fn, drop_last):
        return _worker.create_fetcher(kind, dataset, auto_collation, collate_fn, drop_last)


def _is_iterable_style(dataset):
    """torchjax's IterableDataset, a real torch one (e.g. a Hugging Face ``datasets.IterableDataset`` when torch is
    installed), or anything iterable without ``__getitem__``."""
    if isinstance(dataset, IterableDataset):
        return True
    for cls in type(dataset).__mro__:
        if cls.__name__ == "IterableDataset" and cls.__module__.startswith(("torch.utils.data", "torchjax.utils")):
            return True
    return hasattr(dataset, "__iter__") and not hasattr(dataset, "__getitem__")


def _cpu_count():
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count()


class DataLoader:
    """Combines a dataset and a sampler and iterates over batches: see torch's documentation. Accepts every torch
    argument; ``pin_memory`` is a no-op (JAX manages host buffers) and ``pin_memory_device`` is ignored."""

    __initialized = False

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor=None, persistent_workers=False,
                 pin_memory_device="", in_order=True):
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable "
                             "multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing.let num_workers > 0 "
                             "to enable multiprocessing, otherwise set prefetch_factor to None.")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")

        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.in_order = in_order

        if _is_iterable_style(dataset):
            self._dataset_kind = _DatasetKind.Iterable
            if shuffle not in {False, None}:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified shuffle option, but got "
                                 f"shuffle={shuffle}")
            if sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified sampler option, but got "
                                 f"sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified batch_sampler option, but "
                                 f"got batch_sampler={batch_sampler}")
        else:
            shuffle = bool(shuffle)
            self._dataset_kind = _DatasetKind.Map

        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and "
                                 "drop_last")
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with drop_last")

        if sampler is None:
            if self._dataset_kind == _DatasetKind.Iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self.persistent_workers = persistent_workers
        self.__initialized = True
        self._IterableDataset_len_called = None
        self._iterator = None
        self.check_worker_number_rationality()

    # ---- configuration --------------------------------------------------------------------------------------
    @property
    def multiprocessing_context(self):
        return self.__multiprocessing_context

    @multiprocessing_context.setter
    def multiprocessing_context(self, ctx):
        if ctx is not None:
            if self.num_workers > 0:
                import multiprocessing
                if isinstance(ctx, str):
                    valid = multiprocessing.get_all_start_methods()
                    if ctx not in valid:
                        raise ValueError(f"multiprocessing_context option should specify a valid start method in "
                                         f"{valid!r}, but got multiprocessing_context={ctx!r}")
                    ctx = multiprocessing.get_context(ctx)
                if not isinstance(ctx, multiprocessing.context.BaseContext):
                    raise TypeError(f"multiprocessing_context option should be a valid context object or a string "
                                    f"specifying the start method, but got multiprocessing_context={ctx}")
            else:
                raise ValueError(f"multiprocessing_context can only be used with multi-process loading "
                                 f"(num_workers > 0), but got num_workers={self.num_workers}")
        self.__multiprocessing_context = ctx

    def __setattr__(self, attr, val):
        if self.__initialized and attr in ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset",
                                           "persistent_workers"):
            raise ValueError(f"{attr} attribute should not be set after {self.__class__.__name__} is initialized")
        super().__setattr__(attr, val)

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    # ---- iteration --------------------------------------------------------------------------------------------
    def _get_iterator(self):
        if self.num_workers == 0:
            return _SingleProcessDataLoaderIter(self)
        self.check_worker_number_rationality()
        return _MultiProcessingDataLoaderIter(self)

    def __iter__(self):
        if self.persistent_workers and self.num_workers > 0:
            if self._iterator is None:
                self._iterator = self._get_iterator()
            else:
                self._iterator._reset(self)
            return self._iterator
        return self._get_iterator()

    def __len__(self):
        if self._dataset_kind == _DatasetKind.Iterable:
            length = self._IterableDataset_len_called = len(self.dataset)
            if self.batch_size is not None:
                length = length // self.batch_size if self.drop_last else math.ceil(length / self.batch_size)
            return length
        return len(self._index_sampler)

    def check_worker_number_rationality(self):
        if not self.num_workers:
            return
        suggest = _cpu_count()
        if suggest is None or self.num_workers > suggest:
            if suggest is not None:
                cpuset = "" if hasattr(os, "sched_getaffinity") else " (`cpuset` is not taken into account)"
                detail = (f"Our suggested max number of worker in current system is {suggest}{cpuset}, which is "
                          f"smaller than what this DataLoader is going to create.")
            else:
                detail = "DataLoader is not able to compute a suggested max number of worker in current system."
            warnings.warn(f"This DataLoader will create {self.num_workers} worker processes in total. {detail} "
                          "Please be aware that excessive worker creation might get DataLoader running slow or even "
                          "freeze, lower the worker number to avoid potential slowness/freeze if necessary.",
                          stacklevel=2)


class _BaseDataLoaderIter:
    def __init__(self, loader):
        self._dataset = loader.dataset
        self._shared_seed = None
        self._dataset_kind = loader._dataset_kind
        self._IterableDataset_len_called = loader._IterableDataset_len_called
        self._auto_collation = loader._auto_collation
        self._drop_last = loader.drop_last
        self._index_sampler = loader._index_sampler
        self._num_workers = loader.num_workers
        if loader.pin_memory:
            from ... import cuda
            if not cuda.is_available():
                warnings.warn("'pin_memory' argument is set as true but no accelerator is found, then device pinned "
                              "memory won't be used.", stacklevel=3)
        self._timeout = loader.timeout
        self._collate_fn = loader.collate_fn
        self._sampler_iter = iter(self._index_sampler)
        self._base_seed = _random_int64(loader.generator)
        self._persistent_workers = loader.persistent_workers
        self._num_yielded = 0

    def __iter__(self):
        return self

    def _reset(self, loader, first_iter=False):
        self._sampler_iter = iter(self._index_sampler)
        self._num_yielded = 0
        self._IterableDataset_len_called = loader._IterableDataset_len_called

    def _next_index(self):
        return next(self._sampler_iter)

    def _next_data(self):
        raise NotImplementedError

    def __next__(self):
        if self._sampler_iter is None:
            self._reset()
        data = self._next_data()
        self._num_yielded += 1
        if (self._dataset_kind == _DatasetKind.Iterable and self._IterableDataset_len_called is not None
                and self._num_yielded > self._IterableDataset_len_called):
            msg = (f"Length of IterableDataset {self._dataset} was reported to be {self._IterableDataset_len_called}"
                   f"(when accessing len(dataloader)), but {self._num_yielded} samples have been fetched. ")
            if self._num_workers > 0:
                msg += ("For multiprocessing data-loading, this could be caused by not properly configuring the "
                        "IterableDataset replica at each worker. Please see "
                        "https://pytorch.org/docs/stable/data.html#torch.utils.data.IterableDataset for examples.")
            warnings.warn(msg, stacklevel=2)
        return data

    def __len__(self):
        return len(self._index_sampler)

    def __getstate__(self):
        raise NotImplementedError(f"{self.__class__.__name__} cannot be pickled")


class _SingleProcessDataLoaderIter(_BaseDataLoaderIter):
    def __init__(self, loader):
        super().__init__(loader)
        self._dataset_fetcher = _DatasetKind.create_fetcher(self._dataset_kind, self._dataset, self._auto_collation,
                                                            self._collate_fn, self._drop_last)

    def _next_data(self):
        index = self._next_index()
        return self._dataset_fetcher.fetch(index)


# ---- worker processes --------------------------------------------------------------------------------------------

_live_iterators = weakref.WeakSet()
_idle_workers = []  # pre-started interpreters (torchjax imported, no state yet) for the next iterator
_idle_lock = threading.Lock()


@atexit.register
def _shutdown_all():
    for it in list(_live_iterators):
        try:
            it._shutdown_workers(quick=True)
        except Exception:  # noqa: BLE001 - best effort at interpreter exit
            pass
    with _idle_lock:
        idle = list(_idle_workers)
        _idle_workers.clear()
    for w in idle:
        w.close(quick=True)


def _prewarm_enabled():
    return os.environ.get("TORCHJAX_DATALOADER_PREWARM", "1") != "0"


def _acquire_worker(worker_id):
    """A pre-started interpreter if one is idle and alive, else a new one. Either way a fresh process: it has
    imported torchjax and nothing else, exactly what a newly spawned worker would have done first."""
    with _idle_lock:
        while _idle_workers:
            w = _idle_workers.pop()
            if w.is_alive():
                w.worker_id = worker_id
                return w
            w.close(quick=True)
    return _WorkerProcess(worker_id)


def _prewarm(n):
    """Start `n` interpreters in the background for the next (non-persistent) iterator: torch restarts workers
    every epoch, and starting a Python interpreter with JAX costs seconds where fork costs milliseconds."""
    if not _prewarm_enabled():
        return
    with _idle_lock:
        missing = n - len(_idle_workers)
        for _ in range(max(missing, 0)):
            _idle_workers.append(_WorkerProcess(-1))


def _worker_env():
    env = dict(os.environ)
    env["JAX_PLATFORMS"] = "cpu"  # workers make CPU tensors, as in torch; they never claim an accelerator
    flags = env.get("XLA_FLAGS", "")
    if "xla_cpu_multi_thread_eigen" not in flags:
        env["XLA_FLAGS"] = (flags + " --xla_cpu_multi_thread_eigen=false").strip()  # torch.set_num_threads(1)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return env


def _package_root():
    import torchjax
    return os.path.dirname(os.path.dirname(os.path.abspath(torchjax.__file__)))


class _WorkerProcess:
    """One worker: a child interpreter with a task pipe (parent -> worker) and a result pipe (worker -> parent)."""

    def __init__(self, worker_id):
        task_r, task_w = os.pipe()
        res_r, res_w = os.pipe()
        code = (f"import sys; sys.path.insert(0, {_package_root()!r}); "
                f"from torchjax.utils.data._worker import _main; _main({task_r}, {res_w})")
        try:
            self.proc = subprocess.Popen([sys.executable, "-c", code], pass_fds=(task_r, res_w), env=_worker_env(),
                                         stdin=subprocess.DEVNULL, close_fds=True)
        finally:
            os.close(task_r)
            os.close(res_w)
        self.pid = self.proc.pid
        self.tasks = mp_connection.Connection(task_w, readable=False)
        self.results = mp_connection.Connection(res_r, writable=False)
        self.worker_id = worker_id

    def start(self, payload, boot):
        """Send the bootstrap message and the pickled loader state (the child reads them once it has imported
        torchjax; all children start importing before the first, possibly large, payload is sent)."""
        try:
            self.tasks.send_bytes(pickle.dumps(dict(boot, worker_id=self.worker_id)))
            self.tasks.send_bytes(payload)
        except OSError:
            pass  # it died at once: reported when its results are awaited

    def put(self, msg):
        try:
            self.tasks.send_bytes(pickle.dumps(msg))
        except OSError:
            pass  # a dead worker is reported by the result side

    def is_alive(self):
        return self.proc.poll() is None

    def death_message(self):
        try:
            rc = self.proc.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            rc = None
        if rc is not None and rc < 0:
            try:
                name = signal.Signals(-rc).name
                desc = signal.strsignal(-rc)
            except ValueError:
                name, desc = str(-rc), str(-rc)
            return f"DataLoader worker (pid {self.pid}) is killed by signal: {desc} ({name}). "
        return f"DataLoader worker (pid(s) {self.pid}) exited unexpectedly" + (
            f" with exit code {rc}" if rc not in (None, 0) else "")

    def close(self, quick=False):
        for conn in (self.tasks, self.results):
            try:
                conn.close()
            except OSError:
                pass
        try:
            self.proc.wait(timeout=0.1 if quick else 5.0)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            try:
                self.proc.wait(timeout=5.0)
            except subprocess.TimeoutExpired:
                pass


class _MultiProcessingDataLoaderIter(_BaseDataLoaderIter):
    """Tasks go round-robin to the workers, at most ``prefetch_factor * num_workers`` outstanding; results are
    handed out in task order (``in_order=True``) or as they arrive."""

    def __init__(self, loader):
        super().__init__(loader)
        self._prefetch_factor = loader.prefetch_factor
        self._in_order = loader.in_order
        if self._num_workers <= 0:
            raise AssertionError("num_workers must be greater than 0 for MultiProcessingDataLoaderIter")
        if self._prefetch_factor <= 0:
            raise AssertionError("prefetch_factor must be greater than 0 for MultiProcessingDataLoaderIter")
        self._worker_init_fn = loader.worker_init_fn
        self._shutdown = False
        self._workers = []
        from . import _pickle
        state = {"kind": self._dataset_kind, "dataset": self._dataset, "auto_collation": self._auto_collation,
                 "collate_fn": self._collate_fn, "drop_last": self._drop_last, "base_seed": self._base_seed,
                 "worker_init_fn": self._worker_init_fn, "num_workers": self._num_workers}
        try:
            payload = _pickle.dumps(state)
        except Exception as e:
            raise type(e)(f"{e}\n\ntorchjax: DataLoader workers are fresh processes (JAX cannot be forked), so the "
                          f"dataset, collate_fn and worker_init_fn must be picklable. Use num_workers=0 for objects "
                          f"that cannot be (open files, generators, locks).") from e
        from ..._aliasing import AliasFinder
        boot = {"sys_path": list(sys.path), "cwd": os.getcwd(),
                "alias": any(isinstance(f, AliasFinder) for f in sys.meta_path)}
        for i in range(self._num_workers):
            self._workers.append(_acquire_worker(i))
        for w in self._workers:
            w.start(payload, boot)
        _live_iterators.add(self)
        if not self._persistent_workers:
            _prewarm(self._num_workers)
        self._reset(loader, first_iter=True)

    def _reset(self, loader, first_iter=False):
        super()._reset(loader, first_iter)
        self._send_idx = 0
        self._rcvd_idx = 0
        self._task_info = {}
        self._tasks_outstanding = 0
        self._workers_status = [True] * self._num_workers
        self._workers_num_tasks = [0] * self._num_workers
        self._worker_queue_idx_cycle = itertools.cycle(range(self._num_workers))
        if not first_iter:
            for w in self._workers:
                w.put(_worker._ResumeIteration(self._shared_seed))
            pending = self._num_workers
            while pending > 0:
                idx, data = self._get_data()
                if isinstance(idx, _worker._ResumeIteration):
                    pending -= 1
        for _ in range(self._prefetch_factor * self._num_workers):
            self._try_put_index()

    def _get_data(self):
        """The next (task index, data) any active worker sends; a dead worker or a timeout raises."""
        conns = {w.results: w for i, w in enumerate(self._workers) if self._workers_status[i]}
        if not conns:
            raise RuntimeError("DataLoader: no active worker is left to wait for")
        timeout = self._timeout if self._timeout > 0 else None
        ready = mp_connection.wait(list(conns), timeout)
        if not ready:
            raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")
        w = conns[ready[0]]
        try:
            raw = w.results.recv_bytes()
        except (EOFError, OSError):
            self._workers_status[w.worker_id] = False
            msg = w.death_message()
            self._shutdown_workers()
            raise RuntimeError(msg) from None
        from . import _pickle
        return _pickle.loads(raw)

    def _next_data(self):
        while True:
            while self._rcvd_idx < self._send_idx:
                info = self._task_info.get(self._rcvd_idx)
                if info:
                    worker_id = info[0]
                    if len(info) == 2 or self._workers_status[worker_id]:
                        break
                    del self._task_info[self._rcvd_idx]
                self._rcvd_idx += 1
            else:
                if not self._persistent_workers:
                    self._shutdown_workers()
                raise StopIteration
            if len(self._task_info[self._rcvd_idx]) == 2:
                worker_id, data = self._task_info.pop(self._rcvd_idx)
                self._rcvd_idx += 1
                return self._process_data(data, worker_id)
            if self._shutdown or self._tasks_outstanding <= 0:
                raise AssertionError("Invalid iterator state: shutdown or no outstanding tasks when fetching next "
                                     "data")
            idx, data = self._get_data()
            self._tasks_outstanding -= 1
            if self._dataset_kind == _DatasetKind.Iterable and isinstance(data, _worker._IterableDatasetStopIteration):
                if self._persistent_workers:
                    self._workers_status[data.worker_id] = False
                else:
                    self._mark_worker_as_unavailable(data.worker_id)
                self._try_put_index()
                continue
            if idx != self._rcvd_idx:
                if not self._in_order:
                    worker_id = self._task_info.pop(idx)[0]
                    return self._process_data(data, worker_id)
                self._task_info[idx] += (data,)
            else:
                worker_id = self._task_info.pop(idx)[0]
                self._rcvd_idx += 1
                return self._process_data(data, worker_id)

    def _try_put_index(self):
        max_tasks = self._prefetch_factor * self._num_workers
        if self._tasks_outstanding >= max_tasks:
            raise AssertionError("Number of outstanding tasks exceeded maximum allowed tasks")
        try:
            index = self._next_index()
        except StopIteration:
            return
        for _ in range(self._num_workers):
            wid = next(self._worker_queue_idx_cycle)
            if self._workers_status[wid]:
                if self._in_order or self._workers_num_tasks[wid] < max_tasks // sum(self._workers_status):
                    break
        else:
            return
        self._workers[wid].put((self._send_idx, index))
        self._task_info[self._send_idx] = (wid,)
        self._workers_num_tasks[wid] += 1
        self._tasks_outstanding += 1
        self._send_idx += 1

    def _process_data(self, data, worker_id):
        self._workers_num_tasks[worker_id] -= 1
        self._try_put_index()
        if isinstance(data, _worker._ExceptionWrapper):
            data.reraise()
        return data

    def _mark_worker_as_unavailable(self, worker_id, shutdown=False):
        self._workers[worker_id].put(None)
        self._workers_status[worker_id] = False

    def _shutdown_workers(self, quick=False):
        if self._shutdown:
            return
        self._shutdown = True
        _live_iterators.discard(self)
        for w in self._workers:
            w.put(None)
        for w in self._workers:
            w.close(quick=quick)

    def __del__(self):
        if getattr(self, "_workers", None) is not None:
            try:
                self._shutdown_workers(quick=True)
            except Exception:  # noqa: BLE001 - never raise from a finaliser
                pass

