"""tierlang: write, check and compare partner-program rules."""

import gc as _gc

# Importing tierlang creates some 100,000 objects that live as long as the process (its
# classes and their generated methods, the passes' tables): with the collector's default
# threshold it would walk them over a hundred times meanwhile (30 ms, a tenth of a `tier
# check`). Collections wait until the imports are done; the caller's threshold is restored.
_threshold = _gc.get_threshold()
_gc.set_threshold(max(_threshold[0], 100_000), *_threshold[1:])
try:
    from tierlang.loader import LoadResult, load_program
finally:
    _gc.set_threshold(*_threshold)

__all__ = ["LoadResult", "load_program", "evaluate", "Evaluation", "__version__"]

__version__ = "0.1.0"


def __getattr__(name: str):
    # The engines pull in polars; import them on first use so `tier check` starts fast.
    if name in ("evaluate", "Evaluation"):
        from tierlang import engine

        return getattr(engine, name)
    raise AttributeError(f"module 'tierlang' has no attribute {name!r}")
