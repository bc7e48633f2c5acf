"""Is a Parquet file safe to hand to polars? A structural check of its footer and pages.

polars trusts the sizes and counts a Parquet file declares: a corrupted page header (a
negative value count, a page size beyond its column chunk) can make it allocate 2^61 bytes
and *abort the process* (exit 134), which no `except` catches. `check_parquet` reads what
those sizes are taken from, and nothing else: the footer and the header of every page (a few
dozen bytes each; Thrift compact protocol, parsed here rather than by pyarrow, whose import
alone costs more than the check), never the page data. It costs milliseconds for a million
rows and is run before polars opens any
Parquet file a user names (`tierlang.data._ParquetSource`). A file that fails it is
reported as corrupt; a file that passes can still hold bad page *data*, which polars reports
as an ordinary error.
"""

from __future__ import annotations

import mmap
import os

__all__ = ["CorruptParquet", "NotParquet", "check_parquet"]

#: Bytes of a page header read at once; a header with long statistics is read again whole.
_HEAD = 256
#: Nesting of Thrift structs and lists accepted in a page header (the format uses 4).
_DEPTH = 16
_I32 = 2**31 - 1


class CorruptParquet(Exception):
    """The file is not a Parquet file polars can be trusted with; the message says why."""


class NotParquet(CorruptParquet):
    """The file is not Parquet at all (no PAR1 magic at both ends)."""


class _Truncated(Exception):
    """The bytes read end inside a page header (read more, or the file is cut short)."""


def check_parquet(path: str | os.PathLike) -> None:
    """Raise `CorruptParquet` unless the footer of `path` parses and every page header of
    every column chunk lies inside its chunk with sizes and counts that add up."""
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        if size < 12:
            raise NotParquet("it is too short to be one")
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as buf:
            _check(buf, size)


def _check(buf: mmap.mmap, size: int) -> None:
    if buf[:4] != b"PAR1" or buf[-4:] != b"PAR1":
        if buf[-4:] == b"PARE":
            raise CorruptParquet("its footer is encrypted")
        raise NotParquet("it does not start and end with PAR1")
    length = int.from_bytes(buf[-8:-4], "little")
    if length > size - 12:
        raise CorruptParquet("its footer is longer than the file")
    try:
        meta = _skim(buf[size - 8 - length : size - 8], 0, 0, _FOOTER)[0]
    except (IndexError, _Truncated, ValueError):
        raise CorruptParquet("its footer cannot be read") from None
    num_rows, groups = meta.get(3), meta.get(4) or []
    if not isinstance(num_rows, int) or num_rows < 0 or not isinstance(groups, list):
        raise CorruptParquet("its footer declares no row count or a negative one")
    rows = 0
    for g, group in enumerate(groups, start=1):
        group_rows, chunks = _field(group, 3), _field(group, 1) or []
        if not isinstance(group_rows, int) or group_rows < 0 or not isinstance(chunks, list):
            raise CorruptParquet(f"row group {g} declares no row count or a negative one")
        rows += group_rows
        for c, chunk in enumerate(chunks, start=1):
            column = _field(chunk, 3)
            where = f"row group {g}, column {_name(column, c)}"
            if _field(chunk, 1) is not None:
                raise CorruptParquet(f"{where}: its data is in another file")
            if not isinstance(column, dict):
                raise CorruptParquet(f"{where}: no column metadata")
            _check_chunk(buf, size - 8 - length, column, group_rows, where)
    if rows != num_rows:
        raise CorruptParquet(f"the row groups hold {rows} rows, the footer says {num_rows}")


def _name(column, position: int) -> str:
    """The column's name as its metadata gives it (path_in_schema), else its position."""
    path = _field(column, 3)
    if isinstance(path, list) and path and all(isinstance(p, bytes) for p in path):
        return repr(".".join(p.decode("utf-8", "replace") for p in path))
    return str(position)


def _field(struct, key: int):
    return struct.get(key) if isinstance(struct, dict) else None


def _check_chunk(buf: mmap.mmap, limit: int, column: dict, group_rows: int, where: str) -> None:
    """The pages of one column chunk (`column`: its ColumnMetaData) within bytes 4..`limit`."""
    values_declared, length, start = column.get(5), column.get(7), column.get(9)
    dictionary = column.get(11)
    if not all(isinstance(n, int) for n in (values_declared, length, start)):
        raise CorruptParquet(f"{where}: its metadata lacks a size or an offset")
    if isinstance(dictionary, int) and 0 < dictionary < start:
        start = dictionary
    if start < 4 or length < 0 or start + length > limit:
        raise CorruptParquet(f"{where}: its pages lie outside the file")
    if values_declared < 0 or (values_declared > 0 and group_rows == 0):
        raise CorruptParquet(f"{where}: declares {values_declared} values in {group_rows} rows")
    end = start + length
    values = 0
    at = start
    # A chunk's pages often have byte-identical headers (equal sizes, no or equal statistics):
    # the reader reads no byte past a header, so the same bytes read the same.
    seen, header, used = b"", {}, 0
    while at < end:
        if not seen or at + used > end or buf[at : at + used] != seen:
            header, used = _page_header(buf, at, end, where)
            seen = buf[at : at + used]
        kind = header.get(1)
        unzipped, zipped = header.get(2), header.get(3)
        if not isinstance(unzipped, int) or not isinstance(zipped, int) or unzipped < 0 or zipped < 0:
            raise CorruptParquet(f"{where}: a page declares a negative or missing size")
        at += used + zipped
        if at > end:
            raise CorruptParquet(f"{where}: a page runs past the end of its column chunk")
        if kind in (0, 3):  # DATA_PAGE, DATA_PAGE_V2
            page = header.get(5 if kind == 0 else 8)
            if not isinstance(page, dict) or not isinstance(page.get(1), int):
                raise CorruptParquet(f"{where}: a data page has no data page header")
            counts = [page.get(1)] + ([page.get(2), page.get(3), page.get(5), page.get(6)] if kind == 3 else [])
            if any(n is not None and not (isinstance(n, int) and 0 <= n <= _I32) for n in counts):
                raise CorruptParquet(f"{where}: a data page declares a negative number of values")
            if kind == 3 and (page.get(5) or 0) + (page.get(6) or 0) > unzipped:
                raise CorruptParquet(f"{where}: a data page's levels are longer than the page")
            values += page[1]
        elif kind == 2:  # DICTIONARY_PAGE
            page = header.get(7)
            if not isinstance(page, dict) or not isinstance(page.get(1), int) or not 0 <= page[1] <= _I32:
                raise CorruptParquet(f"{where}: a dictionary page declares a negative number of values")
    if values != values_declared:
        raise CorruptParquet(f"{where}: its pages hold {values} values, the footer says {values_declared}")


def _page_header(buf: mmap.mmap, at: int, end: int, where: str) -> tuple[dict, int]:
    """The page header at `at` as {field id: value} (the fields `_check_chunk` reads) and
    its length in bytes."""
    want = _HEAD
    while True:
        data = buf[at : min(end, at + want)]
        try:
            return _skim(data, 0, 0, _PAGE_HEADER)
        except (IndexError, _Truncated):
            if at + want >= end:
                raise CorruptParquet(f"{where}: a page header runs past the end of its column chunk") from None
            want *= 4
        except ValueError:
            raise CorruptParquet(f"{where}: a page header cannot be read") from None


# What the check reads of the footer and of a page header, by Thrift field id: the whole
# value (True), of a struct the fields given, of a list of structs ([fields]) those fields of
# each. The rest (the schema, statistics, encodings, key-value metadata) is skipped, but read
# as `_Compact` reads it, to the same errors.
_COLUMN_META = {3: True, 5: True, 7: True, 9: True, 11: True}  # name, values, size, offsets
_ROW_GROUP = {1: [{1: True, 3: _COLUMN_META}], 3: True}  # column chunks (file path, metadata), rows
_FOOTER = {3: True, 4: [_ROW_GROUP]}  # FileMetaData: rows, row groups
_PAGE = {1: True}  # DataPageHeader and DictionaryPageHeader: num_values
_PAGE_V2 = {1: True, 2: True, 3: True, 5: True, 6: True}  # DataPageHeaderV2: counts, level lengths
_PAGE_HEADER = {1: True, 2: True, 3: True, 5: _PAGE, 7: _PAGE, 8: _PAGE_V2}
_NOTHING: dict = {}


def _skim(data: bytes, pos: int, depth: int, keep: dict) -> tuple[dict, int]:
    """The struct at `pos` (nested `depth` deep) as `_Compact.struct` reads it, but with only
    the fields in `keep`, and where it ends. Faster than `_Compact` (a data page header in
    ~2/3 of the time): no method calls, short varints and skipped strings read inline, skipped
    values build nothing. Bytes missing at the end raise IndexError (`_Compact`: `_Truncated`),
    a malformed struct ValueError."""
    fields: dict = {}
    last = 0
    while True:
        head = data[pos]
        pos += 1
        if head == 0:
            return fields, pos
        kind = head & 0x0F
        if head >> 4:
            last += head >> 4
        else:
            n, pos = _varint(data, pos)
            last = (n >> 1) ^ -(n & 1)
        want = keep.get(last)
        if 4 <= kind <= 6:  # integers, zigzag varints: most fields
            if data[pos] < 0x80:
                n = data[pos]
                pos += 1
            else:
                n, pos = _varint(data, pos)
            if want is not None:
                fields[last] = (n >> 1) ^ -(n & 1)
        elif want is None:
            if kind == 8:  # binary (the statistics' values), skipped inline too
                if data[pos] < 0x80:
                    n = data[pos]
                    pos += 1
                else:
                    n, pos = _varint(data, pos)
                pos = _ahead(data, pos, n)
            elif kind not in (1, 2):  # a boolean field takes no byte
                pos = _skip(data, pos, kind, depth)
        elif kind == 12 and isinstance(want, dict):
            if depth >= _DEPTH:
                raise ValueError("nested too deeply")
            fields[last], pos = _skim(data, pos, depth + 1, want)
        elif kind in (9, 10) and isinstance(want, list) and data[pos] & 0x0F == 12:
            fields[last], pos = _skim_list(data, pos, depth, want[0])
        else:
            reader = _Compact(data)
            reader.pos = pos
            fields[last] = reader.value(kind, depth)
            pos = reader.pos


def _skim_list(data: bytes, pos: int, depth: int, keep: dict) -> tuple[list, int]:
    """The list of structs at `pos` as `_Compact.value` reads it, each with only the fields
    in `keep`, and where it ends."""
    if depth >= _DEPTH:
        raise ValueError("nested too deeply")
    n = data[pos] >> 4
    pos += 1
    if n == 15:
        n, pos = _varint(data, pos)
    items = []
    for _ in range(n):  # each takes a byte or more: at most len(data) rounds
        if depth + 1 >= _DEPTH:
            raise ValueError("nested too deeply")
        item, pos = _skim(data, pos, depth + 2, keep)
        items.append(item)
    return items, pos


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    """The unsigned varint at `pos` and where it ends."""
    shift = n = 0
    while True:
        b = data[pos]
        pos += 1
        n |= (b & 0x7F) << shift
        if not b & 0x80:
            return n, pos
        shift += 7
        if shift > 63:
            raise ValueError("varint too long")


#: Bytes a value of these Thrift types takes in a list or a map (a boolean: one byte).
_SIZE = {1: 1, 2: 1, 3: 1, 7: 8}


def _skip(data: bytes, pos: int, kind: int, depth: int) -> int:
    """Where the value of Thrift type `kind` at `pos` ends, read as `_Compact.value` reads it
    (to the same errors) without building it."""
    if kind in (1, 2):  # a struct field's boolean is in its type
        return pos
    if 4 <= kind <= 6:
        return _varint(data, pos)[1]
    if kind == 8:
        n, pos = _varint(data, pos)
        return _ahead(data, pos, n)
    if kind in _SIZE:
        return _ahead(data, pos, _SIZE[kind])
    if not 9 <= kind <= 12:
        raise ValueError(f"unknown Thrift type {kind}")
    if depth >= _DEPTH:
        raise ValueError("nested too deeply")
    if kind == 12:
        return _skim(data, pos, depth + 1, _NOTHING)[1]
    if kind == 11:
        n, pos = _varint(data, pos)
        if not n:
            return pos
        types = data[pos]
        pos += 1
        elements = (types >> 4, types & 0x0F)
    else:
        head = data[pos]
        pos += 1
        n = head >> 4
        if n == 15:
            n, pos = _varint(data, pos)
        if head & 0x0F in _SIZE:
            return _ahead(data, pos, n * _SIZE[head & 0x0F])
        elements = (head & 0x0F,)
    for _ in range(n):  # each element takes a byte or more: at most len(data) rounds
        for element in elements:
            pos = _skip(data, pos, element if element not in (1, 2) else 3, depth + 1)
    return pos


def _ahead(data: bytes, pos: int, n: int) -> int:
    """Where `n` bytes from `pos` end, if `data` holds them."""
    if pos + n > len(data):
        raise IndexError("past the end")
    return pos + n


class _Compact:
    """A plain reader of the Thrift compact protocol: structs become {field id: value},
    lists lists; strings stay bytes; maps are skipped. The footer and the page headers (a
    thousand or more a file) are read by the faster `_skim`, which calls this for the odd
    value it keeps whole, and reads as this does (tests/test_parquet_safety.py checks they
    agree on random and corrupted bytes).
    Structs, lists and maps nest at most `_DEPTH` deep; a boolean takes a byte in a list or
    map (in a struct its value is in the field's type)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def byte(self) -> int:
        try:
            b = self.data[self.pos]
        except IndexError:
            raise _Truncated from None
        self.pos += 1
        return b

    def varint(self) -> int:
        data, pos = self.data, self.pos
        shift = n = 0
        try:
            while True:
                b = data[pos]
                pos += 1
                n |= (b & 0x7F) << shift
                if not b & 0x80:
                    self.pos = pos
                    return n
                shift += 7
                if shift > 63:
                    raise ValueError("varint too long")
        except IndexError:
            raise _Truncated from None

    def zigzag(self) -> int:
        n = self.varint()
        return (n >> 1) ^ -(n & 1)

    def skip(self, n: int) -> bytes:
        if n < 0:
            raise ValueError("negative length")
        if self.pos + n > len(self.data):
            raise _Truncated
        self.pos += n
        return self.data[self.pos - n : self.pos]

    def value(self, kind: int, depth: int):
        if kind in (1, 2):  # a struct field's boolean is in its type
            return kind == 1
        if kind == 3:
            return self.byte()
        if kind in (4, 5, 6):
            return self.zigzag()
        if kind == 7:
            return self.skip(8)
        if kind == 8:
            return self.skip(self.varint())
        if 9 <= kind <= 12 and depth >= _DEPTH:
            raise ValueError("nested too deeply")
        if kind in (9, 10):
            head = self.byte()
            n = head >> 4 if head >> 4 != 15 else self.varint()
            return [self.element(head & 0x0F, depth + 1) for _ in range(n)]
        if kind == 11:
            n = self.varint()
            if n:
                types = self.byte()
                for _ in range(n):
                    self.element(types >> 4, depth + 1)
                    self.element(types & 0x0F, depth + 1)
            return None
        if kind == 12:
            return self.struct(depth + 1)
        raise ValueError(f"unknown Thrift type {kind}")

    def element(self, kind: int, depth: int):
        """A value in a list or a map, where a boolean takes a byte."""
        return self.byte() == 1 if kind in (1, 2) else self.value(kind, depth)

    def struct(self, depth: int) -> dict:
        fields: dict = {}
        last = 0
        while True:
            head = self.byte()
            if head == 0:
                return fields
            delta, kind = head >> 4, head & 0x0F
            last = last + delta if delta else self.zigzag()
            fields[last] = self.value(kind, depth)
