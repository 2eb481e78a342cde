"""Guards: the Python-level facts a trace baked in, checked before a compiled computation is reused.

A trace is reused only while
- each lifted storage is still reached through the tensor that reached it during the trace (`p.data = ...` or a
  replaced parameter retraces),
- the modules called during the trace have the same training flags and the same parameter/buffer objects,
- optimizers stepped during the trace have the same code-path flags and state objects,
- whatever else the trace recorded (`Trace.guards`: (fn, expected value) pairs).
"""


def _ids(d):
    return tuple(map(id, d.values()))


class Guards:
    __slots__ = ("pairs", "checks", "mods", "mod_state")

    def __init__(self):
        self.pairs = []  # (tensor, storage): tensor._storage must still be storage
        self.checks = []  # (fn, expected)
        self.mods = []
        self.mod_state = ()

    @classmethod
    def from_capture(cap_cls, cap, module=None):
        g = cap_cls()
        for s in cap.sources:
            if s.kind == "storage" and s.tensor is not None:
                g.pairs.append((s.tensor, s.storage))
        g.checks = list(cap.trace.guards)
        mods = list(cap.trace.modules)
        if module is not None:
            for m in module.modules():
                if not any(m is x for x in mods):
                    mods.append(m)
        g.mods = mods
        g.mod_state = g._module_state()
        return g

    def _module_state(self):
        return tuple((m.training, _ids(m._parameters), _ids(m._buffers)) for m in self.mods)

    def check(self):
        for t, st in self.pairs:
            if t._storage is not st:
                return False
        for fn, expected in self.checks:
            if fn() != expected:
                return False
        if self.mods and self._module_state() != self.mod_state:
            return False
        return True
