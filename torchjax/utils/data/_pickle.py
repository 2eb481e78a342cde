"""Pickling for DataLoader worker processes: classes and functions that cannot be found by name in a fresh
interpreter (defined in ``__main__``, inside functions, lambdas) are sent by value.

torchjax workers are fresh interpreters (JAX is not fork-safe), so the dataset, collate_fn and worker_init_fn
travel by pickle. Under ``fork`` torch never needs to pickle them, and scripts rely on that: a Dataset class
defined in the script, a lambda transform. Sending those by value (code, referenced globals, closure, defaults)
keeps such scripts working without re-running the script in every worker.

Each by-value object carries a token; the receiving side remembers it, so sending the object back (a sample whose
class was defined in the parent's ``__main__``) gives the original object on the original side.
"""
import builtins
import collections
import dataclasses
import dis
import importlib
import io
import marshal
import pickle
import sys
import types
import uuid
import weakref

__all__ = ["dumps", "loads", "Pickler"]

_token_of = weakref.WeakKeyDictionary()  # by-value object -> token
_object_of = weakref.WeakValueDictionary()  # token -> object (originals and reconstructions)
_fresh = weakref.WeakSet()  # reconstructions whose state has not been filled in yet
_globals_by_module = {}  # module name -> the globals dict reconstructed functions of that module share
_GLOBAL_OPS = {"LOAD_GLOBAL", "STORE_GLOBAL", "DELETE_GLOBAL", "LOAD_NAME", "STORE_NAME", "DELETE_NAME"}
_SKIP_CLASS_ATTRS = {"__dict__", "__weakref__", "_abc_impl", "__orig_bases__", "__parameters__"}


def _token(obj):
    t = _token_of.get(obj)
    if t is None:
        t = uuid.uuid4().hex
        _token_of[obj] = t
        _object_of[t] = obj
    return t


def _findable(obj):
    """Whether pickle's by-name lookup (module + qualname) finds this very object."""
    module = getattr(obj, "__module__", None)
    qualname = getattr(obj, "__qualname__", None)
    if not module or not qualname or module == "__main__" or "<locals>" in qualname or "<lambda>" in qualname:
        return False
    mod = sys.modules.get(module)
    if mod is None:
        try:
            mod = importlib.import_module(module)
        except Exception:  # noqa: BLE001 - not importable: send by value
            return False
    found = mod
    for part in qualname.split("."):
        found = getattr(found, part, None)
        if found is None:
            return False
    return found is obj


def _code_globals(code, names=None):
    names = set() if names is None else names
    for ins in dis.get_instructions(code):
        if ins.opname in _GLOBAL_OPS:
            names.add(ins.argval)
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            _code_globals(c, names)
    return names


def _module_globals(module):
    if module == "__main__":
        return sys.modules["__main__"].__dict__
    g = _globals_by_module.get(module)
    if g is None:
        g = _globals_by_module[module] = {"__builtins__": builtins, "__name__": module}
    return g


# ---- reconstruction (runs on the receiving side) -----------------------------------------------------------------

def _make_function(token, code, name, qualname, module, ncells):
    known = _object_of.get(token)
    if known is not None:
        return known
    closure = tuple(types.CellType() for _ in range(ncells)) or None
    f = types.FunctionType(marshal.loads(code), _module_globals(module), name, None, closure)
    f.__qualname__ = qualname
    f.__module__ = module
    _token_of[f] = token
    _object_of[token] = f
    _fresh.add(f)
    return f


_EMPTY_CELL = "__torchjax_empty_cell__"


def _fill_function(f, state):
    if f not in _fresh:
        return
    _fresh.discard(f)
    g = f.__globals__
    for k, v in state["globals"].items():
        g.setdefault(k, v)
    f.__defaults__ = state["defaults"]
    f.__kwdefaults__ = state["kwdefaults"]
    f.__doc__ = state["doc"]
    if state["dict"]:
        f.__dict__.update(state["dict"])
    for cell, value in zip(f.__closure__ or (), state["cells"]):
        if not (isinstance(value, str) and value == _EMPTY_CELL):
            cell.cell_contents = value


def _make_class(token, metaclass, name, qualname, module, bases, slots):
    known = _object_of.get(token)
    if known is not None:
        return known
    ns = {"__module__": module, "__qualname__": qualname}
    if slots is not None:
        ns["__slots__"] = slots
    cls = metaclass(name, bases, ns)
    _token_of[cls] = token
    _object_of[token] = cls
    _fresh.add(cls)
    if module == "__main__" and qualname == name:
        sys.modules["__main__"].__dict__.setdefault(name, cls)
    return cls


def _fill_class(cls, state):
    if cls not in _fresh:
        return
    _fresh.discard(cls)
    dc = state.pop("__torchjax_dataclass__", None)
    for k, v in state.items():
        setattr(cls, k, v)
    if dc is not None:
        params, fields = dc
        for spec in fields:
            setattr(cls, spec["name"], dataclasses.field(**spec["kwargs"]))
        dataclasses.dataclass(cls, **params)


def _make_namedtuple(token, name, qualname, module, fields, defaults):
    known = _object_of.get(token)
    if known is not None:
        return known
    cls = collections.namedtuple(name, fields, defaults=defaults, module=module)
    cls.__qualname__ = qualname
    _token_of[cls] = token
    _object_of[token] = cls
    if module == "__main__" and qualname == name:
        sys.modules["__main__"].__dict__.setdefault(name, cls)
    return cls


def _import(name):
    return importlib.import_module(name)


_DATACLASS_GENERATED = {"__init__", "__repr__", "__eq__", "__hash__", "__lt__", "__le__", "__gt__", "__ge__",
                        "__setattr__", "__delattr__", "__dataclass_fields__", "__dataclass_params__",
                        "__match_args__"}


def _dataclass_state(cls, state):
    """Field specs and decorator parameters; the generated methods are rebuilt by applying @dataclass again."""
    p = cls.__dataclass_params__
    params = {k: getattr(p, k) for k in ("init", "repr", "eq", "order", "unsafe_hash", "frozen")}
    fields = []
    for f in cls.__dataclass_fields__.values():
        if f._field_type is not dataclasses._FIELD:
            continue  # ClassVar / InitVar pseudo-fields stay plain annotations
        kwargs = {"init": f.init, "repr": f.repr, "hash": f.hash, "compare": f.compare,
                  "metadata": dict(f.metadata) or None, "kw_only": f.kw_only}
        if f.default is not dataclasses.MISSING:
            kwargs["default"] = f.default
        if f.default_factory is not dataclasses.MISSING:
            kwargs["default_factory"] = f.default_factory
        fields.append({"name": f.name, "kwargs": kwargs})
        state.pop(f.name, None)
    for k in _DATACLASS_GENERATED:
        state.pop(k, None)
    state["__torchjax_dataclass__"] = (params, fields)
    return state


# ---- the pickler ---------------------------------------------------------------------------------------------

class Pickler(pickle.Pickler):
    def reducer_override(self, obj):
        t = type(obj)
        if t is types.ModuleType:
            return _import, (obj.__name__,)
        if t is types.FunctionType:
            return NotImplemented if _findable(obj) else self._function(obj)
        if isinstance(obj, type):
            return NotImplemented if _findable(obj) else self._class(obj)
        if t is staticmethod or t is classmethod:
            return t, (obj.__func__,)
        if t is property:
            return property, (obj.fget, obj.fset, obj.fdel, obj.__doc__)
        if t is types.MappingProxyType:
            return types.MappingProxyType, (dict(obj),)
        if obj is dataclasses.MISSING:
            return getattr, (dataclasses, "MISSING")
        return NotImplemented

    def _function(self, f):
        code = f.__code__
        g = f.__globals__
        names = _code_globals(code)
        used = {n: g[n] for n in names if n in g and n != "__builtins__"}
        cells = []
        for cell in f.__closure__ or ():
            try:
                cells.append(cell.cell_contents)
            except ValueError:
                cells.append(_EMPTY_CELL)
        module = f.__module__ if f.__module__ is not None else g.get("__name__", "__main__")
        state = {"globals": used, "defaults": f.__defaults__, "kwdefaults": f.__kwdefaults__, "doc": f.__doc__,
                 "dict": dict(f.__dict__), "cells": cells}
        args = (_token(f), marshal.dumps(code), f.__name__, f.__qualname__, module, len(f.__closure__ or ()))
        return _make_function, args, state, None, None, _fill_function

    def _class(self, cls):
        token = _token(cls)
        if issubclass(cls, tuple) and hasattr(cls, "_fields") and cls.__bases__ == (tuple,):
            defaults = tuple(cls._field_defaults[f] for f in cls._fields if f in cls._field_defaults) or None
            return _make_namedtuple, (token, cls.__name__, cls.__qualname__, cls.__module__, cls._fields, defaults)
        slots = cls.__dict__.get("__slots__")
        if isinstance(slots, str):
            slots = (slots,)
        slot_names = set(slots or ())
        state = {k: v for k, v in cls.__dict__.items()
                 if k not in _SKIP_CLASS_ATTRS and k not in slot_names and k not in ("__module__", "__qualname__",
                                                                                      "__slots__")}
        if dataclasses.is_dataclass(cls) and "__dataclass_fields__" in cls.__dict__:
            state = _dataclass_state(cls, state)
        args = (token, type(cls), cls.__name__, cls.__qualname__, cls.__module__, cls.__bases__,
                tuple(slots) if slots is not None else None)
        return _make_class, args, state, None, None, _fill_class


def dumps(obj):
    buf = io.BytesIO()
    Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL).dump(obj)
    return buf.getvalue()


def loads(data):
    return pickle.loads(data)
