"""The by-value pickler that ships __main__ classes, lambdas and closures to worker interpreters."""
import os
import subprocess
import sys
import textwrap

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

PARENT = textwrap.dedent('''
    import dataclasses, enum, functools, sys
    from collections import namedtuple
    import numpy as np
    import torchjax
    from torchjax.utils.data import Dataset, _pickle

    OFFSET = 100
    Pair = namedtuple("Pair", "a b", defaults=[7])

    class Base(Dataset):
        scale = 2

        def __init__(self, n):
            self.n = n

        def __len__(self):
            return self.n

        @staticmethod
        def twice(v):
            return 2 * v

        @classmethod
        def make(cls, n):
            return cls(n)

        @property
        def size(self):
            return self.n

    class Child(Base):
        __slots__ = ()

        def __getitem__(self, i):
            return super().__len__() + self.twice(i) * self.scale + OFFSET

    @dataclasses.dataclass
    class Config:
        lr: float = 0.1

    def fib(n):
        return n if n < 2 else fib(n - 1) + fib(n - 2)

    def make_counter(start):
        count = [start]

        def step(k=1):
            count[0] += k
            return count[0]
        return step

    def gen(n):
        yield from range(n)

    payload = {
        "child": Child.make(3), "cls": Child, "lam": lambda x, y=3: x * y + OFFSET, "fib": fib,
        "counter": make_counter(10), "partial": functools.partial(fib, 10), "pair": Pair(1), "gen": gen,
        "config": Config(0.5), "array": np.arange(3), "tensor": torchjax.arange(4),
    }
    sys.stdout.buffer.write(_pickle.dumps(payload))
''')

CHILD = textwrap.dedent('''
    import sys
    from torchjax.utils.data import _pickle
    p = _pickle.loads(sys.stdin.buffer.read())
    c = p["child"]
    results = {
        "item": c[1], "len": len(c), "size": c.size, "lam": p["lam"](2), "fib": p["fib"](10),
        "counter": (p["counter"](), p["counter"](5)), "partial": p["partial"](), "pair": tuple(p["pair"]),
        "gen": list(p["gen"](3)), "config": p["config"].lr, "array": p["array"].tolist(),
        "tensor": p["tensor"].tolist(), "isinstance": isinstance(c, p["cls"]),
        "cls_back": p["cls"], "obj_back": c, "pair_back": p["pair"],
    }
    sys.stdout.buffer.write(_pickle.dumps(results))
''')

CHECK = textwrap.dedent('''
    import subprocess
    reply = subprocess.run([sys.executable, "-c", CHILD], input=_pickle.dumps(payload), capture_output=True,
                           timeout=120)
    assert reply.returncode == 0, reply.stderr.decode()[-2000:]
    r = _pickle.loads(reply.stdout)
    assert r["item"] == 3 + 2 * 1 * 2 + 100, r["item"]
    assert (r["len"], r["size"], r["lam"], r["fib"]) == (3, 3, 106, 55), r
    assert r["counter"] == (11, 16) and r["partial"] == 55 and r["pair"] == (1, 7) and r["gen"] == [0, 1, 2]
    assert r["config"] == 0.5 and r["array"] == [0, 1, 2] and r["tensor"] == [0, 1, 2, 3] and r["isinstance"]
    # objects whose classes were sent by value come back as instances of this process's own classes
    assert r["cls_back"] is Child and type(r["obj_back"]) is Child and type(r["pair_back"]) is Pair
    print("round trip ok")
''')


def test_main_objects_round_trip_through_a_fresh_interpreter(tmp_path):
    """__main__ classes (with super(), staticmethod, classmethod, property, slots), a dataclass, a namedtuple,
    lambdas with defaults, closures, recursion, partials and generators go to a fresh interpreter and back."""
    script = tmp_path / "parent.py"
    script.write_text(PARENT.replace("sys.stdout.buffer.write(_pickle.dumps(payload))",
                                     f"CHILD = {CHILD!r}\n") + CHECK)
    env = dict(os.environ, PYTHONPATH=ROOT)
    res = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=240)
    assert res.returncode == 0, res.stderr[-3000:]
    assert "round trip ok" in res.stdout


def test_reply_maps_back_to_the_original_classes_in_process():
    from torchjax.utils.data import _pickle

    class Local:
        def __init__(self, v):
            self.v = v

    data = _pickle.dumps(Local(3))
    # simulate the worker: forget the token mapping on the receiving side by rebuilding from bytes after clearing
    token = _pickle._token_of[Local]
    del _pickle._object_of[token]
    clone = _pickle.loads(data)
    assert type(clone) is not Local and type(clone).__name__ == "Local" and clone.v == 3
    _pickle._object_of[token] = Local  # the parent still knows its class: a reply resolves to it
    back = _pickle.loads(_pickle.dumps(clone))
    assert type(back) is Local and back.v == 3
