"""python -m compat_suite ops: PyTorch's OpInfo database (op_db) run against torchjax.

The parent process starts worker processes (python -m compat_suite ops --worker ...). Each worker imports
op_db, tests its share of OpInfos one at a time and prints one JSON line per OpInfo. A sample that runs past
--sample-timeout is interrupted inside the worker; a worker that prints nothing for --hard-timeout seconds
(stuck in native code) is killed, its OpInfo recorded as timed out, and a new worker resumes after it.
"""
import argparse
import fnmatch
import json
import os
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def _parser():
    p = argparse.ArgumentParser(prog="python -m compat_suite ops", description=__doc__.splitlines()[0])
    p.add_argument("--filter", action="append", default=[],
                   help="OpInfo name (with .variant) substring or glob; repeatable; prefix '-' to exclude")
    p.add_argument("--report", help="write the report here (.json or .md; both are written when the name has no "
                                    "extension)")
    p.add_argument("--limit-samples", type=int, default=None, help="at most N samples per OpInfo")
    p.add_argument("--sample-timeout", type=float, default=60.0, help="seconds per sample (default 60)")
    p.add_argument("--hard-timeout", type=float, default=300.0,
                   help="kill a worker silent for this many seconds (default 300)")
    p.add_argument("--jobs", "-j", type=int, default=1, help="worker processes (default 1)")
    p.add_argument("--extra-dtypes", action="store_true",
                   help="also run 2 forward samples of each other cheap dtype (float64, int64, bool, complex64)")
    p.add_argument("--no-nn", action="store_true", help="skip nn.functional OpInfos")
    p.add_argument("--list", action="store_true", help="list the selected OpInfos and exit")
    p.add_argument("--records", help="append each OpInfo's record to this JSON-lines file as it finishes (a run "
                                     "cut short can still be summarised with --summarize)")
    p.add_argument("--summarize", metavar="JSONL", help="no run: print (and with --report write) the summary of a "
                                                        "--records file")
    p.add_argument("--quiet", "-q", action="store_true")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--shard", default="0/1", help=argparse.SUPPRESS)
    p.add_argument("--skip", default="", help=argparse.SUPPRESS)
    return p


def _load_op_db():
    import expecttest  # noqa: F401 - op_db needs it importable
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from torch.testing._internal.common_methods_invocations import op_db
    return op_db


def select(op_db, filters, no_nn=False):
    from .opinfo_run import full_name
    inc = [f for f in filters if not f.startswith("-")]
    exc = [f[1:] for f in filters if f.startswith("-")]

    def match(name, pats):
        return any(p == name or p in name and not any(c in p for c in "*?[") or fnmatch.fnmatch(name, p)
                   for p in pats)

    out = []
    for i, op in enumerate(op_db):
        n = full_name(op)
        if inc and not match(n, inc):
            continue
        if exc and match(n, exc):
            continue
        if no_nn and n.startswith("nn.functional."):
            continue
        out.append((i, op))
    return out


# ---- worker ---------------------------------------------------------------------------------------------------------

def worker(args):
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    import torch
    torch.set_num_threads(1)
    sys.path.insert(0, ROOT)
    op_db = _load_op_db()
    from .opinfo_run import run_opinfo, op_meta
    import jax
    k, n = (int(x) for x in args.shard.split("/"))
    skip = {int(x) for x in args.skip.split(",") if x}
    ops = [(i, op) for j, (i, op) in enumerate(select(op_db, args.filter, args.no_nn)) if j % n == k]
    out = sys.stdout
    real_out = os.fdopen(os.dup(1), "w", buffering=1)
    sys.stdout = sys.stderr  # ops that print must not corrupt the protocol

    def emit(obj):
        real_out.write(json.dumps(obj) + "\n")
        real_out.flush()

    emit({"event": "ready", "count": len(ops)})
    since_clear = 0
    for i, op in ops:
        if i in skip:
            continue
        try:
            meta = op_meta(op)
        except Exception:  # noqa: BLE001
            meta = {}
        emit({"event": "start", "index": i, "meta": meta})
        try:
            rec = run_opinfo(op, limit_samples=args.limit_samples, sample_timeout=args.sample_timeout,
                             extra_dtypes=args.extra_dtypes, heartbeat=lambda: emit({"event": "beat"}))
        except BaseException as exc:  # noqa: BLE001 - report and continue
            from .opinfo_run import full_name
            diff = bool(meta.get("differentiable"))
            rec = {"name": full_name(op), "family": meta.get("family") or "other", "differentiable": diff,
                   "crash": f"{type(exc).__name__}: {exc}"[:300], "forward": [0, 1], "grad": [0, int(diff)],
                   "error": [0, int(meta.get("error_inputs") or 0)],
                   "first_failure": {"forward": f"harness crash: {type(exc).__name__}: {exc}"[:300]}}
        rec["index"] = i
        emit({"event": "done", "record": rec})
        since_clear += 1
        if since_clear >= 25:
            jax.clear_caches()
            since_clear = 0
    emit({"event": "finished"})
    out.flush()
    return 0


# ---- parent ---------------------------------------------------------------------------------------------------------

class _Shard:
    def __init__(self, args, k, n, records, lock, log):
        self.args, self.k, self.n = args, k, n
        self.records, self.lock, self.log = records, lock, log
        self.done = set()

    def run(self):
        while True:
            cmd = [sys.executable, "-m", "compat_suite", "ops", "--worker", "--shard", f"{self.k}/{self.n}",
                   "--sample-timeout", str(self.args.sample_timeout), "--skip", ",".join(map(str, self.done))]
            for f in self.args.filter:
                cmd += ["--filter=" + f]
            if self.args.limit_samples is not None:
                cmd += ["--limit-samples", str(self.args.limit_samples)]
            if self.args.extra_dtypes:
                cmd.append("--extra-dtypes")
            if self.args.no_nn:
                cmd.append("--no-nn")
            proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                    bufsize=1)
            current = None
            current_meta = {}
            progressed = [False]
            last = [time.time()]
            lines = []
            cond = threading.Condition()

            def reader():
                for line in proc.stdout:
                    with cond:
                        lines.append(line)
                        cond.notify()
                with cond:
                    lines.append(None)
                    cond.notify()

            threading.Thread(target=reader, daemon=True).start()
            finished = False
            while True:
                with cond:
                    while not lines:
                        if not cond.wait(timeout=5) and time.time() - last[0] > self.args.hard_timeout:
                            break
                    batch, lines[:] = list(lines), []
                if not batch:  # silent for too long
                    proc.kill()
                    proc.wait()
                    if current is not None:
                        self._record_crash(current, f"hard timeout: no progress for {self.args.hard_timeout:.0f}s",
                                           current_meta)
                    break
                eof = False
                for line in batch:
                    if line is None:
                        eof = True
                        break
                    last[0] = time.time()
                    try:
                        msg = json.loads(line)
                    except ValueError:
                        continue
                    ev = msg.get("event")
                    if ev == "start":
                        current = msg["index"]
                        current_meta = msg.get("meta") or {}
                        progressed[0] = True
                    elif ev == "done":
                        rec = msg["record"]
                        self.done.add(rec["index"])
                        current = None
                        with self.lock:
                            self.records.append(rec)
                        self.log(rec)
                    elif ev == "finished":
                        finished = True
                if eof:
                    proc.wait()
                    if not finished and current is not None:
                        self._record_crash(current, f"worker died (exit code {proc.returncode})", current_meta)
                    break
            if finished:
                return
            if not progressed[0] and current is None:
                print(f"compat_suite: worker {self.k}/{self.n} failed to start (exit code {proc.returncode})",
                      file=sys.stderr)
                return

    def _record_crash(self, index, why, meta=None):
        """A hung or dead OpInfo fails every figure it would have counted in (see opinfo_run.op_meta)."""
        self.done.add(index)
        meta = meta or {}
        diff = bool(meta.get("differentiable"))
        n_err = int(meta.get("error_inputs") or 0)
        rec = {"index": index, "name": meta.get("name") or f"op_db[{index}]", "family": meta.get("family") or "other",
               "crash": why, "differentiable": diff, "forward": [0, 1], "grad": [0, 1 if diff else 0],
               "error": [0, n_err], "first_failure": {"forward": why}}
        with self.lock:
            self.records.append(rec)
        self.log(rec)


def _status(rec):
    if rec.get("excluded"):
        return "excluded"
    f, g, e = rec.get("forward", [0, 0]), rec.get("grad", [0, 0]), rec.get("error", [0, 0])
    ok = f[0] == f[1] and g[0] == g[1] and e[0] == e[1] and not rec.get("crash")
    return "pass" if ok else "fail"


def main(argv=None):
    args = _parser().parse_args(argv)
    if args.worker:
        return worker(args)
    if args.list:
        op_db = _load_op_db()
        from .opinfo_run import full_name
        for _, op in select(op_db, args.filter, args.no_nn):
            print(full_name(op))
        return 0
    if args.summarize:
        from .report import summarize, write_report, format_summary
        with open(args.summarize) as fh:
            recs = {}
            for line in fh:
                if line.strip():
                    r = json.loads(line)
                    recs[r["index"]] = r
        records = [recs[k] for k in sorted(recs)]
        summary = summarize(records)
        summary["options"] = {"records": args.summarize}
        print(format_summary(summary))
        if args.report:
            write_report(args.report, summary, records)
        return 0
    records, lock = [], threading.Lock()
    t0 = time.time()
    rec_fh = open(args.records, "a", buffering=1) if args.records else None

    def log(rec):
        if rec_fh is not None:
            rec_fh.write(json.dumps(rec) + "\n")
        if args.quiet:
            return
        st = _status(rec)
        f, g, e = rec.get("forward", [0, 0]), rec.get("grad", [0, 0]), rec.get("error", [0, 0])
        line = f"{st:8s} {rec['name']:45s} fwd {f[0]}/{f[1]} grad {g[0]}/{g[1]} err {e[0]}/{e[1]}"
        if rec.get("time_s") is not None:
            line += f"  {rec['time_s']:.1f}s"
        if st == "fail":
            ff = rec.get("first_failure", {})
            why = ff.get("forward") or ff.get("grad") or ff.get("error") or rec.get("crash", "")
            line += "\n         " + why[:200]
        elif st == "excluded":
            line += f"  ({rec['excluded']})"
        print(line, flush=True)

    shards = [_Shard(args, k, args.jobs, records, lock, log) for k in range(args.jobs)]
    threads = [threading.Thread(target=s.run) for s in shards]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    from .report import summarize, write_report, format_summary
    records.sort(key=lambda r: r["index"])
    summary = summarize(records)
    summary["wall_s"] = round(time.time() - t0, 1)
    summary["options"] = {"filter": args.filter, "limit_samples": args.limit_samples, "jobs": args.jobs,
                          "extra_dtypes": args.extra_dtypes, "sample_timeout": args.sample_timeout}
    print(format_summary(summary))
    if args.report:
        write_report(args.report, summary, records)
    return 0
