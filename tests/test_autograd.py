"""Autograd semantics compared with torch: backward/grad, accumulation, hooks, retain_graph, create_graph,
autograd.Function, in-place rules and errors, views after in-place ops, and tracing under jax.jit."""
import jax
import numpy as np
import pytest

from _compare import assert_same, check, check_error, randn, torch, torchjax

A = randn(3, 4)
V = randn(3)


def both(body):
    return body(torch), body(torchjax)


def test_seed_snippet_autograd():
    def body(xp):
        x = xp.tensor([1.0, 2.0], requires_grad=True)
        y = x + 2
        z = y * y * 3
        out = z.mean()
        out.backward()
        return x.grad, repr(y.grad_fn.name()), out.grad_fn.name(), y.is_leaf, x.is_leaf
    t, j = both(body)
    assert_same(t, j)


def test_accumulation_and_zeroing():
    def body(xp):
        x = xp.tensor(V, requires_grad=True)
        (x * 2).sum().backward()
        g1 = x.grad.clone()
        gref = x.grad
        (x ** 2).sum().backward()
        same_object = x.grad is gref
        x.grad.zero_()
        (x.exp()).sum().backward()
        return g1, x.grad, same_object
    t, j = both(body)
    assert_same(t, j)


def test_backward_gradient_argument_and_errors():
    def body(xp):
        x = xp.tensor(V, requires_grad=True)
        y = x * 3
        y.backward(xp.tensor([1.0, 0.5, 2.0]))
        return x.grad
    check(body)
    check_error(lambda xp: (xp.tensor(V, requires_grad=True) * 2).backward(), match="scalar outputs")
    check_error(lambda xp: xp.tensor(V).sum().backward(), match="does not require grad")
    check_error(lambda xp: (xp.tensor(V, requires_grad=True) * 2).backward(xp.ones(2)), match="Mismatch in shape")
    check_error(lambda xp: xp.tensor([1, 2], requires_grad=True))
    check_error(lambda xp: (xp.ones(2, requires_grad=True) * 2).requires_grad_(False))


def test_backward_twice():
    def twice(xp, retain):
        x = xp.tensor(V, requires_grad=True)
        y = (x * x).sum()
        y.backward(retain_graph=retain)
        y.backward()
        return x.grad
    t, j = twice(torch, True), twice(torchjax, True)
    assert_same(t, j)
    check_error(lambda xp: twice(xp, False), match="backward through the graph a second time")

    def linear_twice(xp):  # nodes that saved nothing can be re-run, as in torch
        x = xp.tensor(V, requires_grad=True)
        y = (x + 1).sum()
        y.backward()
        y.backward()
        return x.grad
    check(linear_twice)


def test_autograd_grad_and_create_graph():
    def body(xp):
        x = xp.tensor(V, requires_grad=True)
        y = (x ** 3).sum()
        (g,) = xp.autograd.grad(y, x, create_graph=True)
        (g2,) = xp.autograd.grad(g.sum(), x)
        z = (x.sin() * x).sum()
        gz = xp.autograd.grad(z, [x], retain_graph=True)
        return g, g2, gz, x.grad
    t, j = both(body)
    assert_same(t, j)


def test_grad_unused_and_nonleaf_inputs():
    def body(xp):
        x = xp.tensor(V, requires_grad=True)
        w = xp.tensor(V, requires_grad=True)
        h = x * 2
        y = (h * h).sum()
        gh, gw = xp.autograd.grad(y, [h, w], allow_unused=True)
        return gh, gw
    t, j = both(body)
    assert_same(t, j)
    check_error(lambda xp: xp.autograd.grad((xp.ones(2, requires_grad=True) * 2).sum(),
                                            [xp.ones(2, requires_grad=True)]), match="not have been used")


def test_hooks_and_retain_grad():
    def body(xp):
        log = []
        x = xp.tensor(V, requires_grad=True)
        x.register_hook(lambda g: log.append(("leaf", g.clone())))
        h = x * 2
        h.retain_grad()
        handle = h.register_hook(lambda g: g * 10)
        y = (h * h).sum()
        y.backward(retain_graph=True)
        first = x.grad.clone()
        handle.remove()
        x.grad = None
        y.backward()
        return first, x.grad, h.grad, h.retains_grad, [g for _, g in log]
    t, j = both(body)
    assert_same(t, j)


def test_no_grad_modes():
    def body(xp):
        x = xp.tensor(V, requires_grad=True)
        with xp.no_grad():
            a = x * 2
        with xp.enable_grad():
            b = x * 2
        with xp.autograd.set_grad_enabled(False):
            c = x * 2
        with xp.inference_mode():
            d = x * 2

        @xp.no_grad()
        def f(t):
            return t * 2
        return a.requires_grad, b.requires_grad, c.requires_grad, d.requires_grad, f(x).requires_grad, \
            xp.is_grad_enabled(), x.detach().requires_grad
    t, j = both(body)
    assert t == j


def test_next_functions_structure():
    def body(xp):
        x = xp.tensor(V, requires_grad=True)
        w = xp.tensor(V, requires_grad=True)
        y = (x * w + 1).sum()
        fn = y.grad_fn
        add = fn.next_functions[0][0]
        mul = add.next_functions[0][0]
        acc = mul.next_functions[0][0]
        return (fn.name(), add.name(), mul.name(), type(acc).__name__, acc.variable is x,
                [n[1] for n in mul.next_functions], add.next_functions[1])
    t, j = both(body)
    assert t == j


def test_inplace_errors():
    check_error(lambda xp: xp.ones(2, requires_grad=True).add_(1), match="leaf Variable that requires grad")
    check_error(lambda xp: xp.ones(2, 2, requires_grad=True)[0].add_(1), match="view of a leaf Variable")

    def modified(xp):
        x = xp.tensor(V, requires_grad=True)
        y = x * 2
        z = y * y
        y.add_(1)
        z.sum().backward()
    check_error(modified, match="modified by an inplace operation")


def test_inplace_allowed_cases():
    def body(xp):
        x = xp.tensor(V, requires_grad=True)
        y = x * 2
        y.add_(1)  # AddBackward0 keeps nothing: still fine to backward through z
        z = y.relu_()
        w = (x + 0).sigmoid()
        u = w * 1
        u.mul_(3)
        (z.sum() + u.sum()).backward()
        return x.grad, z.grad_fn.name(), u.grad_fn.name(), y._version
    t, j = both(body)
    assert_same(t, j)


def test_inplace_on_view_copyslices():
    def body(xp):
        leaf = xp.tensor(A, requires_grad=True)
        a = leaf.clone()
        v = a[0]
        v.mul_(2)
        b = a[:, 1]
        b.add_(a[:, 2])
        a[2] = 5.0
        out = (a * a).sum()
        out.backward()
        return leaf.grad, a.grad_fn.name(), v.grad_fn.name(), a, a._version
    t, j = both(body)
    assert_same(t, j)


def test_setitem_builds_graph():
    def body(xp):
        w = xp.tensor(V, requires_grad=True)
        out = xp.zeros(2, 3)
        out[0] = w
        out[1, :2] = w[:2] * 3
        s = (out ** 2).sum()
        s.backward()
        return out, out.grad_fn.name(), w.grad
    t, j = both(body)
    assert_same(t, j)


def test_views_share_storage_and_versions():
    def body(xp):
        x = xp.arange(12.0).view(3, 4)
        t = x.t()
        s = x[1]
        s.fill_(-1)
        x[:, 0] += 100
        return x, t, s, x._version, s._version, t.is_contiguous(), t.stride(), s.storage_offset(), \
            x.data_ptr() == t.data_ptr()
    t, j = both(body)
    assert_same(t, j)
    check_error(lambda xp: xp.ones(3, 1).expand(3, 4).add_(1))
    check_error(lambda xp: xp.ones(3, 4).t().view(12), match="view size is not compatible")


class _Exp(object):
    @staticmethod
    def make(xp):
        class Exp(xp.autograd.Function):
            @staticmethod
            def forward(ctx, i):
                result = i.exp()
                ctx.save_for_backward(result)
                return result

            @staticmethod
            def backward(ctx, grad_output):
                (result,) = ctx.saved_tensors
                return grad_output * result
        return Exp


def test_autograd_function():
    def body(xp):
        Exp = _Exp.make(xp)
        x = xp.tensor(V, requires_grad=True)
        y = Exp.apply(x)
        y.sum().backward()
        return y, x.grad, type(y.grad_fn).__name__, y.grad_fn.needs_input_grad
    t, j = both(body)
    assert_same(t, j)


def test_autograd_function_setup_context_and_nondiff():
    def body(xp):
        class MulConst(xp.autograd.Function):
            @staticmethod
            def forward(x, k):
                return x * k, (x > 0)

            @staticmethod
            def setup_context(ctx, inputs, output):
                ctx.k = inputs[1]
                ctx.mark_non_differentiable(output[1])

            @staticmethod
            def backward(ctx, g, _):
                return g * ctx.k, None
        x = xp.tensor(V, requires_grad=True)
        y, mask = MulConst.apply(x, 3.0)
        (y * y).sum().backward()
        return x.grad, mask.requires_grad
    t, j = both(body)
    assert_same(t, j)
    check_error(lambda xp: _bad_grad_count(xp))


def _bad_grad_count(xp):
    class F(xp.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, g):
            return g
    F.apply(xp.ones(2, requires_grad=True), xp.ones(2)).sum().backward()


def test_double_backward_through_ops():
    def body(xp):
        x = xp.tensor(A, requires_grad=True)
        y = (x.tanh() @ x.t()).softmax(1).sum() + x.norm()
        (g,) = xp.autograd.grad(y, x, create_graph=True)
        (h,) = xp.autograd.grad((g * g).sum(), x)
        return g, h
    t, j = both(body)
    assert_same(t, j, rtol=1e-4, atol=1e-5)


def test_backward_inputs_argument():
    def body(xp):
        x = xp.tensor(V, requires_grad=True)
        w = xp.tensor(V, requires_grad=True)
        (x * w).sum().backward(inputs=[w])
        return x.grad, w.grad
    t, j = both(body)
    assert_same(t, j)


def test_tape_runs_on_tracers_inside_jit():
    """The same eager tape works when values are JAX tracers: forward + backward in one jitted function."""
    def loss_and_grads(xv, wv):
        w = torchjax.from_jax(wv).requires_grad_()
        xx = torchjax.from_jax(xv)
        out = (xx @ w).tanh().sum()
        out.backward()
        return out.jax(), w.grad.jax()

    f = jax.jit(loss_and_grads)
    xv = jax.numpy.asarray(A)
    wv = jax.numpy.asarray(randn(4, 2))
    val, grad = f(xv, wv)
    tw = torch.tensor(np.asarray(wv), requires_grad=True)
    tout = (torch.tensor(A) @ tw).tanh().sum()
    tout.backward()
    np.testing.assert_allclose(np.asarray(val), tout.item(), rtol=1e-5)
    np.testing.assert_allclose(np.asarray(grad), tw.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_anomaly_detection_reports_nan():
    x = torchjax.tensor([0.0], requires_grad=True)
    with torchjax.autograd.detect_anomaly():
        y = x.sqrt() * 0
        with pytest.raises(RuntimeError, match="returned nan values"):
            (x.sqrt() / x).sum().backward()


def test_autograd_functional():
    a = randn(3)

    def body(xp):
        x = xp.tensor(a)
        F = xp.autograd.functional
        return (F.jacobian(lambda t: t.exp() * t[0], x), F.hessian(lambda t: (t ** 3).sum() + t.sin().prod(), x),
                F.jvp(lambda t: t ** 2, x, xp.ones(3)), F.vjp(lambda t: t.tanh(), x, xp.ones(3)),
                F.vhp(lambda t: (t ** 4).sum(), x, xp.ones(3)))
    check(body, rtol=1e-5, atol=1e-5)
