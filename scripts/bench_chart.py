"""Draws how the metrics pass's cost grows with the customers, from `make bench` runs, as a
small SVG chart on log-log axes (seconds of the full pass and of the quiet night, by
customers):

    python3 scripts/bench_chart.py docs/bench-growth.svg 10000:4.1:2.9 100000:35.2:19.8 ...

each point being customers:full pass seconds:quiet night seconds ("-" when not measured).
"""

import math
import sys

WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 560, 320, 64, 150, 20, 44
SERIES = (("full pass", 1, "#1f77b4"), ("quiet night", 2, "#ff7f0e"))


def log_scale(values, low_pixel, high_pixel):
    low = math.floor(math.log10(min(values)))
    high = math.ceil(math.log10(max(values)))
    span = max(high - low, 1)

    def scale(value):
        return low_pixel + (math.log10(value) - low) / span * (high_pixel - low_pixel)

    return scale, range(low, high + 1)


def chart(points):
    customers = [point[0] for point in points]
    seconds = [value for point in points for value in point[1:] if value is not None]
    x, x_decades = log_scale(customers, LEFT, WIDTH - RIGHT)
    y, y_decades = log_scale(seconds, HEIGHT - BOTTOM, TOP)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}"'
        ' font-family="sans-serif" font-size="12">',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
    ]
    for decade in x_decades:
        pixel = x(10**decade)
        parts.append(
            f'<line x1="{pixel:.1f}" y1="{TOP}" x2="{pixel:.1f}" y2="{HEIGHT - BOTTOM}"'
            ' stroke="#ddd"/>'
            f'<text x="{pixel:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">'
            f"{10**decade:,}</text>"
        )
    for decade in y_decades:
        pixel = y(10**decade)
        parts.append(
            f'<line x1="{LEFT}" y1="{pixel:.1f}" x2="{WIDTH - RIGHT}" y2="{pixel:.1f}"'
            ' stroke="#ddd"/>'
            f'<text x="{LEFT - 6}" y="{pixel + 4:.1f}" text-anchor="end">{10**decade:g} s</text>'
        )
    parts.append(
        f'<text x="{(LEFT + WIDTH - RIGHT) / 2}" y="{HEIGHT - 8}" text-anchor="middle">'
        "customers (ten invoice lines each)</text>"
    )
    for row, (name, column, colour) in enumerate(SERIES):
        drawn = [point for point in points if point[column] is not None]
        path = " ".join(f"{x(point[0]):.1f},{y(point[column]):.1f}" for point in drawn)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for point in drawn:
            parts.append(
                f'<circle cx="{x(point[0]):.1f}" cy="{y(point[column]):.1f}" r="3"'
                f' fill="{colour}"/>'
            )
        legend = TOP + 10 + 20 * row
        parts.append(
            f'<line x1="{WIDTH - RIGHT + 12}" y1="{legend}" x2="{WIDTH - RIGHT + 32}"'
            f' y2="{legend}" stroke="{colour}" stroke-width="2"/>'
            f'<text x="{WIDTH - RIGHT + 38}" y="{legend + 4}">{name}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    points = sorted(
        tuple(None if value == "-" else float(value) for value in arg.split(":"))
        for arg in sys.argv[2:]
    )
    with open(sys.argv[1], "w", encoding="utf-8") as svg:
        svg.write(chart(points))


if __name__ == "__main__":
    main()
