#!/usr/bin/env python3
"""The growth section of scripts/bench: one table and one plot of how W-sct cost grows with
the request (Body 1, 8, 64 KiB) and with the stored state (replay records, stateful contexts,
on redb and on Redis), as ratios to a baseline measured in the same run.

Reads the run directory the section wrote (rows.txt, machine.txt, ID-closed.json and
ID-half.json per row), replaces the GROWTH section of the given Markdown file and writes the
SVG plot (no package beyond the standard library). Every figure comes from the run directory.
"""

import argparse
import html
import os
import sys

# The main report's helpers: the run's machine.txt, a JSON result, a generated section.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../benches/baseline"))
from report import load_json, machine, replace_section  # noqa: E402

BEGIN = "<!-- BEGIN GROWTH by scripts/bench: do not edit by hand -->"
END = "<!-- END GROWTH -->"
SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def load_result(path):
    """A load tool result, or None when the run failed or left none."""
    d = load_json(path)
    return None if not d or d.get("failed") else d


def count_text(n):
    """10⁴ for a power of ten, else with thousands separators."""
    s = str(n)
    if n >= 10 and s == "1" + "0" * (len(s) - 1):
        return "10" + str(len(s) - 1).translate(SUPERSCRIPT)
    return f"{n:,}"


def size_text(b):
    if b is None:
        return "—"
    if b >= 1 << 20:
        return f"{b / (1 << 20):,.0f} MiB"
    return f"{b / 1024:,.0f} KiB"


class Row:
    def __init__(self, run, fields):
        (self.id, self.store, stateful, kib, self.fill, self.base, self.status) = fields[:7]
        self.size = int(fields[7]) if len(fields) > 7 and fields[7].isdigit() else None
        self.stateful = stateful == "1"
        self.kib = float(kib)
        self.closed = load_result(os.path.join(run, f"{self.id}-closed.json"))
        self.half = load_result(os.path.join(run, f"{self.id}-half.json"))

    def prefill(self):
        """(kind, n) or None."""
        if self.fill in ("-", ""):
            return None
        kind, _, n = self.fill.partition("=")
        return kind, int(float(n))

    def label(self):
        p = self.prefill()
        store = "redb" if self.store == "redb" else "Redis"
        if p and p[0] == "replay":
            what = f"replay cache {count_text(p[1])} records"
        elif p:
            what = f"{count_text(p[1])} stateful contexts"
        elif self.stateful:
            what = "stateful, empty"
        else:
            what = f"Body {self.kib:g} KiB" if self.kib != 1 else "Body 1 KiB, empty"
        return f"{store}: {what}"

    def is_baseline(self):
        return self.id == self.base

    def tput(self):
        return self.closed and self.closed.get("throughput")

    def p99_closed(self):
        return self.closed and self.closed.get("p99_us")

    def p99_half(self):
        return self.half and self.half.get("p99_us")


def ratio(a, b):
    return a / b if a is not None and b else None


def ms(us):
    return "—" if us is None else f"{us / 1000:.2f} ms"


def fmt_ratio(r):
    return "—" if r is None else f"{r:.2f}×"


def table(rows, by_id, m):
    out = [BEGIN, ""]
    quick = m.get("quick") == "1"
    out.append(
        f"Run of {m.get('date', '?')} at commit `{m.get('commit', '?')}` on **{m.get('cores', '?')} "
        f"cores** ({m.get('cpu', '?')}); load average {m.get('loadavg_start', '?')} at the start, "
        f"{m.get('loadavg_end', '?')} at the end; W-sct over HTTP, {m.get('connections', '?')} "
        f"connections, {m.get('load_secs', '?')} s per run."
    )
    if quick:
        out.append("")
        out.append(
            "> **Quick mode** (`BENCH_QUICK=1`): shorter runs and smaller stores than the full "
            "run (the largest prefill is 10⁵, not 10⁶). Read the ratios as a check that the "
            "section works, not as the figures of record."
        )
    try:
        load1 = float(m.get("loadavg_start", "").split()[0])
    except (IndexError, ValueError):
        load1 = None
    if load1 is not None and load1 >= 1.0:
        out.append("")
        out.append(
            f"> **Loaded machine**: the 1-minute load average was {load1:.2f} at the start "
            f"(other jobs shared the {m.get('cores', '?')} cores), so the ratios carry their "
            "noise; the figures of record come from a run on a quiet machine."
        )
    note = os.environ.get("BENCH_GROWTH_NOTE")
    if note:
        out.append("")
        out.append(f"> {note}")
    out.append("")
    out.append(
        "| row | request | RSTR/s | × baseline | p99 (closed loop) | p99 at half load "
        "| × baseline | store after the run | baseline |"
    )
    out.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        if r.status == "skipped":
            out.append(f"| {r.label()} | — | skipped: no redis-server | | | | | | |")
            continue
        b = by_id.get(r.base)
        size = r.closed.get("request_bytes") if r.closed else None
        tput = r.tput()
        base_name = "this row" if r.is_baseline() else (b.label() if b else "?")
        out.append(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |".format(
                r.label(),
                "—" if size is None else f"{size / 1024:.1f} KiB",
                "failed" if tput is None else f"{tput:,.0f}",
                fmt_ratio(ratio(tput, b and b.tput())),
                ms(r.p99_closed()),
                ms(r.p99_half()),
                fmt_ratio(ratio(r.p99_half(), b and b.p99_half())),
                size_text(r.size),
                base_name,
            )
        )
    out.append("")
    out.append(
        "![W-sct throughput and p99 at half load, each as a ratio to its baseline]"
        "(performance-growth.svg)"
    )
    out.append("")
    out.append(END)
    return "\n".join(out) + "\n"


def svg(rows, by_id, m):
    """Horizontal bars: throughput and p99-at-half-load ratios of every non-baseline row."""
    items = []
    for r in rows:
        if r.is_baseline() or r.status != "ok":
            continue
        b = by_id.get(r.base)
        t = ratio(r.tput(), b and b.tput())
        p = ratio(r.p99_half(), b and b.p99_half())
        items.append((r.label(), t, p))
    left, right, top, bar, gap = 250, 90, 70, 13, 14
    width = 820
    plot_w = width - left - right
    height = top + len(items) * (2 * bar + gap) + 50
    vmax = max([1.0] + [v for _, t, p in items for v in (t, p) if v is not None]) * 1.08
    x = lambda v: left + plot_w * v / vmax  # noqa: E731
    colors = ("#3b6fb6", "#e08a2c")
    quick = " (quick mode)" if m.get("quick") == "1" else ""
    s = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{width / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">'
        f"How W-sct cost grows{quick}: ratio to the same run's baseline</text>",
        f'<text x="{width / 2}" y="38" text-anchor="middle" fill="#555">'
        f"{html.escape(m.get('date', ''))}, commit {html.escape(m.get('commit', ''))}, "
        f"{html.escape(m.get('cores', '?'))} cores, load {html.escape(m.get('loadavg_start', '?'))}"
        "</text>",
    ]
    for i, (name, color) in enumerate(zip(("throughput (RSTR/s)", "p99 at half load"), colors)):
        lx = left + i * 200
        s.append(f'<rect x="{lx}" y="48" width="12" height="12" fill="{color}"/>')
        s.append(f'<text x="{lx + 18}" y="58">{name}</text>')
    # Grid: a line per whole ratio, the 1× line solid.
    step = 1 if vmax <= 6 else 2 if vmax <= 12 else 5
    v = 0
    bottom = height - 40
    while v <= vmax:
        dash = "" if v == 1 else ' stroke-dasharray="3,3"'
        col = "#333" if v == 1 else "#ccc"
        s.append(f'<line x1="{x(v):.1f}" y1="{top - 4}" x2="{x(v):.1f}" y2="{bottom}" stroke="{col}"{dash}/>')
        s.append(f'<text x="{x(v):.1f}" y="{bottom + 16}" text-anchor="middle">{v}×</text>')
        v += step
    y = top
    for label, t, p in items:
        s.append(
            f'<text x="{left - 8}" y="{y + bar + 4}" text-anchor="end">{html.escape(label)}</text>'
        )
        for k, (val, color) in enumerate(((t, colors[0]), (p, colors[1]))):
            yy = y + k * bar
            if val is None:
                s.append(f'<text x="{left + 4}" y="{yy + bar - 2}" fill="#a00">failed</text>')
                continue
            s.append(
                f'<rect x="{left}" y="{yy}" width="{max(1.0, x(val) - left):.1f}" height="{bar - 1}" '
                f'fill="{color}"/>'
            )
            s.append(f'<text x="{x(val) + 4:.1f}" y="{yy + bar - 2}">{val:.2f}×</text>')
        y += 2 * bar + gap
    s.append("</svg>")
    return "\n".join(s) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--run", required=True)
    ap.add_argument("--doc")
    ap.add_argument("--svg")
    a = ap.parse_args()
    with open(os.path.join(a.run, "rows.txt")) as f:
        rows = [Row(a.run, line.split()) for line in f if line.strip()]
    by_id = {r.id: r for r in rows}
    m = machine(a.run)
    text = table(rows, by_id, m)
    print(text)
    if a.svg:
        with open(a.svg, "w") as f:
            f.write(svg(rows, by_id, m))
        print(f"wrote {a.svg}", file=sys.stderr)
    if a.doc:
        replace_section(a.doc, BEGIN, END, text)
    failed = [r.id for r in rows if r.status == "ok" and (r.tput() is None or r.p99_half() is None)]
    if failed:
        print(f"growth: runs failed: {' '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
