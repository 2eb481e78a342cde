"""The allow-list unpickler behind `torch.load(weights_only=True)` (the default).

It interprets pickle opcodes itself and never imports anything: a GLOBAL resolves only through a table of names
(torch's rebuild functions, storage types, dtypes, OrderedDict, torch.Size, torch.device, ... plus whatever
`torch.serialization.add_safe_globals` added), REDUCE/NEWOBJ call only objects from that table, BUILD only sets
state on tensors, Parameters, OrderedDicts and allow-listed types, and persistent ids may only name storages.
Anything else raises `pickle.UnpicklingError` with torch's explanatory message before anything runs.

Besides the protocol-2 opcodes torch's own unpickler accepts, the data-only opcodes of protocols 3-5 (FRAME,
MEMOIZE, SHORT_BINUNICODE, BINBYTES, STACK_GLOBAL through the same table, ...) are accepted too.
"""
import codecs
import pickle
import struct
import warnings
from collections import Counter, OrderedDict

_BLOCKED_MODULES = ("sys", "os", "posix", "nt")

# Python 2 names that protocol-2 pickles may carry
_IMPORT_MAPPING = {"__builtin__": "builtins", "copy_reg": "copyreg", "Queue": "queue", "repr": "reprlib",
                   "_abcoll": "collections.abc", "UserDict": "collections", "UserList": "collections",
                   "UserString": "collections", "whichdb": "dbm", "StringIO": "io", "cStringIO": "io"}
_NAME_MAPPING = {("__builtin__", "xrange"): ("builtins", "range"), ("__builtin__", "reduce"): ("functools", "reduce"),
                 ("__builtin__", "intern"): ("sys", "intern"), ("__builtin__", "unichr"): ("builtins", "chr"),
                 ("__builtin__", "unicode"): ("builtins", "str"), ("__builtin__", "long"): ("builtins", "int"),
                 ("__builtin__", "basestring"): ("builtins", "str"),
                 ("exceptions", "StandardError"): ("builtins", "Exception")}

# ---- user allow-list (torch.serialization.add_safe_globals and friends) --------------------------------------
_marked_safe = []


def _entry_key(entry):
    return (id(entry[0]), entry[1]) if isinstance(entry, tuple) and len(entry) == 2 else id(entry)


def add_safe_globals(safe_globals):
    known = {_entry_key(e) for e in _marked_safe}
    for e in safe_globals:
        if _entry_key(e) not in known:
            _marked_safe.append(e)
            known.add(_entry_key(e))


def get_safe_globals():
    return list(_marked_safe)


def clear_safe_globals():
    del _marked_safe[:]


def remove_safe_globals(globals_to_remove):
    drop = {_entry_key(e) for e in globals_to_remove}
    _marked_safe[:] = [e for e in _marked_safe if _entry_key(e) not in drop]


class _safe_globals:
    def __init__(self, safe_globals):
        self.safe_globals = safe_globals

    def __enter__(self):
        self._added = [e for e in self.safe_globals if _entry_key(e) not in {_entry_key(m) for m in _marked_safe}]
        add_safe_globals(self.safe_globals)

    def __exit__(self, *exc):
        remove_safe_globals(self._added)


def torch_module_name(module):
    """torchjax's module paths as the torch ones they mirror (torchjax.nn.x -> torch.nn.x, torchjax.vision -> torchvision)."""
    if module == "torchjax.vision" or module.startswith("torchjax.vision."):
        return "torchvision" + module[len("torchjax.vision"):]
    if module == "torchjax" or module.startswith("torchjax."):
        return "torch" + module[len("torchjax"):]
    return module


def user_allowed_globals():
    rc = {}
    for f in _marked_safe:
        if isinstance(f, tuple):
            if len(f) != 2:
                raise ValueError(f"Expected tuple of length 2 (global, str of callable full path), but got tuple of "
                                 f"length: {len(f)}")
            if type(f[1]) is not str:
                raise TypeError(f"Expected second item in tuple to be str of callable full path, but got: "
                                f"{type(f[1])}")
            rc[f[1]] = f[0]
        else:
            module, name = f.__module__, f.__qualname__
            rc[f"{module}.{name}"] = f
            rc.setdefault(f"{torch_module_name(module)}.{name}", f)
    return rc


# ---- the built-in allow-list ----------------------------------------------------------------------------------
class Unsupported:
    """A torch global that is safe but that torchjax cannot represent: resolving it raises NotImplementedError."""

    def __init__(self, name, why="is not supported"):
        self.name = name
        self.why = why

    def fail(self):
        raise NotImplementedError(f"torchjax: {self.name} {self.why}")


_TORCH_ONLY_DTYPES = ["float4_e2m1fn_x2", "bits8", "bits16", "bits1x8", "bits2x4", "bits4x2"] + \
    [f"uint{i}" for i in range(1, 8)] + [f"int{i}" for i in range(1, 8)]
_QSCHEMES = ["per_tensor_affine", "per_tensor_symmetric", "per_channel_affine", "per_channel_symmetric",
             "per_channel_affine_float_qparams"]


def _parameter_class():
    try:
        from .nn import Parameter
        return Parameter
    except ImportError:
        from .serialization import _FallbackParameter
        return _FallbackParameter


def allowed_globals():
    from . import _dtype as D
    from . import serialization as S
    from . import storage as ST
    from ._device import device
    from ._size import Size
    from ._tensor import Tensor
    rc = {
        "collections.OrderedDict": OrderedDict,
        "collections.Counter": Counter,
        "torch.nn.parameter.Parameter": _parameter_class(),
        "torch.serialization._get_layout": S._get_layout,
        "torch.Size": Size,
        "torch.Tensor": Tensor,
        "torch.device": device,
        "_codecs.encode": codecs.encode,
        "builtins.bytearray": bytearray,
        "builtins.set": set,
        "builtins.complex": complex,
        "torch.storage.UntypedStorage": ST.UntypedStorage,
        "torch.storage.TypedStorage": ST.TypedStorage,
        "torch._tensor._rebuild_from_type_v2": S._rebuild_from_type_v2,
    }
    for d in D.ALL:
        rc[f"torch.{d.name}"] = d
    for name in _TORCH_ONLY_DTYPES:
        rc[f"torch.{name}"] = Unsupported(f"dtype torch.{name}")
    for name in _QSCHEMES:
        rc[f"torch.{name}"] = Unsupported(f"torch.{name}", "(quantized tensors) is not supported")
    from ._ops.creation import LEGACY_TYPES
    for name, cls in LEGACY_TYPES.items():
        rc[f"torch.{name}"] = cls
        rc[f"torch.cuda.{name}"] = Unsupported(f"torch.cuda.{name}", "(a legacy tensor type) is not supported")
        rc[f"torch.sparse.{name}"] = Unsupported(f"torch.sparse.{name}", "(sparse tensors) is not supported")
        rc[f"torch.cuda.sparse.{name}"] = Unsupported(f"torch.cuda.sparse.{name}",
                                                     "(sparse tensors) is not supported")
    for name in ST.LEGACY_STORAGE_NAMES.values():
        rc[f"torch.{name}"] = S.StorageType(name)
        rc[f"torch.cuda.{name}"] = S.StorageType(name)
    for name, fn in S.REBUILD_FUNCTIONS.items():
        rc[f"torch._utils.{name}"] = fn
    return rc


# ---- error text (torch's) --------------------------------------------------------------------------------------
UNSAFE_MESSAGE = (
    "In PyTorch 2.6, we changed the default value of the `weights_only` argument in `torch.load` "
    "from `False` to `True`. Re-running `torch.load` with `weights_only` set to `False` will likely succeed, "
    "but it can result in arbitrary code execution. Do it only if you got the file from a "
    "trusted source."
)
_DOCS_MESSAGE = ("\n\nCheck the documentation of torch.load to learn more about types accepted by default with "
                 "weights_only https://pytorch.org/docs/stable/generated/torch.load.html.")


def explain(message):
    """The message torch.load gives when the weights-only unpickler refused a file."""
    import re
    if re.search(r"GLOBAL (\S+) was not an allowed global by default.", message):
        return ("Weights only load failed. This file can still be loaded, to do so you have two options, "
                "\033[1mdo those steps only if you trust the source of the checkpoint\033[0m. "
                f"\n\t(1) {UNSAFE_MESSAGE}\n\t(2) Alternatively, to load with `weights_only=True` please check "
                "the recommended steps in the following error message.\n\tWeightsUnpickler error: "
                + message + _DOCS_MESSAGE)
    if re.search(r"(\S+) must be (\S+) to load", message):
        return f"Weights only load failed. {message}\n {UNSAFE_MESSAGE}\n" + _DOCS_MESSAGE
    text = f"Weights only load failed. {UNSAFE_MESSAGE}\n"
    if not re.search(r"whose module (\S+) is blocked", message):
        text += ("Please file an issue with the following so that we can make `weights_only=True` compatible with "
                 "your use case: WeightsUnpickler error: ")
    return text + "\n\n" + message + _DOCS_MESSAGE


def _not_allowed(full_path):
    if full_path.startswith("builtins"):
        rest = full_path[len("builtins"):]
        full_path = rest[1:] if rest.startswith(".") else "builtins" + rest
    return pickle.UnpicklingError(
        f"Unsupported global: GLOBAL {full_path} was not an allowed global by default. "
        f"Please use `torch.serialization.add_safe_globals([{full_path}])` or the "
        f"`torch.serialization.safe_globals([{full_path}])` context manager to allowlist this global "
        "if you trust this class/function.")


def _map_name(module, name):
    if (module, name) in _NAME_MAPPING:
        return _NAME_MAPPING[(module, name)]
    return _IMPORT_MAPPING.get(module, module), name


# ---- the unpickler ---------------------------------------------------------------------------------------------
_MARK = object()


class Unpickler:
    def __init__(self, file, *, encoding="bytes", persistent_load=None):
        self.read = file.read
        self.readline = file.readline
        self.encoding = encoding
        self.memo = {}
        self.proto = -1
        if persistent_load is not None:
            self.persistent_load = persistent_load
        self._allowed = allowed_globals()
        self._user = user_allowed_globals()
        self._allowed_ids = {id(v) for v in self._allowed.values()} | {id(v) for v in self._user.values()}

    def persistent_load(self, pid):
        raise pickle.UnpicklingError("unsupported persistent id encountered")

    # stack helpers
    def _pop_mark(self):
        items = self.stack
        if not self.metastack:
            raise pickle.UnpicklingError("could not find MARK")
        self.stack = self.metastack.pop()
        return items

    def _pop(self):
        if not self.stack:
            raise pickle.UnpicklingError("unpickling stack underflow")
        return self.stack.pop()

    def _top(self):
        if not self.stack:
            raise pickle.UnpicklingError("unpickling stack underflow")
        return self.stack[-1]

    def _resolve_global(self, module, name):
        module, name = _map_name(module, name)
        full = f"{module}.{name}"
        if module in _BLOCKED_MODULES:
            raise pickle.UnpicklingError(f"Trying to load unsupported GLOBAL {full} whose module {module} is "
                                         "blocked.")
        if full in self._allowed:
            obj = self._allowed[full]
        elif full in self._user:
            obj = self._user[full]
        elif full in ("torch.nested._internal.nested_tensor.NestedTensor",
                      "torch.nested._internal.nested_tensor._rebuild_njt", "torch._dynamo.decorators._DimRange"):
            raise pickle.UnpicklingError("``torch.nested`` and ``torch._dynamo`` must be imported to load nested "
                                         "jagged tensors (NJTs)")
        elif full.startswith("torch.distributed.") and full.rsplit(".", 1)[-1] in (
                "DeviceMesh", "DTensorSpec", "TensorMeta", "DTensor", "Partial", "Replicate", "Shard"):
            raise pickle.UnpicklingError("``torch.distributed.tensor`` must be imported to load DTensors")
        else:
            raise _not_allowed(full)
        if isinstance(obj, Unsupported):
            obj.fail()
        return obj

    def load(self):
        self.stack = []
        self.metastack = []
        read = self.read
        dispatch = self._dispatch
        while True:
            key = read(1)
            if not key:
                raise EOFError
            op = key[0]
            handler = dispatch.get(op)
            if handler is None:
                raise pickle.UnpicklingError(f"Unsupported operand {op}")
            if handler is _STOP:
                return self._pop()
            handler(self)

    # ---- opcode handlers -----------------------------------------------------------------------------------
    def _proto(self):
        self.proto = self.read(1)[0]
        if self.proto != 2:
            warnings.warn(f"Detected pickle protocol {self.proto} in the checkpoint, which was not the default "
                          "pickle protocol used by `torch.load` (2). torchjax's weights_only unpickler accepts the "
                          "data opcodes of protocols 2-5.", stacklevel=4)

    def _frame(self):
        self.read(8)

    def _global(self):
        module = self.readline()[:-1].decode("utf-8")
        name = self.readline()[:-1].decode("utf-8")
        self.stack.append(self._resolve_global(module, name))

    def _stack_global(self):
        name = self._pop()
        module = self._pop()
        if type(name) is not str or type(module) is not str:
            raise pickle.UnpicklingError("STACK_GLOBAL requires str")
        self.stack.append(self._resolve_global(module, name))

    def _check_allowed(self, obj):
        return id(obj) in self._allowed_ids

    def _newobj(self):
        args = self._pop()
        cls = self._pop()
        if not isinstance(args, tuple):
            raise pickle.UnpicklingError("NEWOBJ expected an argument tuple")
        if cls is self._allowed["torch.nn.parameter.Parameter"]:
            self.stack.append(cls(*args))
        elif self._check_allowed(cls) and isinstance(cls, type):
            self.stack.append(cls.__new__(cls, *args))
        else:
            raise pickle.UnpicklingError("Can only create new object for nn.Parameter or classes allowlisted via "
                                         f"`add_safe_globals` but got {cls}")

    def _reduce(self):
        args = self._pop()
        func = self._top()
        if not self._check_allowed(func):
            msg = f"Trying to call reduce for unrecognized function {func}"
            if hasattr(func, "__self__"):
                msg += f" which belongs to {func.__self__}"
            raise pickle.UnpicklingError(msg)
        if not isinstance(args, tuple):
            raise pickle.UnpicklingError("REDUCE expected an argument tuple")
        self.stack[-1] = func(*args)

    def _build(self):
        from ._tensor import Tensor
        state = self._pop()
        inst = self._top()
        t = type(inst)
        if t is Tensor:
            from .serialization import _legacy_set_state
            _legacy_set_state(inst, state)
        elif t is self._allowed["torch.nn.parameter.Parameter"]:
            from .serialization import _set_obj_state
            _set_obj_state(inst, state)
        elif t is OrderedDict:
            if not isinstance(state, dict):
                raise pickle.UnpicklingError("OrderedDict state must be a dict")
            inst.__dict__.update(state)
        elif id(t) in self._allowed_ids:
            try:
                setstate = getattr(inst, "__setstate__", None)
                if setstate is not None:
                    setstate(state)
                else:
                    slotstate = None
                    if isinstance(state, tuple) and len(state) == 2:
                        state, slotstate = state
                    if state:
                        inst.__dict__.update(state)
                    if slotstate:
                        for k, v in slotstate.items():
                            setattr(inst, k, v)
            except (AttributeError, TypeError, ValueError) as e:
                raise pickle.UnpicklingError(f"Cannot set the state of a {t}: {e}") from None
        else:
            raise pickle.UnpicklingError("Can only build Tensor, Parameter, OrderedDict or types allowlisted via "
                                         f"`add_safe_globals`, but got {t}")

    def _append(self):
        item = self._pop()
        lst = self._top()
        if type(lst) is not list:
            raise pickle.UnpicklingError(f"Can only append to lists, but got {type(lst)}")
        lst.append(item)

    def _appends(self):
        items = self._pop_mark()
        lst = self._top()
        if type(lst) is not list:
            raise pickle.UnpicklingError(f"Can only extend lists, but got {type(lst)}")
        lst.extend(items)

    def _check_dict(self, opcode):
        if type(self._top()) not in (dict, OrderedDict, Counter):
            raise pickle.UnpicklingError(f"Can only {opcode} for dict, collections.OrderedDict, collections.Counter, "
                                         f"but got {type(self.stack[-1])}")

    def _setitem(self):
        v = self._pop()
        k = self._pop()
        self._check_dict("SETITEM")
        self.stack[-1][k] = v

    def _setitems(self):
        items = self._pop_mark()
        self._check_dict("SETITEMS")
        if len(items) % 2:
            raise pickle.UnpicklingError("odd number of items for SETITEMS")
        d = self.stack[-1]
        for i in range(0, len(items), 2):
            d[items[i]] = items[i + 1]

    def _additems(self):
        items = self._pop_mark()
        s = self._top()
        if type(s) is not set:
            raise pickle.UnpicklingError(f"Can only add items to sets, but got {type(s)}")
        s.update(items)

    def _frozenset(self):
        items = self._pop_mark()
        self.stack.append(frozenset(items))

    def _mark(self):
        self.metastack.append(self.stack)
        self.stack = []

    def _tuple(self):
        items = self._pop_mark()
        self.stack.append(tuple(items))

    def _tuple1(self):
        self.stack[-1:] = [(self._top(),)]

    def _tuple2(self):
        if len(self.stack) < 2:
            raise pickle.UnpicklingError("unpickling stack underflow")
        self.stack[-2:] = [tuple(self.stack[-2:])]

    def _tuple3(self):
        if len(self.stack) < 3:
            raise pickle.UnpicklingError("unpickling stack underflow")
        self.stack[-3:] = [tuple(self.stack[-3:])]

    def _binint(self):
        self.stack.append(struct.unpack("<i", self._readn(4))[0])

    def _binint1(self):
        self.stack.append(self._readn(1)[0])

    def _binint2(self):
        self.stack.append(struct.unpack("<H", self._readn(2))[0])

    def _long1(self):
        n = self._readn(1)[0]
        self.stack.append(pickle.decode_long(self._readn(n)))

    def _long4(self):
        n = struct.unpack("<i", self._readn(4))[0]
        if n < 0:
            raise pickle.UnpicklingError("LONG pickle has negative byte count")
        self.stack.append(pickle.decode_long(self._readn(n)))

    def _binfloat(self):
        self.stack.append(struct.unpack(">d", self._readn(8))[0])

    def _readn(self, n):
        data = self.read(n)
        if len(data) != n:
            raise pickle.UnpicklingError("pickle data was truncated")
        return data

    def _unicode(self, n):
        self.stack.append(str(self._readn(n), "utf-8", "surrogatepass"))

    def _binunicode(self):
        self._unicode(struct.unpack("<I", self._readn(4))[0])

    def _short_binunicode(self):
        self._unicode(self._readn(1)[0])

    def _binunicode8(self):
        self._unicode(struct.unpack("<Q", self._readn(8))[0])

    def _py2_string(self, n):
        data = self._readn(n)
        if self.encoding != "bytes":
            data = data.decode(self.encoding, "strict")
        self.stack.append(data)

    def _short_binstring(self):
        self._py2_string(self._readn(1)[0])

    def _binstring(self):
        n = struct.unpack("<i", self._readn(4))[0]
        if n < 0:
            raise pickle.UnpicklingError("BINSTRING pickle has negative byte count")
        self._py2_string(n)

    def _binbytes(self):
        self.stack.append(self._readn(struct.unpack("<I", self._readn(4))[0]))

    def _short_binbytes(self):
        self.stack.append(self._readn(self._readn(1)[0]))

    def _binbytes8(self):
        self.stack.append(self._readn(struct.unpack("<Q", self._readn(8))[0]))

    def _bytearray8(self):
        self.stack.append(bytearray(self._readn(struct.unpack("<Q", self._readn(8))[0])))

    def _binpersid(self):
        pid = self._pop()
        if type(pid) is not tuple and type(pid) is not int:
            raise pickle.UnpicklingError(f"persistent_load id must be tuple or int, but got {type(pid)}")
        if type(pid) is tuple and len(pid) > 0:
            tag = pid[0].decode("ascii") if isinstance(pid[0], bytes) else pid[0]
            if tag != "storage":
                raise pickle.UnpicklingError(f"Only persistent_load of storage is allowed, but got {type(pid[0])}")
        self.stack.append(self.persistent_load(pid))

    def _get(self, idx):
        if idx not in self.memo:
            raise pickle.UnpicklingError(f"Memo value not found at index {idx}")
        self.stack.append(self.memo[idx])

    def _binget(self):
        self._get(self._readn(1)[0])

    def _long_binget(self):
        self._get(struct.unpack("<I", self._readn(4))[0])

    def _binput(self):
        self.memo[self._readn(1)[0]] = self._top()

    def _long_binput(self):
        self.memo[struct.unpack("<I", self._readn(4))[0]] = self._top()

    def _memoize(self):
        self.memo[len(self.memo)] = self._top()

    def _const(value):
        def f(self):
            self.stack.append(value)
        return f

    def _fresh(factory):
        def f(self):
            self.stack.append(factory())
        return f

    _dispatch = {
        pickle.PROTO[0]: _proto, pickle.FRAME[0]: _frame,
        pickle.GLOBAL[0]: _global, pickle.STACK_GLOBAL[0]: _stack_global,
        pickle.NEWOBJ[0]: _newobj, pickle.REDUCE[0]: _reduce, pickle.BUILD[0]: _build,
        pickle.APPEND[0]: _append, pickle.APPENDS[0]: _appends,
        pickle.SETITEM[0]: _setitem, pickle.SETITEMS[0]: _setitems, pickle.ADDITEMS[0]: _additems,
        pickle.FROZENSET[0]: _frozenset,
        pickle.MARK[0]: _mark, pickle.TUPLE[0]: _tuple, pickle.TUPLE1[0]: _tuple1, pickle.TUPLE2[0]: _tuple2,
        pickle.TUPLE3[0]: _tuple3,
        pickle.NONE[0]: _const(None), pickle.NEWFALSE[0]: _const(False), pickle.NEWTRUE[0]: _const(True),
        pickle.EMPTY_TUPLE[0]: _const(()), pickle.EMPTY_LIST[0]: _fresh(list), pickle.EMPTY_DICT[0]: _fresh(dict),
        pickle.EMPTY_SET[0]: _fresh(set),
        pickle.BININT[0]: _binint, pickle.BININT1[0]: _binint1, pickle.BININT2[0]: _binint2,
        pickle.LONG1[0]: _long1, pickle.LONG4[0]: _long4, pickle.BINFLOAT[0]: _binfloat,
        pickle.BINUNICODE[0]: _binunicode, pickle.SHORT_BINUNICODE[0]: _short_binunicode,
        pickle.BINUNICODE8[0]: _binunicode8,
        pickle.SHORT_BINSTRING[0]: _short_binstring, pickle.BINSTRING[0]: _binstring,
        pickle.BINBYTES[0]: _binbytes, pickle.SHORT_BINBYTES[0]: _short_binbytes, pickle.BINBYTES8[0]: _binbytes8,
        pickle.BYTEARRAY8[0]: _bytearray8,
        pickle.BINPERSID[0]: _binpersid,
        pickle.BINGET[0]: _binget, pickle.LONG_BINGET[0]: _long_binget,
        pickle.BINPUT[0]: _binput, pickle.LONG_BINPUT[0]: _long_binput, pickle.MEMOIZE[0]: _memoize,
    }
    del _const, _fresh


_STOP = object()
Unpickler._dispatch[pickle.STOP[0]] = _STOP


def load(file, *, encoding="ASCII", persistent_load=None):
    return Unpickler(file, encoding=encoding, persistent_load=persistent_load).load()


def get_globals_in_pkl(data):
    """The `module.name` of every GLOBAL/STACK_GLOBAL in a pickle, read without running it."""
    import io
    import pickletools
    found = set()
    strings = []
    for opcode, arg, _ in pickletools.genops(io.BytesIO(data)):
        if opcode.name == "GLOBAL":
            module, name = arg.split(" ", 1)
            module, name = _map_name(module, name)
            found.add(f"{module}.{name}")
        elif opcode.name == "STACK_GLOBAL" and len(strings) >= 2:
            found.add(f"{strings[-2]}.{strings[-1]}")
        if isinstance(arg, str) and "UNICODE" in opcode.name:
            strings.append(arg)
    return found
