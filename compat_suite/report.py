"""Totals and report files (json and markdown) for the OpInfo sweep."""
import json
import os


def _ok(c):
    return c[0] == c[1]


def _figures(recs):
    tested = [r for r in recs if not r.get("excluded")]
    fwd_ops = sum(1 for r in tested if _ok(r["forward"]) and r["forward"][1] > 0 and not r.get("crash"))
    diff = [r for r in tested if r.get("differentiable")]
    grad_ops = sum(1 for r in diff if _ok(r["grad"]) and _ok(r["forward"]) and r["forward"][1] > 0)
    err_ops = [r for r in tested if r["error"][1]]
    out = {
        "opinfos": len(tested),
        "forward_pass": fwd_ops,
        "forward_rate": round(fwd_ops / len(tested), 4) if tested else None,
        "differentiable": len(diff),
        "grad_pass": grad_ops,
        "grad_rate": round(grad_ops / len(diff), 4) if diff else None,
        "all_pass": sum(1 for r in tested if _ok(r["forward"]) and _ok(r["grad"]) and _ok(r["error"]) and
                        r["forward"][1] > 0 and not r.get("crash")),
        "samples_forward": [sum(r["forward"][0] for r in tested), sum(r["forward"][1] for r in tested)],
        "samples_grad": [sum(r["grad"][0] for r in tested), sum(r["grad"][1] for r in tested)],
        "error_inputs": [sum(r["error"][0] for r in tested), sum(r["error"][1] for r in tested)],
        "error_ops": [sum(1 for r in err_ops if _ok(r["error"])), len(err_ops)],
    }
    e = out["error_inputs"]
    out["error_rate"] = round(e[0] / e[1], 4) if e[1] else None
    return out


def summarize(records):
    excluded = {}
    for r in records:
        if r.get("excluded"):
            excluded[r["excluded"]] = excluded.get(r["excluded"], 0) + 1
    families = {}
    for r in records:
        if r.get("excluded"):
            continue
        families.setdefault(r.get("family") or "other", []).append(r)
    fam = {}
    for k, rs in families.items():
        f = _figures(rs)
        fam[k] = {"opinfos": f["opinfos"], "forward_fail": f["opinfos"] - f["forward_pass"],
                  "grad_fail": f["differentiable"] - f["grad_pass"],
                  "error_fail": f["error_inputs"][1] - f["error_inputs"][0]}
    timed = sorted((r for r in records if r.get("time_s") is not None), key=lambda r: -r["time_s"])
    return {
        "all": _figures(records),
        "without_nn_functional": _figures([r for r in records if not r["name"].startswith("nn.functional.")]),
        "excluded": excluded,
        "total_opinfos": len(records),
        "families": dict(sorted(fam.items(), key=lambda kv: -(kv[1]["forward_fail"] + kv[1]["grad_fail"]))),
        "slowest": [{"name": r["name"], "time_s": r["time_s"]} for r in timed[:15]],
        "total_time_s": round(sum(r.get("time_s") or 0 for r in records), 1),
        "crashed": [f"{r['name']}: {r['crash']}" for r in records if r.get("crash")],
        "unsupported_samples": sum(r.get("unsupported_samples", 0) for r in records),
        "unsupported_error_inputs": sum(r.get("unsupported_error_inputs", 0) for r in records),
    }


def _pct(x):
    return "n/a" if x is None else f"{100 * x:.1f}%"


TARGETS = {"forward": 0.95, "gradient": 0.90, "errors": 0.80}


def format_summary(s):
    f = s["all"]
    lines = ["== FIGURES (all OpInfos; sparse-layout and CUDA-only OpInfos excluded, see below)"]
    for key, rate, num, den, what in (
            ("forward", f["forward_rate"], f["forward_pass"], f["opinfos"], "OpInfos pass forward"),
            ("gradient", f["grad_rate"], f["grad_pass"], f["differentiable"], "differentiable OpInfos pass gradients"),
            ("errors", f["error_rate"], f["error_inputs"][0], f["error_inputs"][1],
             "error inputs raise torch's exception type")):
        ok = rate is not None and rate >= TARGETS[key]
        lines.append(f"   {key:9s} {_pct(rate):>6s}  {num}/{den} {what}  (target {100 * TARGETS[key]:.0f}%: "
                     f"{'met' if ok else 'NOT met'})")
    for key, title in (("all", "all OpInfos"), ("without_nn_functional", "without nn.functional")):
        f = s[key]
        lines.append(f"== {title}: {f['opinfos']} tested")
        lines.append(f"   forward   {f['forward_pass']}/{f['opinfos']} OpInfos ({_pct(f['forward_rate'])}), samples "
                     f"{f['samples_forward'][0]}/{f['samples_forward'][1]}")
        lines.append(f"   gradient  {f['grad_pass']}/{f['differentiable']} differentiable OpInfos "
                     f"({_pct(f['grad_rate'])}), samples {f['samples_grad'][0]}/{f['samples_grad'][1]}")
        lines.append(f"   errors    {f['error_inputs'][0]}/{f['error_inputs'][1]} error inputs "
                     f"({_pct(f['error_rate'])}), OpInfos {f['error_ops'][0]}/{f['error_ops'][1]}")
        lines.append(f"   all pass  {f['all_pass']}/{f['opinfos']} OpInfos")
    ex = ", ".join(f"{k} {v}" for k, v in sorted(s["excluded"].items())) or "none"
    lines.append(f"excluded: {ex} (of {s['total_opinfos']} OpInfos)")
    if s.get("unsupported_samples") or s.get("unsupported_error_inputs"):
        lines.append(f"not run (sparse/quantized/meta tensors inside a tested OpInfo): {s['unsupported_samples']} "
                     f"samples, {s.get('unsupported_error_inputs', 0)} error inputs")
    crashed = s.get("crashed") or []
    lines.append(f"hung or crashed (counted as failures): {len(crashed)}" +
                 "".join(f"\n   {c[:160]}" for c in crashed))
    lines.append(f"time: {s['total_time_s']}s in OpInfos" + (f", {s['wall_s']}s wall" if "wall_s" in s else ""))
    return "\n".join(lines)


def _markdown(summary, records):
    out = ["# torchjax vs PyTorch OpInfo sweep", "", "```", format_summary(summary), "```", "",
           "## Families (failing OpInfos)", "", "| family | OpInfos | forward fail | grad fail | error-input fail |",
           "|---|---|---|---|---|"]
    for k, v in summary["families"].items():
        out.append(f"| {k} | {v['opinfos']} | {v['forward_fail']} | {v['grad_fail']} | {v['error_fail']} |")
    out += ["", "## Slowest OpInfos", "", "| OpInfo | seconds |", "|---|---|"]
    out += [f"| {r['name']} | {r['time_s']} |" for r in summary["slowest"]]
    out += ["", "## Per OpInfo", "", "| OpInfo | status | forward | grad | errors | first failure |",
            "|---|---|---|---|---|---|"]
    for r in records:
        if r.get("excluded"):
            out.append(f"| {r['name']} | excluded ({r['excluded']}) | | | | |")
            continue
        ff = r.get("first_failure", {})
        why = ff.get("forward") or ff.get("grad") or ff.get("error") or r.get("crash") or r.get("sample_error") or ""
        why = why.replace("|", "\\|").replace("\n", " ")[:240]
        st = "pass" if _ok(r["forward"]) and _ok(r["grad"]) and _ok(r["error"]) and not r.get("crash") else "fail"
        f, g, e = r["forward"], r["grad"], r["error"]
        out.append(f"| {r['name']} | {st} | {f[0]}/{f[1]} | {g[0]}/{g[1]} | {e[0]}/{e[1]} | {why} |")
    return "\n".join(out) + "\n"


def write_report(path, summary, records):
    base, ext = os.path.splitext(path)
    targets = [path] if ext in (".json", ".md") else [path + ".json", path + ".md"]
    for t in targets:
        with open(t, "w") as fh:
            if t.endswith(".json"):
                json.dump({"summary": summary, "opinfos": records}, fh, indent=1)
            else:
                fh.write(_markdown(summary, records))
        print(f"report written to {t}")
