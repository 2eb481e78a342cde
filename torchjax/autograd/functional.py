"""torch.autograd.functional: vjp, jvp, jacobian, hessian, vhp, hvp, computed with the eager engine."""
from .. import _ops  # noqa: F401


def _tuple(x):
    return (x,) if not isinstance(x, (tuple, list)) else tuple(x)


def _prep(inputs, create_graph):
    return tuple(i.detach().requires_grad_(True) for i in _tuple(inputs))


def _grad(outputs, inputs, grad_outputs, create_graph, retain_graph=True):
    from . import grad
    return grad(outputs, inputs, grad_outputs, retain_graph=retain_graph, create_graph=create_graph,
                allow_unused=True, materialize_grads=True)


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    from .grad_mode import enable_grad
    single = not isinstance(inputs, (tuple, list))
    with enable_grad():
        ins = _prep(inputs, create_graph)
        out = func(*ins)
        outs = _tuple(out)
        vs = _tuple(v) if v is not None else tuple(None for _ in outs)
        g = _grad(outs, ins, vs, create_graph)
    out = out if create_graph else (tuple(o.detach() for o in outs) if isinstance(out, tuple) else out.detach())
    g = g if create_graph else tuple(x.detach() for x in g)
    return out, (g[0] if single else g)


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    from .grad_mode import enable_grad
    from .._ops.creation import zeros
    from .._ops.shape_views import stack
    single_in = not isinstance(inputs, (tuple, list))
    with enable_grad():
        ins = _prep(inputs, create_graph)
        out = func(*ins)
        single_out = not isinstance(out, tuple)
        outs = _tuple(out)
        jac = []
        for o in outs:
            rows = [[] for _ in ins]
            flat = o.reshape(-1)
            for k in range(flat.numel()):
                gs = _grad((flat[k],), ins, None, create_graph)
                for r, g in zip(rows, gs):
                    r.append(g)
            per_in = []
            for r, i in zip(rows, ins):
                j = stack(r) if r else zeros((0,) + tuple(i.shape), dtype=i.dtype)
                j = j.reshape(tuple(o.shape) + tuple(i.shape))
                per_in.append(j if create_graph else j.detach())
            jac.append(tuple(per_in))
    if single_out:
        return jac[0][0] if single_in else jac[0]
    return tuple(j[0] for j in jac) if single_in else tuple(jac)


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False, outer_jacobian_strategy="reverse-mode"):
    single = not isinstance(inputs, (tuple, list))

    def grad_fn(*ins):
        from .grad_mode import enable_grad
        with enable_grad():
            out = func(*ins)
            g = _grad((out,), ins, None, True)
        return g[0] if single else g
    return jacobian(grad_fn, inputs, create_graph=create_graph)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    # double-vjp trick: J v = d/du (u^T J v) where u^T J comes from a vjp with create_graph
    from .grad_mode import enable_grad
    from .._ops.creation import zeros_like, ones_like
    single = not isinstance(inputs, (tuple, list))
    with enable_grad():
        ins = _prep(inputs, True)
        out = func(*ins)
        outs = _tuple(out)
        us = tuple(zeros_like(o).requires_grad_(True) for o in outs)
        gs = _grad(outs, ins, us, True)
        vs = _tuple(v) if v is not None else tuple(ones_like(i) for i in ins)
        res = _grad(gs, us, vs, create_graph)
    res = res if create_graph else tuple(r.detach() for r in res)
    outd = tuple(o.detach() for o in outs)
    return (outd[0] if not isinstance(out, tuple) else outd), (res[0] if not isinstance(out, tuple) else res)


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    from .grad_mode import enable_grad
    single = not isinstance(inputs, (tuple, list))
    with enable_grad():
        ins = _prep(inputs, True)
        out = func(*ins)
        g = _grad((out,), ins, None, True)
        vs = _tuple(v)
        h = _grad(g, ins, vs, create_graph)
    h = h if create_graph else tuple(x.detach() for x in h)
    return out.detach(), (h[0] if single else h)


hvp = vhp  # the Hessian is symmetric for twice-differentiable scalar functions
