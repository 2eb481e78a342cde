"""nn.Module, Parameter and containers against real torch: printing, state_dict, loading, traversal, hooks."""
import copy
import pickle
from collections import OrderedDict

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torchjax  # noqa: E402

from tests._compare import assert_same, check_error  # noqa: E402
from tests.nn._helpers import copy_state, pair, randn, tj  # noqa: E402

LIBS = (torch, torchjax)


def both(fn):
    return fn(torch), fn(torchjax)


def _net(xp):
    nn = xp.nn

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 3)
            self.act = nn.ReLU()
            self.register_buffer("steps", xp.zeros(2))
            self.register_buffer("tmp", xp.ones(1), persistent=False)
            self.scale = nn.Parameter(xp.ones(3))

        def forward(self, x):
            return self.act(self.fc(x)) * self.scale

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.block = Block()
            self.seq = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2, bias=False))
            self.heads = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
            self.named = nn.ModuleDict({"b": nn.Identity(), "a": nn.Flatten()})
            self.none_child = None

        def forward(self, x):
            x = self.seq(self.block(x))
            for h in self.heads:
                x = h(x)
            return x
    return Net()


def test_repr_nested():
    t, j = both(_net)
    assert repr(t) == repr(j)
    assert str(t) == str(j)


@pytest.mark.parametrize("build", [
    lambda nn: nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 2)]),
    lambda nn: nn.ModuleList(),
    lambda nn: nn.Sequential(),
    lambda nn: nn.Sequential(OrderedDict([("conv", nn.Linear(1, 1)), ("act", nn.ReLU(inplace=True))])),
    lambda nn: nn.ModuleDict({"x": nn.Sigmoid()}),
    lambda nn: nn.Hardtanh(-2.0, 3.0, inplace=True),
    lambda nn: nn.LeakyReLU(0.2),
    lambda nn: nn.GELU("tanh"),
    lambda nn: nn.Softmax(dim=1),
    lambda nn: nn.Unflatten(1, (2, 3)),
    lambda nn: nn.Bilinear(2, 3, 4, bias=False),
    lambda nn: nn.PReLU(3),
])
def test_module_repr(build):
    assert repr(build(torch.nn)) == repr(build(torchjax.nn))


def test_parameter_list_dict_repr():
    def b(xp):
        pl = xp.nn.ParameterList([xp.nn.Parameter(xp.ones(2, 3)), xp.zeros(4)])
        pl.append("hello")
        pd = xp.nn.ParameterDict({"b": xp.nn.Parameter(xp.ones(2)), "a": xp.zeros(3, dtype=xp.float64)})
        return repr(pl), repr(pd), len(pl), list(pd.keys()), [n for n, _ in pl.named_parameters()]
    assert b(torch) == b(torchjax)


def test_parameter_repr_and_aliasing():
    for xp in LIBS:
        t = xp.tensor([1.0, 2.0])
        p = xp.nn.Parameter(t)
        assert isinstance(p, xp.nn.Parameter) and isinstance(p, xp.Tensor)
        assert p.requires_grad and p.is_leaf
        t.add_(1)
        assert p.tolist() == [2.0, 3.0]  # shares t's storage
    assert repr(torch.nn.Parameter(torch.tensor([1.0, 2.5]))) == repr(torchjax.nn.Parameter(torchjax.tensor([1.0, 2.5])))
    assert repr(torch.nn.Parameter(torch.tensor([1.0]), requires_grad=False)) == \
        repr(torchjax.nn.Parameter(torchjax.tensor([1.0]), requires_grad=False))
    assert repr(torch.nn.Parameter()) == repr(torchjax.nn.Parameter())
    # an op on a parameter gives a plain tensor
    for xp in LIBS:
        p = xp.nn.Parameter(xp.ones(2))
        assert type(p * 2) is xp.Tensor
        assert type(p.detach()) is xp.Tensor
        assert type(p.data) is xp.Tensor
    assert repr(torch.nn.UninitializedParameter()) == repr(torchjax.nn.UninitializedParameter())
    assert repr(torch.nn.UninitializedBuffer()) == repr(torchjax.nn.UninitializedBuffer())


def test_buffer_class():
    def b(xp):
        m = xp.nn.Module()
        m.a = xp.nn.Buffer(xp.ones(2))
        m.b = xp.nn.Buffer(xp.zeros(1), persistent=False)
        m.c = xp.ones(3)  # plain attribute
        return list(m.state_dict().keys()), [n for n, _ in m.named_buffers()], isinstance(m.a, xp.nn.Buffer)
    assert b(torch) == b(torchjax)


def test_state_dict_keys_order_metadata():
    t, j = both(_net)
    ts, js = t.state_dict(), j.state_dict()
    assert list(ts.keys()) == list(js.keys())
    assert ts._metadata == js._metadata
    for k in ts:
        assert tuple(ts[k].shape) == tuple(js[k].shape)
        assert not js[k].requires_grad
    kt = t.state_dict(keep_vars=True)
    kj = j.state_dict(keep_vars=True)
    assert [type(v).__name__ for v in kt.values()] == [type(v).__name__ for v in kj.values()]
    assert list(t.state_dict(prefix="model.").keys()) == list(j.state_dict(prefix="model.").keys())
    assert t.state_dict(prefix="model.")._metadata == j.state_dict(prefix="model.")._metadata


def test_state_dict_shares_storage():
    m = torchjax.nn.Linear(2, 2)
    sd = m.state_dict()
    sd["weight"].zero_()
    assert m.weight.abs().sum().item() == 0


def test_load_state_dict_roundtrip_and_messages():
    t, j = both(_net)
    copy_state(j, t)
    x = randn(6, 4)
    assert_same(t(torch.tensor(x)), j(torchjax.tensor(x)))
    sd_t = t.state_dict()
    sd_j = j.state_dict()
    assert repr(t.load_state_dict(sd_t)) == repr(j.load_state_dict(sd_j)) == "<All keys matched successfully>"
    # missing + unexpected keys
    for mutate in (lambda sd, xp: sd.pop("seq.0.weight"),
                   lambda sd, xp: sd.__setitem__("extra.weight", xp.ones(1)),
                   lambda sd, xp: sd.__setitem__("block.zzz", xp.ones(1)),
                   lambda sd, xp: sd.__setitem__("seq.0.bias", xp.ones(7)),
                   lambda sd, xp: sd.__setitem__("heads.0.weight", 3)):
        st, sj = OrderedDict(sd_t), OrderedDict(sd_j)
        mutate(st, torch)
        mutate(sj, torchjax)
        te, je = check_error(lambda xp, s={torch: st, torchjax: sj}: (t if xp is torch else j).load_state_dict(s[xp]))
        assert str(te) == str(je)
        if "size mismatch" not in str(te) and "expected torch.Tensor" not in str(te):
            rt = t.load_state_dict(st, strict=False)
            rj = j.load_state_dict(sj, strict=False)
            assert repr(rt) == repr(rj)
            assert rt.missing_keys == rj.missing_keys and rt.unexpected_keys == rj.unexpected_keys


def test_load_state_dict_assign_and_scalar():
    for xp in LIBS:
        m = xp.nn.Linear(2, 2)
        w = xp.ones(2, 2)
        m.load_state_dict({"weight": w, "bias": xp.zeros(2)}, assign=True)
        assert isinstance(m.weight, xp.nn.Parameter) and m.weight.requires_grad
    te, je = check_error(lambda xp: xp.nn.Linear(2, 2).load_state_dict([1, 2]))
    assert type(te) is type(je)


def test_traversal_prefix_and_dedup():
    def b(xp):
        nn = xp.nn
        shared = nn.Linear(2, 2)
        m = nn.Sequential(shared, nn.ReLU(), shared, nn.Sequential(shared, nn.Linear(2, 1)))
        m.extra = nn.Parameter(xp.ones(1))
        m[3][1].weight = m.extra  # the same parameter registered twice
        return ([n for n, _ in m.named_parameters()], [n for n, _ in m.named_parameters(prefix="p")],
                [n for n, _ in m.named_parameters(remove_duplicate=False)],
                [n for n, _ in m.named_parameters(recurse=False)],
                [n for n, _ in m.named_modules()], [n for n, _ in m.named_modules(remove_duplicate=False)],
                [n for n, _ in m.named_modules(prefix="root")], [n for n, _ in m.named_children()],
                len(list(m.parameters())), len(list(m.modules())), len(list(m.children())),
                [n for n, _ in m.named_buffers()])
    assert b(torch) == b(torchjax)


def test_train_eval_requires_grad_zero_grad():
    for xp in LIBS:
        m = _net(xp)
        m.eval()
        assert all(not mm.training for mm in m.modules())
        m.train()
        assert all(mm.training for mm in m.modules())
        out = m(xp.ones(2, 4)).sum()
        out.backward()
        assert all(p.grad is not None for p in m.parameters())
        m.zero_grad(set_to_none=False)
        assert all(p.grad is not None and p.grad.abs().sum().item() == 0 for p in m.parameters())
        m.zero_grad()
        assert all(p.grad is None for p in m.parameters())
        m.requires_grad_(False)
        assert not any(p.requires_grad for p in m.parameters())
    check_error(lambda xp: xp.nn.Linear(1, 1).train("yes"))


def test_to_float_double_apply():
    def b(xp):
        m = _net(xp)
        ids = [id(p) for p in m.parameters()]
        m.double()
        d1 = [str(p.dtype) for p in m.parameters()] + [str(b.dtype) for b in m.buffers()]
        same = ids == [id(p) for p in m.parameters()]
        m.to(xp.float32)
        d2 = [str(p.dtype) for p in m.parameters()]
        m.half().float()
        m.to("cpu")
        m.to(device="cpu", dtype=xp.float64)
        d3 = [str(p.dtype) for p in m.parameters()]
        names = []
        m.apply(lambda mod: names.append(type(mod).__name__))
        return d1, same, d2, d3, names
    rt, rj = b(torch), b(torchjax)
    assert [x.replace("torch.", "") for x in rt[0]] == [x.replace("torch.", "") for x in rj[0]]
    assert rt[1] == rj[1] is True
    assert rt[4] == rj[4]
    check_error(lambda xp: xp.nn.Linear(1, 1).to(xp.int64))


def test_to_keeps_grad():
    for xp in LIBS:
        m = xp.nn.Linear(2, 2)
        m(xp.ones(1, 2)).sum().backward()
        g = m.weight.grad
        m.double()
        assert m.weight.grad is not None and m.weight.grad.dtype == xp.float64
        assert m.weight.grad is g


def test_registration_errors():
    cases = [lambda xp: xp.nn.Linear(3, 4).register_buffer("a.b", None),
             lambda xp: xp.nn.Linear(3, 4).register_buffer("", None),
             lambda xp: xp.nn.Linear(3, 4).register_buffer("weight", xp.ones(1)),
             lambda xp: xp.nn.Linear(3, 4).register_buffer("x", 3),
             lambda xp: xp.nn.Linear(3, 4).register_buffer(1, None),
             lambda xp: xp.nn.Linear(3, 4).register_parameter("x", xp.ones(1)),
             lambda xp: xp.nn.Linear(3, 4).register_parameter("x.y", None),
             lambda xp: xp.nn.Linear(3, 4).register_parameter("x", xp.nn.Parameter(xp.ones(1)) * 2),
             lambda xp: setattr(xp.nn.Linear(3, 4), "weight", xp.ones(1)),
             lambda xp: setattr(xp.nn.Sequential(xp.nn.ReLU()), "0", 3),
             lambda xp: xp.nn.Linear(3, 4).add_module("weight", xp.nn.ReLU()),
             lambda xp: xp.nn.Linear(3, 4).add_module("a.b", xp.nn.ReLU()),
             lambda xp: xp.nn.Linear(3, 4).add_module("x", 3),
             lambda xp: xp.nn.Linear(3, 4).get_submodule("foo"),
             lambda xp: xp.nn.Linear(3, 4).get_parameter("foo"),
             lambda xp: xp.nn.Linear(3, 4).get_parameter("in_features"),
             lambda xp: xp.nn.Linear(3, 4).get_buffer("weight"),
             lambda xp: xp.nn.Sequential(xp.nn.ReLU()).get_submodule("0.x"),
             lambda xp: xp.nn.Module().forward(1),
             lambda xp: xp.nn.Module()(1),
             lambda xp: xp.nn.Sequential()[3],
             lambda xp: xp.nn.ModuleList()[0],
             lambda xp: xp.nn.Sequential() + 3,
             lambda xp: xp.nn.Sequential(xp.nn.ReLU()) * 0,
             lambda xp: xp.nn.Linear(3, 4).nothing,
             lambda xp: xp.nn.ParameterList()(1),
             lambda xp: xp.nn.ParameterDict()[3],
             lambda xp: xp.nn.Module(3),
             lambda xp: xp.nn.ModuleList(3),
             lambda xp: xp.nn.Hardtanh(1, 0)]
    for c in cases:
        te, je = check_error(c)
        assert str(te) == str(je).replace("torchjax.", "torch."), (str(te), str(je))


def test_get_submodule_parameter_buffer():
    def b(xp):
        m = _net(xp)
        sub = m.get_submodule("block.fc")
        p = m.get_parameter("seq.0.weight")
        buf = m.get_buffer("block.steps")
        m.set_submodule("seq.1", xp.nn.ReLU())
        return type(sub).__name__, tuple(p.shape), tuple(buf.shape), repr(m.seq)
    assert b(torch) == b(torchjax)


def test_sequential_ops():
    def b(xp):
        nn = xp.nn
        s = nn.Sequential(nn.ReLU(), nn.Tanh(), nn.Sigmoid())
        r = [repr(s[1:]), repr(s[-1]), len(s), repr(s[::2])]
        s.append(nn.Identity())
        s.insert(1, nn.ELU())
        s.insert(-1, nn.SELU())
        s.extend([nn.GELU()])
        r.append(repr(s))
        del s[2]
        r.append(repr(s))
        s[0] = nn.Softsign()
        r.append(repr(s + nn.Sequential(nn.ReLU())))
        s2 = nn.Sequential(nn.ReLU())
        s2 += nn.Sequential(nn.Tanh())
        r.append(repr(s2 * 2))
        s2 *= 2
        r.append(repr(s2))
        r.append(repr(s.pop(0)))
        r.append(repr(s))
        r.append([k for k in dir(s) if k[0].isdigit()])
        return r
    assert b(torch) == b(torchjax)


def test_modulelist_moduledict_ops():
    def b(xp):
        nn = xp.nn
        ml = nn.ModuleList([nn.ReLU(), nn.Tanh()])
        ml.append(nn.ReLU())
        ml.extend([nn.Sigmoid()])
        ml.insert(0, nn.GELU())
        r = [repr(ml), repr(ml[1:3]), len(ml)]
        del ml[1]
        r.append(repr(ml))
        ml[0] = nn.ELU()
        r.append(repr(ml + nn.ModuleList([nn.ReLU()])))
        r.append(repr(ml.pop(1)))
        md = nn.ModuleDict([("x", nn.ReLU()), ("a", nn.Tanh())])
        md["z"] = nn.Sigmoid()
        md.update({"q": nn.Identity()})
        r += [list(md.keys()), "x" in md, len(md), repr(md), repr(md.pop("x")), list(md)]
        md.clear()
        r.append(len(md))
        return r
    assert b(torch) == b(torchjax)


def test_parameter_containers():
    def b(xp):
        nn = xp.nn
        pl = nn.ParameterList([xp.ones(2), nn.Parameter(xp.zeros(3))])
        pl.extend([xp.ones(1)])
        pl[0] = xp.full((2,), 3.0)
        r = [len(pl), [type(p).__name__ for p in pl], [tuple(p.shape) for p in pl[1:]], pl[0].tolist()]
        pd = nn.ParameterDict({"w": xp.ones(2)})
        pd["b"] = nn.Parameter(xp.zeros(1))
        pd.update([("c", xp.ones(1))])
        r += [list(pd.keys()), [type(v).__name__ for v in pd.values()], "w" in pd, len(pd)]
        r.append(list(pd.pop("w").shape))
        r.append(list((pd | nn.ParameterDict({"z": xp.ones(1)})).keys()))
        r.append(list(pd.get("nope", "dflt")))
        r.append(list(dict(pd.named_parameters()).keys()))
        r.append(pd.popitem()[0])
        r.append(list(pd.setdefault("e", xp.ones(1)).shape))
        return r
    assert b(torch) == b(torchjax)


def test_dir_and_delattr():
    for xp in LIBS:
        m = _net(xp)
        d = dir(m)
        for name in ("block", "seq", "forward", "state_dict", "training"):
            assert name in d
        del m.block
        assert "block" not in dict(m.named_children())
        lin = xp.nn.Linear(1, 1)
        del lin.bias
        assert [n for n, _ in lin.named_parameters()] == ["weight"]


def _hook_log(xp):
    nn = xp.nn
    log = []
    m = nn.Sequential(nn.Linear(3, 3), nn.ReLU())

    def pre(mod, args):
        log.append(("pre", type(mod).__name__, len(args)))

    def pre_kw(mod, args, kwargs):
        log.append(("pre_kw", sorted(kwargs)))
        return (args[0] * 2,), kwargs

    def post(mod, args, out):
        log.append(("post", type(mod).__name__, tuple(out.shape)))
        return out + 1

    def post_kw(mod, args, kwargs, out):
        log.append(("post_kw", sorted(kwargs)))

    h1 = m.register_forward_pre_hook(pre)
    m[0].register_forward_pre_hook(pre_kw, with_kwargs=True)
    m[0].register_forward_pre_hook(pre, prepend=True)
    m.register_forward_hook(post)
    m[1].register_forward_hook(post_kw, with_kwargs=True)
    m[1].register_forward_hook(post, prepend=True)
    return m, log, h1


def test_forward_hooks_order_and_results():
    tm, tlog, th = _hook_log(torch)
    jm, jlog, jh = _hook_log(torchjax)
    copy_state(jm, tm)
    x = randn(2, 3)
    assert_same(tm(torch.tensor(x)), jm(torchjax.tensor(x)))
    assert tlog == jlog
    th.remove()
    jh.remove()
    tlog.clear()
    jlog.clear()
    tm(torch.tensor(x))
    jm(torchjax.tensor(x))
    assert tlog == jlog


def test_forward_hook_always_call():
    for xp in LIBS:
        calls = []
        m = xp.nn.Linear(2, 2)
        m.register_forward_hook(lambda mod, a, o: calls.append(1), always_call=True)
        with pytest.raises(RuntimeError):
            m(xp.ones(3))
        assert calls == [1]


def test_full_backward_hooks():
    def b(xp):
        nn = xp.nn
        m = nn.Linear(3, 2)
        log = []

        def pre(mod, gout):
            log.append(("pre", [tuple(g.shape) for g in gout]))

        def hook(mod, gin, gout):
            log.append(("bw", [None if g is None else tuple(g.shape) for g in gin], [tuple(g.shape) for g in gout]))
            return (gin[0] * 3,)

        m.register_full_backward_pre_hook(pre)
        m.register_full_backward_hook(hook)
        return m, log
    (tm, tlog), (jm, jlog) = b(torch), b(torchjax)
    copy_state(jm, tm)
    xt = torch.tensor(randn(4, 3), requires_grad=True)
    xj = tj(xt)
    tm(xt).pow(2).sum().backward()
    jm(xj).pow(2).sum().backward()
    assert tlog == jlog
    assert_same(xt.grad, xj.grad)
    assert_same(tm.weight.grad, jm.weight.grad)


def test_state_dict_hooks():
    def b(xp):
        m = xp.nn.Linear(2, 2)
        log = []
        m.register_state_dict_pre_hook(lambda mod, prefix, keep: log.append(("pre", prefix)))
        m.register_state_dict_post_hook(lambda mod, sd, prefix, meta: log.append(("post", list(sd), meta)))
        m.register_load_state_dict_pre_hook(lambda mod, sd, prefix, *a: log.append(("lpre", prefix, sorted(sd))))
        m.register_load_state_dict_post_hook(lambda mod, keys: log.append(("lpost", repr(keys))))
        sd = m.state_dict(prefix="p.")
        m.load_state_dict(m.state_dict())
        return log, list(sd)
    assert b(torch) == b(torchjax)


def test_extra_state():
    def b(xp):
        class M(xp.nn.Module):
            def __init__(self):
                super().__init__()
                self.v = 3
                self.lin = xp.nn.Linear(1, 1)

            def get_extra_state(self):
                return {"v": self.v}

            def set_extra_state(self, state):
                self.v = state["v"]
        m = M()
        sd = m.state_dict()
        sd["_extra_state"] = {"v": 7}
        m.load_state_dict(sd)
        return list(sd), m.v
    assert b(torch) == b(torchjax)


def test_pickle_and_deepcopy():
    m = _net(torchjax)
    x = torchjax.tensor(randn(2, 4))
    y = m(x)
    m2 = copy.deepcopy(m)
    np.testing.assert_allclose(m2(x).detach().numpy(), y.detach().numpy())
    assert m2.block.fc.weight is not m.block.fc.weight
    assert isinstance(m2.block.fc.weight, torchjax.nn.Parameter)
    nn = torchjax.nn
    s = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3) if hasattr(nn, "BatchNorm1d") else nn.ReLU(),
                      nn.ModuleList([nn.Linear(3, 2)]))
    s.eval()
    ys = s[2][0](s[1](s[0](x)))
    s3 = pickle.loads(pickle.dumps(s))
    np.testing.assert_allclose(s3[2][0](s3[1](s3[0](x))).detach().numpy(), ys.detach().numpy())
    assert list(s3.state_dict()) == list(s.state_dict())
    assert "_compiled_call_impl" not in m.__getstate__()


def test_global_hooks():
    from torchjax.nn.modules import module as jmod
    from torch.nn.modules import module as tmod
    for xp, mod in ((torch, tmod), (torchjax, jmod)):
        log = []
        h = mod.register_module_forward_hook(lambda m, a, o: log.append(type(m).__name__))
        xp.nn.Sequential(xp.nn.ReLU())(xp.ones(1))
        h.remove()
        xp.nn.ReLU()(xp.ones(1))
        assert log == ["ReLU", "Sequential"]


def test_lazy_linear():
    def b(xp):
        m = xp.nn.LazyLinear(3)
        r = [repr(m.weight), type(m).__name__, list(m.state_dict())]
        m(xp.ones(2, 5))
        r += [type(m).__name__, tuple(m.weight.shape), repr(m)]
        return r
    assert b(torch) == b(torchjax)
    tm = torch.nn.LazyLinear(3)
    jm = torchjax.nn.LazyLinear(3)
    jm.load_state_dict({k: tj(v) for k, v in torch.nn.Linear(4, 3).state_dict().items()})
    assert tuple(jm.weight.shape) == (3, 4)
    del tm


def test_linear_forward_backward():
    from tests.nn._helpers import compare_module
    compare_module(lambda nn: nn.Linear(5, 3), [randn(4, 5)])
    compare_module(lambda nn: nn.Linear(5, 3), [randn(2, 4, 5)])
    compare_module(lambda nn: nn.Linear(5, 3, bias=False), [randn(5)])
    compare_module(lambda nn: nn.Bilinear(3, 4, 2), [randn(5, 3), randn(5, 4, seed=1)])
    compare_module(lambda nn: nn.Identity(1, x=2), [randn(3)])
    compare_module(lambda nn: nn.Flatten(), [randn(2, 3, 4)])
    compare_module(lambda nn: nn.Unflatten(1, (2, 2)), [randn(3, 4)])


def test_linear_grad_fn_names():
    for shape, bias in (((2, 3), True), ((2, 3), False), ((2, 5, 3), True), ((2, 5, 3), False), ((3,), True)):
        names = []
        for xp in LIBS:
            x = xp.ones(*shape)
            w = xp.ones(4, 3, requires_grad=True)
            b = xp.ones(4) if bias else None
            names.append(xp.nn.functional.linear(x, w, b).grad_fn.name())
        assert names[0] == names[1]
    for f in (lambda xp: xp.nn.functional.linear(xp.ones(2, 3), xp.ones(4, 5)),
              lambda xp: xp.nn.functional.linear(xp.ones(3), xp.ones(4, 5)),
              lambda xp: xp.nn.functional.linear(xp.ones(2, 3), xp.ones(4, 3, dtype=xp.float64))):
        te, je = check_error(f)
        assert str(te) == str(je)


def test_classes_live_where_torch_defines_them():
    """Each torch.nn class sits in the module file of the same name as in torch (pickled modules name it)."""
    import inspect
    for name in dir(torch.nn):
        t = getattr(torch.nn, name)
        if inspect.isclass(t) and hasattr(torchjax.nn, name) and t.__module__.startswith("torch.nn"):
            assert getattr(torchjax.nn, name).__module__ == "torchjax" + t.__module__[len("torch"):], name
    for name in ("skip_init", "clip_grad_norm_", "parameters_to_vector", "weight_norm", "spectral_norm"):
        assert (getattr(torchjax.nn.utils, name).__module__ ==
                "torchjax" + getattr(torch.nn.utils, name).__module__[len("torch"):]), name


def test_other_backends_raise_like_torch():
    for f in ("xpu", "ipu", "mtia"):
        te, je = check_error(lambda xp: getattr(xp.nn.Linear(2, 2), f)())
        assert str(te) == str(je)
        for xp in LIBS:
            m = xp.nn.ReLU()
            assert getattr(m, f)() is m
