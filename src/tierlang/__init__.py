"""tierlang: write, check and compare partner-program rules."""

from tierlang.loader import LoadResult, load_program

__all__ = ["LoadResult", "load_program", "__version__"]

__version__ = "0.1.0"
