"""torch.Size: a tuple subclass that prints as torch does."""
import math


class Size(tuple):
    __slots__ = ()

    def __new__(cls, seq=()):
        if not isinstance(seq, tuple):
            seq = tuple(seq)
        for s in seq:
            if not isinstance(s, int) or isinstance(s, bool):
                if type(s).__name__ == "_DimExpr":  # a symbolic dimension (jax.export shape polymorphism)
                    continue
                if hasattr(s, "__index__") and not isinstance(s, bool):
                    return tuple.__new__(cls, tuple(int(x.__index__()) if hasattr(x, "__index__") else x for x in seq))
                raise TypeError(f"torch.Size() takes an iterable of 'int' (item {seq.index(s)} is "
                                f"'{type(s).__name__}')")
        return tuple.__new__(cls, seq)

    def __repr__(self):
        return f"torch.Size([{', '.join(str(s) for s in self)}])"

    __str__ = __repr__

    def __getitem__(self, item):
        r = tuple.__getitem__(self, item)
        return Size(r) if isinstance(item, slice) else r

    def __add__(self, other):
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple(self) + tuple(other))

    def __radd__(self, other):
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple(other) + tuple(self))

    def __mul__(self, n):
        return Size(tuple(self) * n)

    __rmul__ = __mul__

    def numel(self):
        return math.prod(self)

    def __reduce__(self):
        return (Size, (tuple(self),))
