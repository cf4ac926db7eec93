#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""plot-replay.py DIR OUT.svg: the AnycastTTL curves of bench-replay.sh as
a hand-written SVG (no plotting package needed): left, echo requests per
lookup; right, share of anycast lookups answered with a member that is no
longer the nearest; one line per member-change interval, log-scaled TTL
axis, the default AnycastTTL=60s marked."""
import math
import os
import sys

SERIES = [("600", "member change every 10 min", "#d62728"),
          ("3600", "every 1 h", "#1f77b4"),
          ("21600", "every 6 h", "#2ca02c")]


def load(path):
    rows = []
    with open(path) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            v = line.split()
            rows.append((float(v[0]), float(v[3]), float(v[5])))
    return rows


def panel(x0, title, ylabel, data, col, ymax, yfmt):
    w, h, left, top = 380, 260, 60, 40
    out = [f'<g transform="translate({x0},0)">',
           f'<text x="{left + w / 2}" y="22" text-anchor="middle" font-size="14">{title}</text>',
           f'<rect x="{left}" y="{top}" width="{w}" height="{h}" fill="none" stroke="#333"/>']
    # TTL 0 is drawn at 1 s on the log axis (labelled 0).
    lx = lambda t: left + w * (math.log10(max(t, 1)) - 0) / (math.log10(3600) - 0)
    ly = lambda v: top + h - h * v / ymax
    for t in (1, 10, 60, 300, 600, 1800, 3600):
        x = lx(t)
        out.append(f'<line x1="{x:.1f}" y1="{top + h}" x2="{x:.1f}" y2="{top + h + 4}" stroke="#333"/>')
        label = "0" if t == 1 else (f"{t // 60}min" if t >= 60 else f"{t}s")
        out.append(f'<text x="{x:.1f}" y="{top + h + 16}" text-anchor="middle" font-size="10">{label}</text>')
    for i in range(6):
        v = ymax * i / 5
        y = ly(v)
        out.append(f'<line x1="{left - 4}" y1="{y:.1f}" x2="{left}" y2="{y:.1f}" stroke="#333"/>')
        out.append(f'<text x="{left - 6}" y="{y + 3:.1f}" text-anchor="end" font-size="10">{yfmt(v)}</text>')
    x = lx(60)
    out.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + h}" stroke="#999" stroke-dasharray="4,3"/>')
    out.append(f'<text x="{x + 3:.1f}" y="{top + 12}" font-size="10" fill="#666">default 60s</text>')
    out.append(f'<text x="{left + w / 2}" y="{top + h + 32}" text-anchor="middle" font-size="11">AnycastTTL (log scale)</text>')
    out.append(f'<text transform="translate({left - 44},{top + h / 2}) rotate(-90)" text-anchor="middle" font-size="11">{ylabel}</text>')
    for key, _, color in SERIES:
        pts = " ".join(f"{lx(r[0]):.1f},{ly(min(r[col], ymax)):.1f}" for r in data[key])
        out.append(f'<polyline points="{pts}" fill="none" stroke="{color}" stroke-width="2"/>')
        for r in data[key]:
            out.append(f'<circle cx="{lx(r[0]):.1f}" cy="{ly(min(r[col], ymax)):.1f}" r="2.5" fill="{color}"/>')
    out.append("</g>")
    return out


def main():
    d, target = sys.argv[1], sys.argv[2]
    data = {k: load(os.path.join(d, f"replay-anycast-{k}.dat")) for k, _, _ in SERIES}
    emax = max(r[1] for rows in data.values() for r in rows)
    smax = max(r[2] for rows in data.values() for r in rows)
    emax = math.ceil(emax * 1.1 * 2) / 2 or 1
    smax = max(0.01, math.ceil(smax * 1.15 * 100) / 100)
    svg = ['<svg xmlns="http://www.w3.org/2000/svg" width="920" height="400" font-family="sans-serif">',
           '<rect width="100%" height="100%" fill="white"/>']
    svg += panel(0, "Probe traffic", "echo requests per lookup", data, 1, emax, lambda v: f"{v:.1f}")
    svg += panel(460, "Stale answers", "anycast lookups answered with a non-nearest member",
                 data, 2, smax, lambda v: f"{v * 100:.0f}%")
    for i, (_, label, color) in enumerate(SERIES):
        y = 372 + 0 * i
        x = 80 + 260 * i
        svg.append(f'<line x1="{x}" y1="{y}" x2="{x + 24}" y2="{y}" stroke="{color}" stroke-width="2"/>')
        svg.append(f'<text x="{x + 30}" y="{y + 4}" font-size="11">{label}</text>')
    svg.append('<text x="460" y="395" text-anchor="middle" font-size="10" fill="#555">'
               'replay: 10k destinations, Zipf(1), 10 lookups/s, 20% anycast (3 members), 5% silent, '
               'MemberProbes=16, 1 simulated day; real resolverd/anycast/cache.c</text>')
    svg.append("</svg>")
    with open(target, "w") as f:
        f.write("\n".join(svg) + "\n")


if __name__ == "__main__":
    main()
