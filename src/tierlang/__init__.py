"""tierlang: write, check and compare partner-program rules."""

from tierlang.loader import LoadResult, load_program

__all__ = ["LoadResult", "load_program", "evaluate", "Evaluation", "__version__"]

__version__ = "0.1.0"


def __getattr__(name: str):
    # The engines pull in polars; import them on first use so `tier check` starts fast.
    if name in ("evaluate", "Evaluation"):
        from tierlang import engine

        return getattr(engine, name)
    raise AttributeError(f"module 'tierlang' has no attribute {name!r}")
