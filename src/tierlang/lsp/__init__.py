"""Editor support: the language server `tier lsp` and the client-free core behind it.

The core answers every question an editor asks about `.tier` and `.tiermap` files with the
compiler's own parser and passes, no client needed (tests and tools drive it directly):

- `session`: open buffers before the disk, checks (`check_document`), per-file indexes;
- `parsing`: parses that reuse a file's unchanged declarations;
- `index`: every name resolved to its declaration (definition, references, rename);
- `hover`, `completion`, `edits` (formatting, rename, quick fixes), `outline` (symbols,
  folding, semantic tokens), `examples` (a file's examples run in place);
- `convert`: positions and diagnostics in the protocol's terms (UTF-16 columns).

`server` is the thin pygls layer over standard input and output.
"""

from tierlang.lsp.session import Checked, Session, check_document

__all__ = ["Session", "Checked", "check_document"]
