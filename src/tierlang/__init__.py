"""tierlang: write, check and compare partner-program rules."""

from tierlang.loader import LoadResult, load_program

__all__ = ["LoadResult", "load_program", "evaluate", "__version__"]

__version__ = "0.1.0"


def __getattr__(name: str):
    # `tierlang.evaluate` (DESIGN §1) is imported on first use: it brings in polars, which
    # commands that only parse and check programs do not need.
    if name == "evaluate":
        from tierlang.engine import evaluate

        return evaluate
    raise AttributeError(f"module 'tierlang' has no attribute {name!r}")
