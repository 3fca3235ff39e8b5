#!/usr/bin/python3
"""Summarises bench/telemetry_impact.sh's CSVs into the seed's "Performance Impact" table
(Configuration | Throughput Impact | P99 Latency Impact | Memory Overhead), one per pipeline
depth, with issues 4 and 5's targets, the dropped-span counters, the raw medians and the /metrics
scrape times. Writes the "Telemetry overhead" section of docs/benchmarks.md and the generated part
of docs/telemetry.md's "Performance impact" section. Numbers come only from the CSVs.

Definitions (all from the CSV):
- throughput of a configuration at a pipeline depth: the mean over SET and GET of the median
  (over rounds) requests/s; impact = throughput / throughput(off) - 1.
- p99: the mean over SET and GET of the median p99; impact = difference with off, in ms.
- memory: VmRSS of the Ferrite process after its last test (median over rounds); overhead =
  difference with off. VmHWM (peak) is shown too.
- spans: INFO telemetry's otel_spans_exported / _dropped / _failed after the last test of a run
  (cumulative over the run's four tests; median over rounds).
"""

import argparse
import csv
import datetime
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mdsection  # noqa: E402

LABELS = {
    "off": "OTel disabled, /metrics off",
    "metrics": "Metrics only (/metrics on, traces off)",
    "full100": "Traces 100%, full hierarchy",
    "full10": "Traces 10%, full hierarchy",
    "command100": "Traces 100%, command span only",
}
# (max throughput loss in %, at which pipeline depths) per configuration; None = reported only.
TARGETS = {
    "metrics": (0.5, (16,), "issue 5"),
    "full10": (1.0, (16, 1), "issue 4"),
    "command100": (3.0, (16, 1), "issue 4"),
    "full100": (None, (), "issue 4: reported as measured"),
}
RSS_TARGET_MB = 45.0
SCRAPE_TARGET_MS = 5.0


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def load(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def analyse(rows):
    configs = []
    for r in rows:
        if r["config"] not in configs:
            configs.append(r["config"])
    by = {}
    last = {}
    for r in rows:
        by.setdefault((r["config"], int(r["pipeline"]), r["test"]), []).append(r)
        last[(r["config"], r["round"])] = r  # rows are in time order: the run's last test wins
    pipelines = sorted({int(r["pipeline"]) for r in rows}, reverse=True)
    tests = []
    for r in rows:
        if r["test"] not in tests:
            tests.append(r["test"])

    agg = {}
    for c in configs:
        for p in pipelines:
            per_test = []
            per_round = {}
            for t in tests:
                rs = by.get((c, p, t), [])
                if not rs:
                    continue
                per_test.append((t, statistics.median(float(x["rps"]) for x in rs),
                                 statistics.median(float(x["p99_latency_ms"]) for x in rs),
                                 min(float(x["rps"]) for x in rs), max(float(x["rps"]) for x in rs),
                                 len(rs)))
                for x in rs:
                    per_round.setdefault(x["round"], []).append(float(x["rps"]))
            if not per_test:
                continue
            thr = statistics.mean(x[1] for x in per_test)
            p99 = statistics.mean(x[2] for x in per_test)
            round_means = [statistics.mean(v) for v in per_round.values() if len(v) == len(per_test)]
            cpu_rounds = {}
            for t in tests:
                for x in by.get((c, p, t), []):
                    cpu, req = num(x.get("ferrite_cpu_s")), num(x.get("requests"))
                    if cpu is not None and req:
                        acc = cpu_rounds.setdefault(x["round"], [0.0, 0.0])
                        acc[0] += cpu
                        acc[1] += req
            cpu_us = (statistics.median(a[0] / a[1] * 1e6 for a in cpu_rounds.values())
                      if cpu_rounds else None)
            spread = ((max(round_means) - min(round_means)) / thr * 100
                      if len(round_means) > 1 else None)
            agg[(c, p)] = {"thr": thr, "p99": p99, "tests": per_test, "spread": spread,
                           "cpu_us": cpu_us,
                           "complete": len(per_test) == len(tests)}
    proc = {}
    for c in configs:
        finals = [r for (cc, _), r in last.items() if cc == c]
        if not finals:
            continue

        def med(field, finals=finals):
            vals = [num(r[field]) for r in finals if num(r[field]) is not None]
            return statistics.median(vals) if vals else None

        proc[c] = {k: med(k) for k in ("rss_kb", "hwm_kb", "spans_exported",
                                        "spans_dropped", "spans_failed", "queue_length",
                                        "sink_requests", "sink_bytes")}
        proc[c]["rounds"] = len(finals)
        run_cpu = {}
        for r in rows:
            if r["config"] == c and num(r.get("ferrite_cpu_s")) is not None:
                run_cpu[r["round"]] = run_cpu.get(r["round"], 0.0) + num(r["ferrite_cpu_s"])
        proc[c]["ferrite_cpu_s"] = statistics.median(run_cpu.values()) if run_cpu else None
    return configs, pipelines, tests, agg, proc


def fmt_pct(x):
    return f"{x:+.1f}%"


def spans_text(pr):
    if pr is None or pr.get("spans_exported") is None:
        return "—"
    e, d, f = pr["spans_exported"], pr["spans_dropped"] or 0, pr["spans_failed"] or 0
    total = e + d + f + (pr.get("queue_length") or 0)
    share = f" ({d / total * 100:.0f}% dropped)" if total else ""
    return f"{e:,.0f} / {d:,.0f} / {f:,.0f}{share}"


def impact_tables(configs, pipelines, agg, proc, verdicts):
    out = []
    base_p = proc.get("off")
    for p in pipelines:
        base = agg.get(("off", p))
        out.append(f"**-P {p}**\n")
        out.append("| Configuration | Throughput Impact | P99 Latency Impact | Memory Overhead | "
                   "Target | Met | Spans exported / dropped / failed | round spread | "
                   "Ferrite CPU per request |")
        out.append("|---|---|---|---|---|---|---|---|---|")
        for c in configs:
            a = agg.get((c, p))
            if a is None:
                out.append(f"| {LABELS.get(c, c)} | not measured | | | | | | | |")
                continue
            pr = proc.get(c)
            spread = "—" if a["spread"] is None else f"{a['spread']:.1f}%"
            cpu = "—" if a["cpu_us"] is None else f"{a['cpu_us']:.2f} µs"
            if c != "off" and base is not None and a["cpu_us"] and base["cpu_us"]:
                cpu += f" ({(a['cpu_us'] / base['cpu_us'] - 1) * 100:+.1f}%)"
            if c == "off" or base is None:
                thr = f"Baseline ({a['thr']:,.0f} rps)"
                lat = f"Baseline ({a['p99']:.3f} ms)"
                mem = (f"Baseline ({pr['rss_kb'] / 1024:.0f} MB RSS)"
                       if pr and pr.get("rss_kb") else "Baseline")
                out.append(f"| {LABELS.get(c, c)} | {thr} | {lat} | {mem} | | | "
                           f"{spans_text(pr)} | {spread} | {cpu} |")
                continue
            loss = (a["thr"] / base["thr"] - 1) * 100
            dlat = a["p99"] - base["p99"]
            dmem = None
            if pr and base_p and pr.get("rss_kb") is not None and base_p.get("rss_kb") is not None:
                dmem = (pr["rss_kb"] - base_p["rss_kb"]) / 1024
            mem = "—" if dmem is None else f"{dmem:+.1f} MB"
            target, met = [], []
            t = TARGETS.get(c)
            if t and t[0] is not None and p in t[1]:
                target.append(f"loss <= {t[0]:g}%")
                ok = -loss <= t[0]
                met.append("yes" if ok else "**no**")
                verdicts.append((f"{LABELS[c]}, -P {p}: throughput loss <= {t[0]:g}% ({t[2]})",
                                 f"throughput {fmt_pct(loss)} vs baseline", ok))
            elif t and t[0] is None:
                target.append("reported")
            if c != "metrics" and dmem is not None:
                target.append(f"RSS <= +{RSS_TARGET_MB:g} MB")
                ok = dmem <= RSS_TARGET_MB
                met.append("yes" if ok else "**no**")
                if p == pipelines[0]:
                    verdicts.append((f"{LABELS[c]}: extra RSS <= {RSS_TARGET_MB:g} MB (issue 4)",
                                     f"{dmem:+.1f} MB", ok))
            incomplete = "" if a["complete"] else " (incomplete)"
            out.append(f"| {LABELS.get(c, c)}{incomplete} | {fmt_pct(loss)} | {dlat:+.3f} ms | "
                       f"{mem} | {', '.join(target) or '—'} | {', '.join(met) or '—'} | "
                       f"{spans_text(pr)} | {spread} | {cpu} |")
        out.append("")
    return "\n".join(out)


def detail_table(configs, pipelines, agg, proc):
    out = ["| Configuration | -P | test | rps (median) | rps min-max | p99 ms (median) |",
           "|---|---|---|---|---|---|"]
    for c in configs:
        for p in pipelines:
            a = agg.get((c, p))
            if not a:
                continue
            for t, rps, p99, lo, hi, n in a["tests"]:
                out.append(f"| {c} | {p} | {t} | {rps:,.0f} | {lo:,.0f}-{hi:,.0f} | {p99:.3f} |")
    out += ["", "| Configuration | VmRSS after run | VmHWM | Ferrite CPU s (whole run) | "
            "OTLP requests received by the sink | sink MB received |", "|---|---|---|---|---|---|"]
    for c in configs:
        pr = proc.get(c)
        if not pr:
            continue

        def mb(v):
            return "—" if v is None else f"{v / 1024:.1f} MB"
        sreq = "—" if c in ("off", "metrics") or pr["sink_requests"] is None else \
            f"{pr['sink_requests']:,.0f}"
        sb = "—" if c in ("off", "metrics") or pr["sink_bytes"] is None else \
            f"{pr['sink_bytes'] / 1e6:,.1f}"
        cpu = "—" if pr["ferrite_cpu_s"] is None else f"{pr['ferrite_cpu_s']:.1f}"
        out.append(f"| {c} | {mb(pr['rss_kb'])} | {mb(pr['hwm_kb'])} | {cpu} | {sreq} | {sb} |")
    return "\n".join(out)


def scrape_table(path, touched, verdicts):
    rows = load(path)
    out = ["| format | command labels present | median ms | p95 ms | max ms | body KB | "
           "target | met |", "|---|---|---|---|---|---|---|---|"]
    for fmt in ("text", "openmetrics"):
        rs = [r for r in rows if r["format"] == fmt]
        if not rs:
            continue
        ts = sorted(float(r["seconds"]) * 1000 for r in rs)
        med = statistics.median(ts)
        p95 = ts[min(len(ts) - 1, int(round(0.95 * (len(ts) - 1))))]
        ok = med < SCRAPE_TARGET_MS
        verdicts.append((f"/metrics scrape ({fmt}) < {SCRAPE_TARGET_MS:g} ms, every command "
                         f"label present (issue 5)", f"median {med:.2f} ms, max {ts[-1]:.2f} ms",
                         ok))
        out.append(f"| {fmt} | {rs[0]['command_labels']} | {med:.2f} | {p95:.2f} | {ts[-1]:.2f} | "
                   f"{float(rs[0]['bytes']) / 1024:.0f} | median < {SCRAPE_TARGET_MS:g} ms | "
                   f"{'yes' if ok else '**no**'} |")
    note = (f"\nBefore the scrapes `bench/touch_all_commands.py` ran each listed command once: "
            f"{touched}.\n") if touched else ""
    return "\n".join(out) + "\n" + note


def body(args, level):
    h = "#" * level
    rows = load(args.csv)
    configs, pipelines, tests, agg, proc = analyse(rows)
    verdicts = []
    impact = impact_tables(configs, pipelines, agg, proc, verdicts)
    scrape = scrape_table(args.scrape_csv, args.touched, verdicts) if args.scrape_csv else \
        "Not measured in this run.\n"
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    md_dir = os.path.dirname(os.path.abspath(args.markdown_target))
    links = f"[`{os.path.basename(args.csv)}`]({os.path.relpath(args.csv, md_dir)})"
    if args.scrape_csv:
        links += (f", [`{os.path.basename(args.scrape_csv)}`]"
                  f"({os.path.relpath(args.scrape_csv, md_dir)})")
    notes = []
    if args.notes and os.path.exists(args.notes):
        with open(args.notes) as f:
            notes = [line.rstrip() for line in f if line.strip()]
    problems = ("\n".join(f"- `{n}`" for n in notes[:30]) +
                (f"\n- ... {len(notes) - 30} more lines" if len(notes) > 30 else "")
                if notes else "- none: Ferrite answered PING after every test and exited "
                "cleanly on SIGTERM in every configuration.")
    met = sum(1 for v in verdicts if v[2])
    chart = ""
    if getattr(args, "plotted", False):
        chart = (f"![Throughput with telemetry, % of the baseline]"
                 f"({os.path.relpath(args.plot, md_dir)})\n\n")
    verdict_lines = "\n".join(f"| {what} | {value} | {'yes' if ok else '**no**'} |"
                              for what, value, ok in verdicts)
    return f"""Generated by `bench/telemetry_impact.sh` on {date}; do not edit the numbers by hand,
re-run the script. Raw rows: {links}.

- redis-benchmark `{args.flags}` against Ferrite {args.ferrite_version}, commit `{args.commit}`,
  `--threads {args.ferrite_threads}`; a fresh server per configuration and round;
  {args.rounds} round(s) (configuration order rotated each round); medians reported.
- Machine: the shared 2-core VM. Load average (1/5/15 min) before the run: {args.load_before};
  after: {args.load_after}. redis-benchmark and the OTLP sink share the same 2 cores.
- Traces: OTLP/HTTP protobuf to `bench/otlp_sink.js` on 127.0.0.1 (accepts and discards, does
  not decode), default batching (`batch_size` 512, `batch_timeout_ms` 5000, `max_queue_size`
  2048); OTLP metrics and logs off. "Metrics only" serves GET /metrics (not scraped during the
  run) with `[telemetry]` off; the baseline has both off.
- Throughput / p99 impact: mean over SET and GET of the per-test medians, against the
  baseline. Memory overhead: VmRSS after the run minus the baseline's. "round spread": how far
  apart the rounds of the same configuration were ((max - min) / median of the per-round
  throughput); an impact smaller than the spread is not resolved by this run. "Ferrite CPU per
  request": CPU time (utime + stime of all Ferrite threads, the exporter's included) over the
  requests served, median over rounds; on a shared machine it is steadier than throughput.

{h} Performance impact (seed format)

{impact}
{chart}{h} Targets

| target | measured | met |
|---|---|---|
{verdict_lines}

Met: {met} of {len(verdicts)}.

{h} /metrics scrape time (20 scrapes per format, curl `%{{time_total}}`)

{scrape}
{h} Raw medians

{detail_table(configs, pipelines, agg, proc)}

{h} Problems noted by the script

{problems}
"""


def plot(args, level_unused=None):
    """Bar chart: each configuration's throughput relative to the baseline, per -P."""
    configs, pipelines, _, agg, _ = analyse(load(args.csv))
    if not shutil.which("gnuplot") or ("off", pipelines[0]) not in agg:
        print("gnuplot or baseline missing: no chart")
        return False
    with tempfile.NamedTemporaryFile("w", suffix=".dat", delete=False) as f:
        f.write("label " + " ".join(f"P{p}" for p in pipelines) + "\n")
        for c in configs:
            vals = []
            for p in pipelines:
                a, b = agg.get((c, p)), agg.get(("off", p))
                vals.append(f"{a['thr'] / b['thr'] * 100:.1f}" if a and b else "NaN")
            f.write(f'"{c}" ' + " ".join(vals) + "\n")
        data = f.name
    series = ", ".join(
        (f"'{data}' skip 1 using {i + 2}:xtic(1)" if i == 0 else f"'' skip 1 using {i + 2}") +
        f" title '-P {p}'" for i, p in enumerate(pipelines))
    script = f"""set terminal pngcairo size 1000,560 noenhanced font ",11"
set output '{args.plot}'
set title "Ferrite throughput with telemetry, % of the baseline (all off); SET+GET mean of medians\\n{args.commit}, load {args.load_before}"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set ylabel "% of baseline throughput"
set yrange [0:*]
set offsets 0, 0, graph 0.08, 0
set grid ytics
set key top right
set xlabel "off = all off, metrics = /metrics only, full100/full10 = full hierarchy at 100%/10%, command100 = command span only at 100%"
plot {series}
"""
    subprocess.run(["gnuplot"], input=script, text=True, check=True)
    os.unlink(data)
    print(f"wrote {args.plot}")
    return True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--csv", required=True)
    ap.add_argument("--scrape-csv")
    ap.add_argument("--touched", default="")
    ap.add_argument("--commit", default="unknown")
    ap.add_argument("--ferrite-version", default="ferrite")
    ap.add_argument("--ferrite-threads", default="2")
    ap.add_argument("--rounds", default="2")
    ap.add_argument("--flags", default="")
    ap.add_argument("--load-before", default="unknown")
    ap.add_argument("--load-after", default="unknown")
    ap.add_argument("--notes")
    ap.add_argument("--markdown", help="docs/benchmarks.md: writes its 'Telemetry overhead' section")
    ap.add_argument("--telemetry-md", help="docs/telemetry.md: writes its generated block")
    ap.add_argument("--plot", help="PNG chart of the throughput relative to the baseline")
    args = ap.parse_args()

    args.markdown_target = args.markdown or "docs/benchmarks.md"
    args.plotted = bool(args.plot) and plot(args)
    text = body(args, 3)
    print(text)
    if args.markdown:
        mdsection.replace_section(args.markdown, "Telemetry overhead",
                                  "## Telemetry overhead\n\n" + text,
                                  before="## Other measurements")
        print(f"wrote section 'Telemetry overhead' of {args.markdown}")
    if args.telemetry_md:
        args.markdown_target = args.telemetry_md
        mdsection.replace_section(args.telemetry_md, "Telemetry overhead", body(args, 3),
                                  before="## Metrics")
        print(f"wrote the generated block of {args.telemetry_md}")


if __name__ == "__main__":
    main()
