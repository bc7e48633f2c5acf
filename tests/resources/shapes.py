"""Programs that grow along one axis, for the resource suite (and `make fuzz`'s seeds).

Each shape is a family of valid programs indexed by a size n, built so that a careless pass
costs more than linear time in n: every step reads the step before it twice (a derived
metric, a gate), or a track has n variants (`choose best`, `choose ... when ... else`).
`data(shape, n, rows)` writes matching partner rows: values chosen so that some partners
hold levels and others miss them (explanations and diffs then have work to do)."""

from __future__ import annotations

SHAPES = ("variants", "derived", "gates", "classified")

_HEADER = 'program {name} "{name}" {{\n  version "{version}"\n  effective 2024-01-01\n}}\n'


def program(shape: str, n: int, version: str = "1", threshold: int = 10) -> str:
    """The program of `shape` at size n; `version`/`threshold` make a second version for
    `tier diff` (a changed threshold: partners move)."""
    out = [_HEADER.format(name=shape, version=version)]
    if shape == "variants":
        out += [f"metric m{i}: count\n" for i in range(n)]
        out.append("track t {\n  choose best\n")
        for i in range(n):
            out.append(
                f"  variant v{i} {{\n    score s {{\n      a: points 20 * clamp(m{i} / 5)\n    }}\n"
                f"    level silver {{\n      require s >= {threshold}\n    }}\n"
                f"    level gold {{\n      require s >= {threshold + 5}\n    }}\n  }}\n"
            )
        out.append("}\n")
    elif shape == "derived":
        # each metric reads the one before twice; the value stays m0's
        out.append("metric d0: count\n")
        out += [f"metric d{i}: number = (d{i - 1} + d{i - 1}) / 2\n" for i in range(1, n + 1)]
        out.append(f"track t {{\n  level silver {{\n    require d{n} >= {threshold}\n  }}\n}}\n")
    elif shape == "gates":
        out.append("metric a: count\nmetric b: count\ngate g0: a >= 1\n")
        out += [f"gate g{i}: (g{i - 1} and b >= {i % 7}) or (g{i - 1} and a >= {threshold})\n" for i in range(1, n + 1)]
        out.append(f"track t {{\n  level silver {{\n    require g{n}\n  }}\n}}\n")
    elif shape == "classified":
        # at least two variants (size 1 included): a choice between one is not a program
        n = max(n, 2)
        out.append("metric w: count\nmetric m: count\n")
        chain = " else ".join(f"v{i} when w >= {n - i}" for i in range(n - 1))
        out.append(f"track t {{\n  choose {chain} else v{n - 1}\n")
        for i in range(n):
            out.append(
                f"  variant v{i} {{\n    score s {{\n      a: points 20 * clamp(m / {i + 1})\n    }}\n"
                f"    level silver {{\n      require s >= {threshold}\n    }}\n  }}\n"
            )
        out.append("}\n")
    else:
        raise ValueError(shape)
    return "".join(out)


def columns(shape: str, n: int) -> list[str]:
    return {
        "variants": [f"m{i}" for i in range(n)],
        "derived": ["d0"],
        "gates": ["a", "b"],
        "classified": ["w", "m"],
    }[shape]


def data(shape: str, n: int, rows: int = 20) -> str:
    """A CSV of `rows` partners P0001...: value k % 11 for partner k (0 to 10)."""
    cols = columns(shape, n)
    lines = [",".join(["partner_id", *cols])]
    for k in range(1, rows + 1):
        lines.append(",".join([f"P{k:04}", *(str((k * (j + 3)) % 11) for j in range(len(cols)))]))
    return "\n".join(lines) + "\n"
