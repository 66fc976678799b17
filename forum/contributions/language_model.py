"""py3langid's model as one read-only file that every worker maps instead of loading.

py3langid loads its model (about 75 MB once unpacked: a byte automaton and a table of
100,053 features x 142 classes) into each process's private memory. Here the same arrays
are written once, unpacked, to a file in a cache folder, and each process maps that file:
the pages it touches are read from the page cache and shared between workers, and only
those count as resident. The maths is py3langid 0.4's (LanguageIdentifier with
norm_probs=True): a walk of the automaton over the text's UTF-8 bytes counts its features,
a naive Bayes score sums log(1 + count) times each feature's row, then a softmax with a
temperature of sqrt(byte length). Only the rows of the text's features are read.

The file is named after py3langid's version and its model file's size and modification
time, so a new py3langid gets a new file; it is written beside, then renamed into place, so
a reader never sees half of it. numpy is imported when the first text is scored, not before.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import io
import json
import logging
import math
import mmap
import os
import struct
import sys
import tempfile
import unicodedata
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

LOGGER = logging.getLogger(__name__)

FORMAT = 1
MAGIC = b"forum-langid\x00\x00\x00\x01"
_PAGE = 4096
_HEADER_LENGTH = struct.Struct("<Q")
_SECTIONS = (
    "ptc",  # float16, features x classes, row after row
    "pc",  # float32, one a class
    "nextmove",  # uint32, the automaton's distinct rows of 256 next states (one a byte)
    "rowbase",  # uint32, state -> where its row starts in nextmove (row << 8)
    "output",  # int32, state -> the feature it completes, or -1
)


def model_source() -> tuple[str, Path]:
    """py3langid's version and the model file it ships, found without importing it."""
    spec = importlib.util.find_spec("py3langid")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("py3langid is not installed")
    package = Path(next(iter(spec.submodule_search_locations)))
    return importlib.metadata.version("py3langid"), package / "data" / "model.npz.xz"


def file_name() -> str:
    """Name of the compact file for the installed py3langid (changes when it changes)."""
    version, source = model_source()
    stat = source.stat()
    key = f"{FORMAT} {version} {stat.st_size} {stat.st_mtime_ns} {sys.byteorder}"
    return f"py3langid-{version}-{hashlib.sha256(key.encode()).hexdigest()[:16]}.bin"


def write_compact(out: BinaryIO) -> None:
    """Read py3langid's shipped model and write it to `out` in the compact layout."""
    import numpy as np
    from py3langid.modelio import load_model  # type: ignore[import-untyped]

    _version, source = model_source()
    ptc, pc, classes, nextmove, row, output = load_model(source)
    arrays: dict[str, NDArray[Any]] = {
        "ptc": np.ascontiguousarray(ptc, dtype=np.float16),
        "pc": np.ascontiguousarray(pc, dtype=np.float32),
        "nextmove": np.asarray(nextmove, dtype=np.uint32),
        "rowbase": np.asarray(row, dtype=np.uint32) << 8,  # as py3langid's _rowbase
        "output": np.asarray(output, dtype=np.int32),
    }
    del ptc, nextmove, row, output
    header: dict[str, Any] = {
        "classes": list(classes),
        "features": int(arrays["ptc"].shape[0]),
        "sections": {},
    }
    # Sections start on page boundaries, after two pages kept for the header.
    offset = 2 * _PAGE
    for name, array in arrays.items():
        header["sections"][name] = [offset, array.nbytes]
        offset += -(-array.nbytes // _PAGE) * _PAGE
    encoded = json.dumps(header).encode()
    if len(MAGIC) + _HEADER_LENGTH.size + len(encoded) > 2 * _PAGE:
        raise ValueError("language model header too long")
    out.write(MAGIC + _HEADER_LENGTH.pack(len(encoded)) + encoded)
    for name, array in arrays.items():
        at, _size = header["sections"][name]
        out.seek(at)
        out.write(array.tobytes())
    out.truncate(offset)


def compact_bytes() -> bytes:
    """The compact file's bytes, built in memory."""
    out = io.BytesIO()
    write_compact(out)
    return out.getvalue()


def write_atomically(path: Path) -> None:
    """Write the compact file to `path` through a temporary file beside it, then rename it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".part")
    try:
        with os.fdopen(handle, "w+b") as out:
            write_compact(out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _remove_stale(folder: Path, keep: str) -> None:
    """Delete compact files written for another py3langid (not another process's .part)."""
    for old in folder.glob("py3langid-*.bin"):
        if old.name != keep:
            try:
                old.unlink()
            except OSError:
                pass


def open_model(folder: Path | None) -> LanguageModel:
    """Map the compact model in `folder`, writing it first if missing or unreadable.

    With no folder, or one that cannot be written, the model is built in this process's
    memory instead: slower to start and not shared, but it gives the same answers.
    """
    if folder is None:
        return LanguageModel(compact_bytes())
    path = folder / file_name()
    model = _map(path)
    if model is not None:
        return model
    try:
        write_atomically(path)
    except OSError as error:
        LOGGER.warning("language model kept in memory: cannot write %s (%s)", path, error)
        return LanguageModel(compact_bytes())
    _remove_stale(folder, path.name)
    model = _map(path)
    if model is None:
        raise RuntimeError(f"{path}: the language model file just written cannot be read")
    return model


def _map(path: Path) -> LanguageModel | None:
    """The model mapped from `path`, or None if the file is missing or not one of ours."""
    try:
        with path.open("rb") as file:
            mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):  # missing, unreadable or empty
        return None
    try:
        return LanguageModel(mapped)
    except ValueError:
        mapped.close()
        return None


class LanguageModel:
    """py3langid 0.4's classify and rank (normalised), read from the compact bytes."""

    def __init__(self, buffer: bytes | mmap.mmap) -> None:
        start = len(MAGIC) + _HEADER_LENGTH.size
        # Checked on copies (slices) of the buffer: a memoryview would pin the mapping open.
        if len(buffer) < start or buffer[: len(MAGIC)] != MAGIC:
            raise ValueError("not a compact language model")
        (length,) = _HEADER_LENGTH.unpack(buffer[len(MAGIC) : start])
        try:
            header = json.loads(buffer[start : start + length])
            self.classes: list[str] = list(header["classes"])
            self.features = int(header["features"])
            self._sections = {
                name: (int(at), int(size)) for name, (at, size) in header["sections"].items()
            }
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError(f"unreadable language model header: {error}") from None
        if set(self._sections) != set(_SECTIONS) or any(
            at + size > len(buffer) for at, size in self._sections.values()
        ):
            raise ValueError("truncated compact language model")
        if self._sections["ptc"][1] != 2 * self.features * len(self.classes):
            raise ValueError("inconsistent compact language model")
        view = memoryview(buffer)
        self._buffer = buffer
        self._nextmove = self._view(view, "nextmove").cast("I")
        self._rowbase = self._view(view, "rowbase").cast("I")
        self._output = self._view(view, "output").cast("i")
        self._arrays: tuple[NDArray[np.float16], NDArray[np.float32]] | None = None
        self.labels = list(dict.fromkeys(self.classes))

    def _view(self, view: memoryview, name: str) -> memoryview:
        at, size = self._sections[name]
        return view[at : at + size]

    def _numpy_arrays(self) -> tuple[NDArray[np.float16], NDArray[np.float32]]:
        """The feature table and the class priors as numpy arrays over the buffer (no copy)."""
        if self._arrays is None:
            import numpy as np

            at, size = self._sections["ptc"]
            ptc = np.frombuffer(self._buffer, dtype=np.float16, count=size // 2, offset=at)
            at, size = self._sections["pc"]
            pc = np.frombuffer(self._buffer, dtype=np.float32, count=size // 4, offset=at)
            self._arrays = ptc.reshape(self.features, len(self.classes)), pc
        return self._arrays

    def visits(self, data: bytes) -> Counter[int]:
        """How often each feature occurs in `data` (py3langid's visit_counts)."""
        nextmove, rowbase, output = self._nextmove, self._rowbase, self._output
        state, found = 0, list[int]()
        append = found.append
        for letter in data:
            state = nextmove[rowbase[state] + letter]
            feature = output[state]
            if feature >= 0:
                append(feature)
        return Counter(found)

    def _decide(self, text: str, columns: list[int]) -> list[float]:
        """Probabilities of the classes at `columns` (in that order) for `text`."""
        import numpy as np

        data = encode(text)
        ptc, pc = self._numpy_arrays()
        visits = self.visits(data)
        if visits:
            features = np.fromiter(visits.keys(), dtype=np.intp, count=len(visits))
            counts = np.fromiter(visits.values(), dtype=np.float32, count=len(visits))
            rows = np.ascontiguousarray(ptc[features][:, columns])  # only the text's rows
            scores = np.log1p(counts) @ rows + pc[columns]
        else:  # no feature at all: every class alike
            scores = np.zeros(len(columns), dtype=np.float32)
        scores *= 1.0 / math.sqrt(len(data) or 1)
        np.exp(scores - scores.max(), out=scores)
        scores /= scores.sum()
        chosen = [self.classes[i] for i in columns]
        first: dict[str, int] = {}
        for at, code in enumerate(chosen):  # a label seen twice (sr, uz): fold into the first
            if code in first:
                scores[first[code]] += scores[at]
                scores[at] = 0.0
            else:
                first[code] = at
        return list(scores.tolist())

    def classify(self, text: str, languages: Iterable[str]) -> tuple[str, float]:
        """The most likely of `languages` and its probability among them only."""
        wanted = set(languages)
        unknown = wanted - set(self.classes)
        if unknown or not wanted:
            raise ValueError(f"unknown or no language codes: {sorted(unknown)}")
        columns = [i for i, code in enumerate(self.classes) if code in wanted]
        scores = self._decide(text, columns)
        best = max(range(len(scores)), key=scores.__getitem__)  # the first of equals
        return self.classes[columns[best]], scores[best]

    def rank(self, text: str) -> list[tuple[str, float]]:
        """Every language the model knows with its probability, most likely first."""
        scores = self._decide(text, list(range(len(self.classes))))
        merged: dict[str, float] = {}
        for code, score in zip(self.classes, scores, strict=True):
            merged.setdefault(code, score)
        return sorted(merged.items(), key=lambda item: item[1], reverse=True)


def encode(text: str) -> bytes:
    """The bytes py3langid scores for `text`: all-capital text lowered, NFC, UTF-8."""
    if text.isupper():
        text = text.lower()
    return unicodedata.normalize("NFC", text).encode("utf8", errors="surrogatepass")
