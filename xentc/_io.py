"""Chunked readers for `xentc score`: .npy, .npz, .parquet and .csv files
turned into one iterator of (y_true, y_pred, sample_weight) chunks.

Design:
  A. Bounded memory for any file size. .npy rows are read with plain file
     reads into one reused buffer, not through a memory map: mapped pages of
     a file count in the process's RSS until the kernel reclaims them, so a
     map of a 4 GB file scanned once shows a 4 GB RSS. .npz members are
     streamed out of the zip the same way (sequential reads, compressed or
     not). Parquet is read by record batch and CSV by block (pyarrow, extra
     `xentc[io]`; pyarrow's CSV reader streams typed columns with a bounded
     block size, which a NumPy text parser cannot do for string labels).
  B. Every source answers `read(n)` with at most n rows (fewer only at the
     end), so predictions, labels and weights from different files stay
     aligned whatever their batch sizes, and a length mismatch is found at
     the row where one file ends.
  C. Errors are `InputError`: one line naming the file, the column and,
     where it applies, the first bad row.
"""

import os
import zipfile

import numpy as np

__all__ = ["InputError", "iter_chunks", "open_inputs"]

FORMATS = (".npy", ".npz", ".parquet", ".csv")
_NPZ_KEYS = ("y_pred", "y_true", "sample_weight")


class InputError(ValueError):
    """Bad input file: the message names the file, the column and the row."""


def _suffix(path):
    ext = os.path.splitext(path)[1].lower()
    if ext not in FORMATS:
        raise InputError(
            f"{path}: unsupported file type {ext or '(none)'!r}; expected one of "
            f"{', '.join(FORMATS)}"
        )
    return ext


def _pyarrow(path):
    try:
        import pyarrow
    except ImportError:
        raise InputError(
            f"{path}: reading {os.path.splitext(path)[1]} files needs pyarrow: "
            "pip install 'xentc[io]'"
        ) from None
    return pyarrow


# ---------------------------------------------------------------------------
# .npy / .npz: the header, then raw rows


class _NpyStream:
    """Rows of one .npy array read from a binary stream into a reused buffer."""

    def __init__(self, fileobj, label, seekable=True):
        self.file, self.label = fileobj, label
        try:
            fmt = np.lib.format
            version = fmt.read_magic(fileobj)
            if version == (1, 0):
                shape, fortran, dtype = fmt.read_array_header_1_0(fileobj)
            elif version == (2, 0):
                shape, fortran, dtype = fmt.read_array_header_2_0(fileobj)
            else:  # 3.0 (utf-8 field names) has no public reader
                shape, fortran, dtype = fmt._read_array_header(fileobj, version)
        except Exception as exc:
            raise InputError(f"{label}: not a valid .npy array ({exc})") from None
        if dtype.hasobject:
            raise InputError(
                f"{label}: dtype {dtype} holds Python objects (pickled); save the "
                "array with a numeric or fixed-width string dtype"
            )
        if len(shape) not in (1, 2):
            raise InputError(f"{label}: expected a 1-D or 2-D array; got shape {shape}")
        if fortran and len(shape) == 2 and shape[1] > 1 and not seekable:
            raise InputError(
                f"{label}: a Fortran-order array inside a .npz cannot be streamed "
                "by rows; save it in C order (np.ascontiguousarray)"
            )
        self.shape, self.dtype, self.fortran = shape, dtype, fortran and len(shape) == 2
        self.start = fileobj.tell() if seekable else None
        self.n_rows = shape[0]
        self.row_items = shape[1] if len(shape) == 2 else 1
        self.pos = 0
        self.buffer = None

    def read(self, n):
        n = min(n, self.n_rows - self.pos)
        if self.buffer is None or self.buffer.shape[0] < n:
            self.buffer = np.empty((max(n, 1),) + self.shape[1:], dtype=self.dtype)
        out = self.buffer[:n]
        if n == 0:
            return out
        if self.fortran:  # column by column: one seek per column and chunk
            column = np.empty(n, dtype=self.dtype)
            for j in range(self.shape[1]):
                self.file.seek(self.start + (j * self.n_rows + self.pos) * self.dtype.itemsize)
                self._fill(memoryview(column).cast("B"))
                out[:, j] = column
        else:
            self._fill(memoryview(out.reshape(-1).view(np.uint8)))
        self.pos += n
        return out

    def _fill(self, view):
        got = 0
        while got < len(view):
            k = self.file.readinto(view[got:])
            if not k:
                raise InputError(
                    f"{self.label}: file ends early (truncated at row "
                    f"{self.pos}; the header says {self.n_rows} rows)"
                )
            got += k


class _NpySource:
    def __init__(self, path, role):
        self.path = path
        self.file = open(path, "rb", buffering=0)
        self.stream = _NpyStream(self.file, path)
        self.n_rows = self.stream.n_rows
        self.roles = {role: self.stream}
        self.columns = {role: path}

    def read(self, n):
        return {role: s.read(n) for role, s in self.roles.items()}

    def close(self):
        self.file.close()


class _NpzSource:
    """y_pred, y_true and sample_weight members of one .npz, read in step."""

    def __init__(self, path, wanted):
        self.path = path
        try:
            self.zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise InputError(f"{path}: not a valid .npz file ({exc})") from None
        names = {n[:-4] for n in self.zip.namelist() if n.endswith(".npy")}
        self.roles, self.columns = {}, {}
        for role in wanted:
            if role not in names:
                if role == "y_pred":
                    raise InputError(f"{path}: no array 'y_pred' (arrays: {sorted(names)})")
                continue
            label = f"{path}[{role}]"
            self.roles[role] = _NpyStream(self.zip.open(role + ".npy"), label, seekable=False)
            self.columns[role] = label
        self.n_rows = self.roles["y_pred"].n_rows
        for role, s in self.roles.items():
            if s.n_rows != self.n_rows:
                raise InputError(
                    f"{path}: arrays have different lengths: y_pred has "
                    f"{self.n_rows} rows, {role} has {s.n_rows}"
                )

    def read(self, n):
        return {role: s.read(n) for role, s in self.roles.items()}

    def close(self):
        self.zip.close()


# ---------------------------------------------------------------------------
# .parquet / .csv: record batches of named columns


class _TableSource:
    """Columns of a Parquet or CSV file, re-cut to the requested row counts.

    roles: {"y_pred": [names] or None (every column not used elsewhere),
            "y_true": name or None, "sample_weight": name or None}.
    """

    def __init__(self, path, ext, roles, batch_rows):
        pa = _pyarrow(path)
        self.path, self.pa = path, pa
        try:
            if ext == ".parquet":
                import pyarrow.parquet as pq

                pf = pq.ParquetFile(path)
                schema = pf.schema_arrow
                self.n_rows = pf.metadata.num_rows
                self._open = lambda cols: pf.iter_batches(batch_size=batch_rows, columns=cols)
            else:
                import pyarrow.csv as pcsv

                # a block of ~64 bytes per row keeps a batch near batch_rows rows
                opts = pcsv.ReadOptions(block_size=max(1 << 20, min(batch_rows * 64, 1 << 28)))
                schema = pcsv.open_csv(path, read_options=opts).schema
                self.n_rows = None  # unknown until the end
                self._open = lambda cols: pcsv.open_csv(
                    path,
                    read_options=opts,
                    convert_options=pcsv.ConvertOptions(include_columns=cols),
                )
        except (OSError, pa.ArrowException) as exc:
            raise InputError(f"{path}: cannot read it as {ext} ({_first_line(exc)})") from None
        names = list(schema.names)
        self.columns = {}
        used = set()
        for role in ("y_true", "sample_weight"):
            name = roles.get(role)
            if name is None:
                continue
            if name not in names:
                raise InputError(f"{path}: no column {name!r} (columns: {', '.join(names)})")
            self.columns[role] = name
            used.add(name)
        if "y_pred" in roles:
            pred = roles["y_pred"]
            if pred is None:
                pred = [n for n in names if n not in used]
            missing = [n for n in pred if n not in names]
            if missing:
                raise InputError(f"{path}: no column {missing[0]!r} (columns: {', '.join(names)})")
            if not pred:
                raise InputError(
                    f"{path}: no prediction columns left (columns: {', '.join(names)})"
                )
            for n in pred:
                t = schema.field(n).type
                if not (
                    pa.types.is_floating(t)
                    or pa.types.is_integer(t)
                    or pa.types.is_list(t)
                    or pa.types.is_fixed_size_list(t)
                ):
                    raise InputError(
                        f"{path}: prediction column {n!r} has type {t}; expected "
                        "numbers (pass --columns to choose the prediction columns)"
                    )
            self.columns["y_pred"] = pred
        self.schema = schema
        wanted = [n for n in names if n in used or n in self.columns.get("y_pred", [])]
        self.batches = iter(self._open(wanted))
        self.pending = None
        self.pos = 0

    def _next_batch(self):
        try:
            return next(self.batches)
        except StopIteration:
            return None
        except self.pa.ArrowException as exc:
            raise InputError(
                f"{self.path}: cannot parse the rows after row {self.pos} ({_first_line(exc)})"
            ) from None

    def read(self, n):
        parts, got = [], 0
        while got < n:
            if self.pending is None or self.pending.num_rows == 0:
                self.pending = self._next_batch()
                if self.pending is None:
                    break
            take = self.pending.slice(0, n - got)
            self.pending = self.pending.slice(take.num_rows)
            parts.append(take)
            got += take.num_rows
        if not parts:
            batch = None
        elif len(parts) == 1:
            batch = parts[0]
        else:
            batch = self.pa.Table.from_batches(parts).combine_chunks().to_batches()[0]
        out = {role: self._column(batch, role, name) for role, name in self.columns.items()}
        self.pos += got
        return out

    def _column(self, batch, role, name):
        if role != "y_pred":
            if batch is None:
                return np.empty(0)
            column = batch.column(name)
            if self.pa.types.is_list(column.type) or self.pa.types.is_fixed_size_list(column.type):
                return self._list_column(column, name)  # multilabel 0/1 rows
            return self._numpy(column, name)
        if batch is None:
            return np.empty((0, len(name)))
        cols = [batch.column(n) for n in name]
        if len(cols) == 1 and (
            self.pa.types.is_list(cols[0].type) or self.pa.types.is_fixed_size_list(cols[0].type)
        ):
            return self._list_column(cols[0], name[0])
        arrays = [self._numpy(c, n) for n, c in zip(name, cols)]
        return arrays[0] if len(arrays) == 1 else np.column_stack(arrays)

    def _numpy(self, column, name):
        if column.null_count:
            row = self.pos + int(np.flatnonzero(np.asarray(column.is_null()))[0])
            raise InputError(f"{self.path}: column {name!r} is empty (null) at row {row}")
        return column.to_numpy(zero_copy_only=False)

    def _list_column(self, column, name):
        """A column of equal-length lists (one row of scores per sample)."""
        lengths = (
            np.asarray(column.value_lengths())
            if hasattr(column, "value_lengths")
            else np.diff(np.asarray(column.offsets))
        )
        if lengths.size and (lengths != lengths[0]).any():
            row = self.pos + int(np.flatnonzero(lengths != lengths[0])[0])
            raise InputError(
                f"{self.path}: column {name!r} holds lists of different lengths "
                f"(row {row} has {lengths[row - self.pos]}, row {self.pos} has "
                f"{lengths[0]})"
            )
        flat = self._numpy(column.flatten(), name)
        return flat.reshape(len(column), -1)

    def close(self):
        self.batches = None


def _first_line(exc):
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


# ---------------------------------------------------------------------------
# putting the files together


class Inputs:
    """The sources of one scoring job and how they line up."""

    def __init__(self, sources, n_rows, files, chunk_rows):
        self.sources, self.n_rows, self.files, self.chunk_rows = sources, n_rows, files, chunk_rows

    def origin(self, role):
        """'file, column' text naming where a role's data comes from."""
        return self.files.get(role, role)

    def close(self):
        for s in self.sources:
            s.close()


def open_inputs(
    predictions,
    *,
    labels=None,
    label_column=None,
    columns=None,
    weights=None,
    weight_column=None,
    chunk_rows=65536,
):
    """Open the files of one job. predictions: .npy/.npz/.parquet/.csv;
    labels / weights: separate files (.npy, or a one-column table unless
    label_column / weight_column names it); columns: prediction columns of a
    table (None: all columns that are not labels or weights). Table labels
    default to a column named 'y_true', table weights to 'sample_weight' when
    present."""
    for path in (predictions, labels, weights):
        if path is not None and not os.path.isfile(path):
            raise InputError(f"{path}: no such file")
    ext = _suffix(predictions)
    sources, files = [], {}
    try:
        if ext == ".npy":
            if labels is None:
                raise InputError(
                    f"{predictions}: a .npy file holds only the predictions; pass --labels PATH"
                )
            if label_column or columns or weight_column:
                raise InputError(
                    f"{predictions}: --label-column, --columns and --weight-column "
                    "apply to .parquet and .csv tables"
                )
            pred = _NpySource(predictions, "y_pred")
        elif ext == ".npz":
            wanted = (
                ["y_pred"]
                + (["y_true"] if labels is None else [])
                + (["sample_weight"] if weights is None else [])
            )
            pred = _NpzSource(predictions, wanted)
            if "y_true" not in pred.roles and labels is None:
                raise InputError(f"{predictions}: no array 'y_true' and no --labels file")
        else:
            roles = {"y_pred": _split(columns)}
            if labels is None:
                roles["y_true"] = label_column or "y_true"
            if weights is None:
                roles["sample_weight"] = weight_column
            pred = _TableSource(predictions, ext, roles, chunk_rows)
            if (
                weights is None
                and weight_column is None
                and "sample_weight" in pred.schema.names
                and "sample_weight" not in (roles["y_pred"] or [])
            ):
                pred.close()
                roles["sample_weight"] = "sample_weight"
                pred = _TableSource(predictions, ext, roles, chunk_rows)
        sources.append(pred)
        files.update({role: _describe(predictions, col) for role, col in pred.columns.items()})
        for path, role, column in (
            (labels, "y_true", label_column),
            (weights, "sample_weight", weight_column),
        ):
            if path is None:
                continue
            src = _single_source(path, role, column, chunk_rows)
            sources.append(src)
            files[role] = _describe(path, src.columns[role])
        n_rows = _common_length(sources)
    except BaseException:
        for s in sources:
            s.close()
        raise
    return Inputs(sources, n_rows, files, chunk_rows)


def _split(columns):
    if columns is None:
        return None
    if isinstance(columns, str):
        columns = [c.strip() for c in columns.split(",")]
    columns = [c for c in columns if c]
    return columns or None


def _single_source(path, role, column, chunk_rows):
    ext = _suffix(path)
    if ext == ".npy":
        return _NpySource(path, role)
    if ext == ".npz":
        raise InputError(
            f"{path}: pass labels or weights as .npy, .parquet or .csv (a .npz "
            "is read as predictions with its own y_true)"
        )
    if column is None:
        pa = _pyarrow(path)
        try:
            if ext == ".parquet":
                import pyarrow.parquet as pq

                names = pq.ParquetFile(path).schema_arrow.names
            else:
                import pyarrow.csv as pcsv

                names = pcsv.open_csv(path).schema.names
        except (OSError, pa.ArrowException) as exc:
            raise InputError(f"{path}: cannot read it as {ext} ({_first_line(exc)})") from None
        if len(names) != 1:
            flag = "--label-column" if role == "y_true" else "--weight-column"
            raise InputError(
                f"{path}: has {len(names)} columns ({', '.join(names)}); name the "
                f"one to use with {flag}"
            )
        column = names[0]
    return _TableSource(path, ext, {role: column}, chunk_rows)


def _describe(path, column):
    if isinstance(column, list):
        shown = column if len(column) <= 4 else column[:2] + ["..."] + column[-1:]
        return f"{path} (columns {', '.join(shown)})"
    return (
        path if column == path or column.startswith(path + "[") else f"{path} (column {column!r})"
    )


def _common_length(sources):
    known = [(s, s.n_rows) for s in sources if s.n_rows is not None]
    for s, n in known[1:]:
        if n != known[0][1]:
            first = known[0][0]
            raise InputError(
                f"length mismatch: {first.path} has {known[0][1]} rows but {s.path} has {n}"
            )
    return known[0][1] if known else None


def iter_chunks(inputs):
    """Yield (y_true, y_pred, sample_weight or None, first_row) in chunks of
    inputs.chunk_rows rows; a file that ends before the others is an error."""
    row = 0
    while True:
        parts = {}
        counts = []
        for src in inputs.sources:
            got = src.read(inputs.chunk_rows)
            parts.update(got)
            counts.append((src, len(next(iter(got.values())))))
        n = counts[0][1]
        for src, k in counts[1:]:
            if k != n:
                short, other = (src, counts[0][0]) if k < n else (counts[0][0], src)
                raise InputError(
                    f"length mismatch: {short.path} ends at row "
                    f"{row + min(k, n)} but {other.path} has more rows"
                )
        if n == 0:
            return
        yield parts.get("y_true"), parts["y_pred"], parts.get("sample_weight"), row
        row += n
