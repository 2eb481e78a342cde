"""Key-value stores for rendezvous and host-side collectives: torch.distributed's Store, HashStore, TCPStore,
FileStore and PrefixStore, plus JaxStore over jax.distributed's coordination service.

Values are bytes. `get` blocks until the key exists (or the store's timeout passes). TCPStore's server runs in a
daemon thread of the process that passes is_master=True; the wire format is length-prefixed pickles between
processes of one job (like torch's store, it is meant for a trusted cluster network)."""
import datetime
import os
import pickle
import socket
import socketserver
import struct
import threading
import time

__all__ = ["Store", "HashStore", "TCPStore", "FileStore", "PrefixStore", "JaxStore"]

_DEFAULT_TIMEOUT = datetime.timedelta(seconds=300)


def _seconds(timeout):
    if timeout is None:
        return _DEFAULT_TIMEOUT.total_seconds()
    if isinstance(timeout, datetime.timedelta):
        return timeout.total_seconds()
    return float(timeout)


def _bytes(value):
    if isinstance(value, str):
        return value.encode()
    return bytes(value)


class _Timeout(RuntimeError):
    pass


def _timeout_error(keys, seconds):
    return _Timeout(f"Socket Timeout: wait timeout after {int(seconds * 1000)}ms, keys: {list(keys)}")


class Store:
    """The interface: set/get/add/compare_set/wait/check/delete_key/num_keys, with a timeout for blocking calls."""

    def __init__(self):
        self.timeout = _DEFAULT_TIMEOUT

    def set_timeout(self, timeout):
        self.timeout = timeout if isinstance(timeout, datetime.timedelta) else datetime.timedelta(seconds=timeout)

    def set(self, key, value):
        raise NotImplementedError

    def get(self, key):
        raise NotImplementedError

    def add(self, key, amount):
        raise NotImplementedError

    def compare_set(self, key, expected_value, desired_value):
        raise NotImplementedError

    def check(self, keys):
        raise NotImplementedError

    def delete_key(self, key):
        raise NotImplementedError

    def num_keys(self):
        raise NotImplementedError

    def wait(self, keys, timeout=None):
        for k in keys:
            self._get(k, _seconds(timeout if timeout is not None else self.timeout))

    def multi_get(self, keys):
        return [self.get(k) for k in keys]

    def multi_set(self, keys, values):
        for k, v in zip(keys, values):
            self.set(k, v)

    def _get(self, key, seconds):
        return self.get(key)


class _Table:
    """A dict with blocking reads: the state behind HashStore and TCPStore's server."""

    def __init__(self):
        self.data = {}
        self.cond = threading.Condition()

    def set(self, key, value):
        with self.cond:
            self.data[key] = value
            self.cond.notify_all()

    def get(self, key, seconds):
        deadline = time.monotonic() + seconds
        with self.cond:
            while key not in self.data:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise _timeout_error([key], seconds)
                self.cond.wait(left)
            return self.data[key]

    def add(self, key, amount):
        with self.cond:
            v = int(self.data.get(key, b"0")) + int(amount)
            self.data[key] = str(v).encode()
            self.cond.notify_all()
            return v

    def compare_set(self, key, expected, desired):
        with self.cond:
            cur = self.data.get(key)
            if (cur is None and expected == b"") or cur == expected:
                self.data[key] = desired
                self.cond.notify_all()
                return desired
            return cur if cur is not None else expected

    def check(self, keys):
        with self.cond:
            return all(k in self.data for k in keys)

    def delete(self, key):
        with self.cond:
            return self.data.pop(key, None) is not None

    def num_keys(self):
        with self.cond:
            return len(self.data)


class HashStore(Store):
    """An in-process store (threads of one process)."""

    def __init__(self):
        super().__init__()
        self._t = _Table()

    def set(self, key, value):
        self._t.set(key, _bytes(value))

    def get(self, key):
        return self._t.get(key, _seconds(self.timeout))

    def _get(self, key, seconds):
        return self._t.get(key, seconds)

    def add(self, key, amount):
        return self._t.add(key, amount)

    def compare_set(self, key, expected_value, desired_value):
        return self._t.compare_set(key, _bytes(expected_value), _bytes(desired_value))

    def check(self, keys):
        return self._t.check(keys)

    def delete_key(self, key):
        return self._t.delete(key)

    def num_keys(self):
        return self._t.num_keys()


# ---- TCPStore --------------------------------------------------------------------------------------------------
def _send(sock, obj):
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    sock.sendall(struct.pack("!Q", len(data)) + data)


def _recv_exact(sock, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(min(n - len(buf), 1 << 20))
        if not chunk:
            raise ConnectionError("torchjax TCPStore: connection closed")
        buf += chunk
    return bytes(buf)


def _recv(sock):
    (n,) = struct.unpack("!Q", _recv_exact(sock, 8))
    return pickle.loads(_recv_exact(sock, n))


class _Handler(socketserver.BaseRequestHandler):
    def handle(self):
        table = self.server.table
        sock = self.request
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while True:
            try:
                op, args = _recv(sock)
            except (ConnectionError, OSError, EOFError):
                return
            try:
                if op == "set":
                    table.set(*args)
                    res = None
                elif op == "get":
                    res = table.get(*args)
                elif op == "add":
                    res = table.add(*args)
                elif op == "compare_set":
                    res = table.compare_set(*args)
                elif op == "check":
                    res = table.check(*args)
                elif op == "delete":
                    res = table.delete(*args)
                elif op == "num_keys":
                    res = table.num_keys()
                else:
                    raise ValueError(f"unknown store op {op}")
                reply = ("ok", res)
            except Exception as e:  # noqa: BLE001 - sent back to the client
                reply = ("err", (type(e).__name__, str(e)))
            try:
                _send(sock, reply)
            except OSError:
                return


class _Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


class TCPStore(Store):
    """torch.distributed.TCPStore(host_name, port, world_size=None, is_master=False, timeout=300s,
    wait_for_workers=True, multi_tenant=False, master_listen_fd=None, use_libuv=True)."""

    _servers = {}

    def __init__(self, host_name, port, world_size=None, is_master=False, timeout=_DEFAULT_TIMEOUT,
                 wait_for_workers=True, multi_tenant=False, master_listen_fd=None, use_libuv=True):
        super().__init__()
        self.host = host_name
        self.timeout = timeout if isinstance(timeout, datetime.timedelta) else datetime.timedelta(seconds=timeout)
        self._lock = threading.Lock()
        if is_master:
            key = int(port)
            server = TCPStore._servers.get(key) if multi_tenant else None
            if server is None:
                try:
                    server = _Server(("", int(port)), _Handler)
                except OSError as e:
                    raise RuntimeError(f"The server socket has failed to listen on any local network address. port: "
                                       f"{port}, useIpv6: 0, code: -98, name: EADDRINUSE, message: address already in "
                                       f"use ({e})") from None
                server.table = _Table()
                threading.Thread(target=server.serve_forever, daemon=True).start()
                TCPStore._servers[server.server_address[1]] = server
            self._server = server
            port = server.server_address[1]
        else:
            self._server = None
        self.port = int(port)
        self._sock = self._connect()
        self.world_size = world_size
        if world_size is not None and wait_for_workers and world_size > 1:
            self.add("__tcpstore_workers", 1)
            if is_master:
                deadline = time.monotonic() + _seconds(self.timeout)
                while int(self._call("get", "__tcpstore_workers", _seconds(self.timeout))) < world_size:
                    if time.monotonic() > deadline:
                        raise _timeout_error(["__tcpstore_workers"], _seconds(self.timeout))
                    time.sleep(0.01)

    def _connect(self):
        deadline = time.monotonic() + _seconds(self.timeout)
        last = None
        while time.monotonic() < deadline:
            try:
                s = socket.create_connection((self.host, self.port), timeout=_seconds(self.timeout))
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                s.settimeout(None)
                return s
            except OSError as e:
                last = e
                time.sleep(0.05)
        raise RuntimeError(f"The client socket has timed out after {_seconds(self.timeout)}s while trying to connect "
                           f"to ({self.host}, {self.port}): {last}")

    def _call(self, op, *args):
        with self._lock:
            _send(self._sock, (op, args))
            status, res = _recv(self._sock)
        if status == "err":
            name, msg = res
            raise RuntimeError(msg) if name in ("_Timeout", "RuntimeError") else ValueError(msg)
        return res

    def set(self, key, value):
        self._call("set", key, _bytes(value))

    def get(self, key):
        return self._call("get", key, _seconds(self.timeout))

    def _get(self, key, seconds):
        return self._call("get", key, seconds)

    def add(self, key, amount):
        return self._call("add", key, int(amount))

    def compare_set(self, key, expected_value, desired_value):
        return self._call("compare_set", key, _bytes(expected_value), _bytes(desired_value))

    def check(self, keys):
        return self._call("check", list(keys))

    def delete_key(self, key):
        return self._call("delete", key)

    def num_keys(self):
        return self._call("num_keys")

    @property
    def libuvBackend(self):
        return False

    def __del__(self):
        try:
            self._sock.close()
        except Exception:  # noqa: BLE001
            pass


# ---- FileStore -------------------------------------------------------------------------------------------------
class FileStore(Store):
    """A store in one file on a shared file system: an append-only log of (key, value) records under an flock."""

    def __init__(self, file_name, world_size=-1):
        super().__init__()
        self.path = file_name
        self.world_size = world_size
        open(self.path, "ab").close()

    def _records(self):
        import fcntl
        out = {}
        with open(self.path, "rb") as f:
            fcntl.flock(f, fcntl.LOCK_SH)
            data = f.read()
            fcntl.flock(f, fcntl.LOCK_UN)
        pos = 0
        while pos + 8 <= len(data):
            (n,) = struct.unpack("!Q", data[pos:pos + 8])
            if pos + 8 + n > len(data):
                break
            key, value = pickle.loads(data[pos + 8:pos + 8 + n])
            if value is None:
                out.pop(key, None)
            else:
                out[key] = value
            pos += 8 + n
        return out

    def _append(self, key, value, update=None):
        import fcntl
        with open(self.path, "r+b") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                if update is not None:
                    f.seek(0)
                    cur = self._parse(f.read()).get(key)
                    value = update(cur)
                rec = pickle.dumps((key, value), protocol=pickle.HIGHEST_PROTOCOL)
                f.seek(0, os.SEEK_END)
                f.write(struct.pack("!Q", len(rec)) + rec)
                f.flush()
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)
        return value

    def _parse(self, data):
        out, pos = {}, 0
        while pos + 8 <= len(data):
            (n,) = struct.unpack("!Q", data[pos:pos + 8])
            key, value = pickle.loads(data[pos + 8:pos + 8 + n])
            if value is None:
                out.pop(key, None)
            else:
                out[key] = value
            pos += 8 + n
        return out

    def set(self, key, value):
        self._append(key, _bytes(value))

    def get(self, key):
        return self._get(key, _seconds(self.timeout))

    def _get(self, key, seconds):
        deadline = time.monotonic() + seconds
        delay = 0.001
        while True:
            v = self._records().get(key)
            if v is not None:
                return v
            if time.monotonic() > deadline:
                raise _timeout_error([key], seconds)
            time.sleep(delay)
            delay = min(delay * 2, 0.05)

    def add(self, key, amount):
        v = self._append(key, None, update=lambda cur: str(int(cur or b"0") + int(amount)).encode())
        return int(v)

    def compare_set(self, key, expected_value, desired_value):
        exp, des = _bytes(expected_value), _bytes(desired_value)
        box = []

        def upd(cur):
            if (cur is None and exp == b"") or cur == exp:
                box.append(des)
                return des
            box.append(cur if cur is not None else exp)
            return cur
        self._append(key, None, update=upd)
        return box[0]

    def check(self, keys):
        rec = self._records()
        return all(k in rec for k in keys)

    def delete_key(self, key):
        present = key in self._records()
        self._append(key, None)
        return present

    def num_keys(self):
        return len(self._records())


class PrefixStore(Store):
    """Every key of `store` prefixed with `prefix/`."""

    def __init__(self, prefix, store):
        super().__init__()
        self.prefix = prefix
        self.underlying_store = store
        self.timeout = getattr(store, "timeout", _DEFAULT_TIMEOUT)

    def _k(self, key):
        return f"{self.prefix}/{key}"

    def set(self, key, value):
        self.underlying_store.set(self._k(key), value)

    def get(self, key):
        return self.underlying_store.get(self._k(key))

    def _get(self, key, seconds):
        return self.underlying_store._get(self._k(key), seconds)

    def add(self, key, amount):
        return self.underlying_store.add(self._k(key), amount)

    def compare_set(self, key, expected_value, desired_value):
        return self.underlying_store.compare_set(self._k(key), expected_value, desired_value)

    def check(self, keys):
        return self.underlying_store.check([self._k(k) for k in keys])

    def delete_key(self, key):
        return self.underlying_store.delete_key(self._k(key))

    def num_keys(self):
        return self.underlying_store.num_keys()


class JaxStore(Store):
    """A store over jax.distributed's coordination service (available once jax.distributed is initialized)."""

    def __init__(self, client=None):
        super().__init__()
        if client is None:
            from jax._src import distributed
            client = distributed.global_state.client
        if client is None:
            raise RuntimeError("jax.distributed is not initialized")
        self._c = client

    def set(self, key, value):
        self._c.key_value_set_bytes(key, _bytes(value), allow_overwrite=True)

    def get(self, key):
        return self._get(key, _seconds(self.timeout))

    def _get(self, key, seconds):
        try:
            return bytes(self._c.blocking_key_value_get_bytes(key, int(seconds * 1000)))
        except Exception as e:  # noqa: BLE001 - jaxlib raises its own error types
            raise _timeout_error([key], seconds) from e

    def add(self, key, amount):
        return int(self._c.key_value_increment(key, int(amount)))

    def check(self, keys):
        for k in keys:
            try:
                self._c.key_value_try_get_bytes(k)
            except Exception:  # noqa: BLE001 - jaxlib reports a missing key as an error
                return False
        return True

    def delete_key(self, key):
        self._c.key_value_delete(key)
        return True

    def num_keys(self):
        raise NotImplementedError("torchjax: JaxStore cannot count its keys")
