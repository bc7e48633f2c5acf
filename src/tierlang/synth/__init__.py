"""`tier synth`: synthetic partner populations for one or more programs.

    >>> from tierlang import load_program
    >>> from tierlang.synth import synthesize, write_population
    >>> mspp = load_program("programs/mspp2009.tier").program
    >>> pop = synthesize([mspp], rows=43_000, seed=0)      # a polars DataFrame in pop.frame
    >>> write_population(pop.frame, "partners.csv", "csv")

The population covers every input column of the given programs, plus `partner_id`,
`anniversary` and profile columns (headcount, segment flags). It is deterministic: the same
programs, rows, seed and calibration give the same bytes. The knobs and what they are
calibrated to are in `calibration.toml` next to this module; docs/synth.md describes the model.
"""

from tierlang.synth.calibration import Calibration, load_calibration
from tierlang.synth.model import ANNIVERSARY, PARTNER_ID, Population, synthesize
from tierlang.synth.output import FORMATS, format_for, write_population
from tierlang.synth.schema import SynthError, build_schema

__all__ = [
    "synthesize",
    "Population",
    "SynthError",
    "Calibration",
    "load_calibration",
    "build_schema",
    "write_population",
    "format_for",
    "FORMATS",
    "PARTNER_ID",
    "ANNIVERSARY",
]
