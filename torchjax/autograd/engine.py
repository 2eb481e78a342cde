"""The backward engine: walks the graph in dependency order, calls each node's cached VJP, runs hooks,
accumulates into leaves' .grad (backward) or captures the requested gradients (autograd.grad)."""
import heapq

from . import grad_mode
from .graph import AccumulateGrad

_state = grad_mode.state


class _Anomaly:
    enabled = False
    check_nan = True


anomaly = _Anomaly()


def _sum(a, b):
    if a is None:
        return b
    if b is None:
        return a
    from .._ops.kernel import call
    from .._ops.pointwise import ADD_GRADS
    return call(ADD_GRADS, [a, b])


def accumulate_into_leaf(t, g):
    if g is None:
        return
    if t._hooks:
        for h in list(t._hooks.values()):
            r = h(g)
            if r is not None:
                g = r
    if t._grad is None:
        t._grad = g if _state.enabled else g.detach()
    elif _state.enabled:
        t._grad = t._grad + g
    else:
        t._grad._write(_sum(t._grad, g)._value())
    if t._post_acc_hooks:
        for h in list(t._post_acc_hooks.values()):
            h(t)


def _discover(roots):
    deps = {}
    seen = set()
    stack = []
    for n in roots:
        if n not in seen:
            seen.add(n)
            stack.append(n)
    while stack:
        node = stack.pop()
        for e in node._next:
            if e is None:
                continue
            c = e[0]
            deps[c] = deps.get(c, 0) + 1
            if c not in seen:
                seen.add(c)
                stack.append(c)
    return seen, deps


def _needed(nodes, targets):
    """Nodes whose execution contributes to a target (a node whose input buffer we capture or accumulate)."""
    memo = {}

    def visit(n):
        r = memo.get(n)
        if r is not None:
            return r
        memo[n] = False
        stack = [(n, iter([e[0] for e in n._next if e is not None]))]
        while stack:
            node, it = stack[-1]
            advanced = False
            for c in it:
                if c in memo:
                    if memo[c] or c in targets:
                        memo[node] = True
                    continue
                memo[c] = False
                stack.append((c, iter([e[0] for e in c._next if e is not None])))
                advanced = True
                break
            if not advanced:
                stack.pop()
                if stack:
                    parent = stack[-1][0]
                    if memo[node] or node in targets:
                        memo[parent] = True
        return memo[n]

    return {n for n in nodes if visit(n)}


def execute(root_edges, root_grads, retain_graph, create_graph, capture=None, accumulate=True, leaf_filter=None):
    """Run backward from `root_edges` seeded with `root_grads`.

    capture: {(node, output_nr): slot} — gradients to return (autograd.grad); accumulate: run AccumulateGrad nodes;
    leaf_filter: if given, only these AccumulateGrad nodes accumulate (backward(inputs=...)).
    """
    roots = [e[0] for e in root_edges]
    nodes, deps = _discover(roots)
    targets = set()
    if capture is not None:
        targets.update(n for n, _ in capture)
    if leaf_filter is not None:
        targets.update(leaf_filter)
    if targets:
        needed = _needed(nodes, targets)
        deps = {}
        for n in needed:
            for e in n._next:
                if e is not None and (e[0] in needed or e[0] in targets):
                    deps[e[0]] = deps.get(e[0], 0) + 1
    else:
        needed = None

    buffers = {}
    for (node, nr), g in zip(root_edges, root_grads):
        buf = buffers.get(node)
        if buf is None:
            buf = buffers[node] = [None] * max(node._n_out, nr + 1)
        buf[nr] = _sum(buf[nr], g)
    captured = [None] * (len(set(capture.values())) if capture else 0)
    heap = []
    for n in buffers:
        if deps.get(n, 0) == 0:
            heapq.heappush(heap, (-n._seq, id(n), n))
    executed = []
    prev = _state.enabled
    _state.enabled = create_graph
    try:
        while heap:
            _, _, node = heapq.heappop(heap)
            buf = buffers.pop(node, None)
            if buf is None:
                buf = [None] * node._n_out
            if node._tensor_hooks:
                for nr, hooks in node._tensor_hooks.items():
                    if nr < len(buf) and buf[nr] is not None:
                        for h in list(hooks.values()):
                            r = h(buf[nr])
                            if r is not None:
                                buf[nr] = r
            if node._retained:
                for nr, ref in node._retained.items():
                    t = ref()
                    if t is not None and nr < len(buf) and buf[nr] is not None:
                        g = buf[nr]
                        t._grad = (g if create_graph else g.detach()) if t._grad is None else _sum(t._grad, g)
            if capture is not None:
                for nr in range(len(buf)):
                    slot = capture.get((node, nr))
                    if slot is not None:
                        captured[slot] = _sum(captured[slot], buf[nr])
            if node._pre_hooks:
                for h in list(node._pre_hooks.values()):
                    r = h(tuple(buf))
                    if r is not None:
                        buf = list(r)
            if isinstance(node, AccumulateGrad):
                if accumulate and (leaf_filter is None or node in leaf_filter):
                    node._apply(buf)
                    executed.append(node)
                continue
            if needed is not None and node not in needed:
                continue
            out = node._apply(buf)
            if anomaly.enabled:
                _check_nan(node, out)
            if node._hooks:
                for h in list(node._hooks.values()):
                    r = h(tuple(out), tuple(buf))
                    if r is not None:
                        out = list(r)
            executed.append(node)
            for e, g in zip(node._next, out):
                if e is None:
                    continue
                child, nr = e
                if needed is not None and child not in needed and child not in targets:
                    continue
                if g is not None:
                    cb = buffers.get(child)
                    if cb is None:
                        cb = buffers[child] = [None] * max(child._n_out, nr + 1)
                    cb[nr] = _sum(cb[nr], g)
                d = deps[child] - 1
                deps[child] = d
                if d == 0:
                    heapq.heappush(heap, (-child._seq, id(child), child))
    finally:
        _state.enabled = prev
        if not retain_graph:
            for n in executed:
                n._release()
    return captured


def _check_nan(node, out):
    import numpy as np
    for i, g in enumerate(out):
        if g is not None and np.isnan(np.asarray(g._value())).any():
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.")
