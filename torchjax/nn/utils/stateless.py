"""functional_call: run a module with some parameters/buffers temporarily replaced."""
import contextlib

__all__ = ["functional_call"]


def _get(module, name):
    *path, leaf = name.split(".")
    for p in path:
        module = getattr(module, p)
    return module, leaf


@contextlib.contextmanager
def _reparametrize(module, tensors, tie_weights=False, strict=False):
    saved = []
    try:
        for name, t in tensors.items():
            mod, leaf = _get(module, name)
            if leaf in mod._parameters:
                saved.append((mod, leaf, "_parameters", mod._parameters[leaf]))
                del mod._parameters[leaf]
            elif leaf in mod._buffers:
                saved.append((mod, leaf, "_buffers", mod._buffers[leaf]))
                del mod._buffers[leaf]
            else:
                saved.append((mod, leaf, None, mod.__dict__.get(leaf)))
            object.__setattr__(mod, leaf, t)
        yield
    finally:
        for mod, leaf, where, old in reversed(saved):
            mod.__dict__.pop(leaf, None)
            if where is not None:
                getattr(mod, where)[leaf] = old
            elif old is not None:
                object.__setattr__(mod, leaf, old)


def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *, tie_weights=True, strict=False):
    if isinstance(parameter_and_buffer_dicts, dict):
        tensors = parameter_and_buffer_dicts
    else:
        tensors = {}
        for d in parameter_and_buffer_dicts:
            for k in d:
                if k in tensors:
                    raise ValueError(f"{k} appeared in multiple dictionaries; behavior of functional call is ambiguous")
            tensors.update(d)
    if kwargs is None:
        kwargs = {}
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    with _reparametrize(module, tensors, tie_weights, strict):
        return module(*args, **kwargs)
