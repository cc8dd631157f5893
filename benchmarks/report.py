"""The benchmark table: printed for the terminal, written as `benchmarks/results.md`."""

from __future__ import annotations

from pathlib import Path

from benchmarks.measure import Figure

RESULTS = Path(__file__).resolve().parent / "results.md"


def _number(value: float | None, unit: str = "") -> str:
    if value is None:
        return ""
    digits = 0 if abs(value) >= 100 else 1 if abs(value) >= 10 else 2 if abs(value) >= 1 else 3
    return f"{value:,.{digits}f}{f' {unit}' if unit else ''}"


def _verdict(figure: Figure) -> str:
    if figure.met is None:
        return figure.target
    return f"{figure.target}: {'met' if figure.met else 'MISSED'}"


def rows(figures: list[Figure]) -> list[list[str]]:
    table = []
    for f in figures:
        ratio = f.ratio
        table.append(
            [
                f.group,
                f.name,
                _number(f.value, f.unit),
                _number(f.floor, f.unit) + (f" ({f.floor_name})" if f.floor_name else ""),
                "" if ratio is None else f"{ratio:.2f}×",
                _verdict(f),
                f.note,
            ]
        )
    return table


HEADER = ["group", "figure", "value", "floor", "ratio", "target", "note"]


def print_table(figures: list[Figure]) -> None:
    for row in rows(figures):
        group, name, value, floor, ratio, target, _ = row
        floor_short = floor.split(" (")[0]
        print(f"{group:<16} {name[:70]:<70} {value:>14} {floor_short:>14} {ratio:>7}  {target}")


def markdown(figures: list[Figure], machine: dict[str, str], notes: str, command: str) -> str:
    lines = ["# Benchmark results", "", f"Produced by `{command}`.", ""]
    lines += [f"- **{key}**: {value}" for key, value in machine.items()]
    lines += [
        "",
        "Each figure is the median of several runs; its floor is measured in the same run.",
        "",
    ]
    lines += ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    for row in rows(figures):
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
    lines += ["", notes.strip(), ""]
    return "\n".join(lines)
