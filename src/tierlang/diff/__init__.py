"""Compare two program versions: what changed in the rules, and who it affects.

- `structural`: the edit script between two IRs, each change classified tightened, loosened
  or neutral (`structural_diff`).
- `mapping`: which tracks and levels of two programs are compared (tracks of the same name
  level by level, or a declared `.tiermap` mapping between different tracks).
- `impact`: both programs evaluated on the same partners: transition matrices, gains and
  losses with the requirements that now fail, the outreach list and the renewal timeline.
- `report`: the two together (`diff`) and their JSON form (`to_data`).
"""

from tierlang.diff.mapping import Mapping, MappingError, find_mapping, load_mapping
from tierlang.diff.report import SCHEMA, DiffReport, diff, to_data
from tierlang.diff.structural import Change, structural_diff

__all__ = [
    "Change",
    "DiffReport",
    "Mapping",
    "MappingError",
    "SCHEMA",
    "diff",
    "find_mapping",
    "load_mapping",
    "structural_diff",
    "to_data",
]
