"""py3langid's model as one read-only file that workers read from instead of loading it.

py3langid unpacks its model (about 75 MB: a byte automaton and a table of 100,053
features x 142 classes) into each process's private memory. Here it is written once, in a
compact form, to a file in a cache folder. A worker keeps the automaton in memory (about
2 MB) and reads from the file, per text, only the table rows of that text's features, with
pread: the file stays in the system's page cache, one copy for every worker.

The automaton is py3langid's Aho-Corasick automaton rewritten as its trie edges and failure
links (104,582 edges instead of 38,345 rows of 256 states); writing the file checks that
it gives the same next state as py3langid's table for every state and byte. The maths is
py3langid 0.4's (LanguageIdentifier with norm_probs=True): the walk over the text's UTF-8
bytes counts its features, the naive Bayes score sums log(1 + count) times each feature's
row plus the class priors, then a softmax at a temperature of sqrt(byte length), here in
plain Python (double precision where py3langid computes in float32 with numpy: the
probabilities agree within a few millionths, the languages chosen are the same).

The file is named after py3langid's version and its model file's size and modification
time, so that a new py3langid gets a new file. Another Python process writes it (beside,
then renamed into place): a worker never holds the unpacked model, nor numpy (20 MB).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import io
import json
import logging
import math
import os
import struct
import subprocess
import sys
import tempfile
import unicodedata
from array import array
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

if TYPE_CHECKING:
    from numpy.typing import NDArray

LOGGER = logging.getLogger(__name__)

FORMAT = 3
MAGIC = b"forum-langid\x00\x00\x00\x03"
BUILD_SECONDS = 300  # writing takes a few seconds; a loaded machine may take far longer
_HEADER_LENGTH = struct.Struct("<Q")
_HEADER_SPACE = 8192  # magic, length and JSON header; the sections follow
_SECTIONS = {  # name -> array typecode (native order: the file is made on this machine)
    # float32, features x classes, row after row (read a row at a time): py3langid's float16
    # values exactly, in a form `array` reads as it is (it has no float16; unpacking those
    # one by one took twice as long, and the scoring is a quarter of a post's CPU)
    "ptc": "f",
    "pc": "f",  # float32, a class's prior
    "edge_start": "I",  # state -> its first trie edge (edges grouped by state), and the end
    "edge_byte": "B",  # edge -> the byte it reads
    "edge_target": "I",  # edge -> the state it leads to
    "fail": "I",  # state -> the state of its longest proper suffix in the trie
    "output": "i",  # state -> the feature it completes, or -1
}


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


def _trie(dfa: NDArray[Any]) -> dict[str, NDArray[Any]]:
    """The trie edges and failure links of the Aho-Corasick automaton `dfa` (state x byte ->
    state, state 0 the root), checked to give back every one of its transitions."""
    import numpy as np

    states = len(dfa)
    depth = np.full(states, -1, dtype=np.int64)  # the length of a state's string
    depth[0], frontier, level = 0, np.array([0]), 0
    while len(frontier):
        reached = np.unique(dfa[frontier].ravel())
        frontier = reached[depth[reached] < 0]
        level += 1
        depth[frontier] = level
    source, byte = np.nonzero(depth[dfa] == depth[:, None] + 1)  # sorted by source state
    target = dfa[source, byte]
    if len(target) != states - 1 or len(np.unique(target)) != states - 1:
        raise ValueError("py3langid's automaton is not a trie with failure links")
    parent = np.zeros(states, dtype=np.int64)
    parent[target], char = source, np.zeros(states, dtype=np.int64)
    char[target] = byte
    fail = np.zeros(states, dtype=np.int64)
    for level_now in range(2, level + 1):  # a root's child fails to the root
        at = np.nonzero(depth == level_now)[0]
        fail[at] = dfa[fail[parent[at]], char[at]]
    rebuilt = dfa[fail]
    rebuilt[0] = 0
    rebuilt[source, byte] = target
    if not np.array_equal(rebuilt, dfa):
        raise ValueError("the trie and failure links do not give py3langid's automaton back")
    edge_start = np.searchsorted(source, np.arange(states + 1))
    return {
        "edge_start": edge_start.astype(np.uint32),
        "edge_byte": byte.astype(np.uint8),
        "edge_target": target.astype(np.uint32),
        "fail": fail.astype(np.uint32),
    }


def write_compact(out: BinaryIO) -> None:
    """Read py3langid's shipped model and write it to `out` in the compact layout."""
    import numpy as np
    from py3langid.modelio import load_model  # type: ignore[import-untyped]

    _version, source = model_source()
    ptc, pc, classes, nextmove, row, output = load_model(source)
    rows = np.frombuffer(nextmove, dtype=np.dtype(nextmove.typecode)).reshape(-1, 256)
    dfa = rows[np.frombuffer(row, dtype=np.dtype(row.typecode))].astype(np.int64)
    arrays: dict[str, NDArray[Any]] = {
        "ptc": np.ascontiguousarray(ptc, dtype=np.float32),
        "pc": np.ascontiguousarray(pc, dtype=np.float32),
        **_trie(dfa),
        "output": np.asarray(output, dtype=np.int32),
    }
    header: dict[str, Any] = {"classes": list(classes), "features": len(ptc), "sections": {}}
    offset = _HEADER_SPACE
    for name in _SECTIONS:
        header["sections"][name] = [offset, arrays[name].nbytes]
        offset += arrays[name].nbytes
    encoded = json.dumps(header).encode()
    if len(MAGIC) + _HEADER_LENGTH.size + len(encoded) > _HEADER_SPACE:
        raise ValueError("language model header too long")
    out.write(MAGIC + _HEADER_LENGTH.pack(len(encoded)) + encoded)
    for name in _SECTIONS:
        out.seek(header["sections"][name][0])
        out.write(arrays[name].tobytes())


def compact_bytes() -> bytes:
    """The compact file's bytes, made in memory."""
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


def open_model(folder: Path) -> LanguageModel:
    """Open the compact model in `folder`, writing it first (in a child process) if missing
    or unreadable.

    With a folder that cannot be written, the model is made in this process's memory
    instead: slower to start and not shared, but it gives the same answers.
    """
    path = folder / file_name()
    model = _open(path)
    if model is not None:
        return model
    try:
        _write_in_child(path)
    except (OSError, subprocess.SubprocessError) as error:
        said = getattr(error, "stderr", None) or b""
        LOGGER.warning(
            "language model kept in memory: cannot write %s (%s) %s",
            path,
            error,
            said.decode(errors="replace")[-500:],
        )
        return _in_memory()
    _remove_stale(folder, path.name)
    model = _open(path)
    if model is None:
        raise RuntimeError(f"{path}: the language model file just written cannot be read")
    return model


def _write_in_child(path: Path) -> None:
    """Write the file from another Python process, so that this one (a worker) never holds
    py3langid's unpacked model, numpy, or the heap they would leave grown."""
    path.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    subprocess.run(
        [sys.executable, "-m", __name__, str(path)],
        check=True,
        env=env,
        timeout=BUILD_SECONDS,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _open(path: Path) -> LanguageModel | None:
    """The model read from `path`, or None if the file is missing or not a whole one of ours."""
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        size = os.fstat(descriptor).st_size
        return LanguageModel(lambda at, length: os.pread(descriptor, length, at), size)
    except (OSError, ValueError):
        os.close(descriptor)
        return None


def _in_memory() -> LanguageModel:
    data = compact_bytes()
    return LanguageModel(lambda at, length: data[at : at + length], len(data))


class LanguageModel:
    """py3langid 0.4's classify and rank (normalised), from the compact file's bytes.

    `read(offset, length)` returns bytes of the file (pread on a descriptor kept open, so
    a file replaced meanwhile is not mixed in); `size` is the file's length.
    """

    def __init__(self, read: Callable[[int, int], bytes], size: int) -> None:
        start = len(MAGIC) + _HEADER_LENGTH.size
        if size < _HEADER_SPACE or read(0, len(MAGIC)) != MAGIC:
            raise ValueError("not a compact language model")
        (length,) = _HEADER_LENGTH.unpack(read(len(MAGIC), _HEADER_LENGTH.size))
        try:
            header = json.loads(read(start, min(length, _HEADER_SPACE)))
            self.classes: list[str] = list(header["classes"])
            self.features = int(header["features"])
            sections = {
                name: (int(at), int(size)) for name, (at, size) in header["sections"].items()
            }
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError(f"unreadable language model header: {error}") from None
        if set(sections) != set(_SECTIONS) or any(
            at + length > size for at, length in sections.values()
        ):
            raise ValueError("truncated compact language model")
        self._row_bytes = array(_SECTIONS["ptc"]).itemsize * len(self.classes)
        if sections["ptc"][1] != self.features * self._row_bytes:
            raise ValueError("inconsistent compact language model")
        self._read = read
        self._table_at = sections["ptc"][0]
        loaded = {
            name: array(code, read(*sections[name]))
            for name, code in _SECTIONS.items()
            if name != "ptc"
        }
        self._pc = loaded["pc"]
        self._edge_start, self._edge_target = loaded["edge_start"], loaded["edge_target"]
        self._edge_byte = loaded["edge_byte"].tobytes()
        self._fail, self._output = loaded["fail"], loaded["output"]
        self.labels = list(dict.fromkeys(self.classes))

    def visits(self, data: bytes) -> Counter[int]:
        """How often each feature occurs in `data` (py3langid's visit_counts)."""
        start, edge_byte, target = self._edge_start, self._edge_byte, self._edge_target
        fail, output = self._fail, self._output
        state, found = 0, list[int]()
        append = found.append
        for letter in data:
            while True:  # follow failure links until a trie edge reads the byte, or the root
                edge = edge_byte.find(letter, start[state], start[state + 1])
                if edge >= 0:
                    state = target[edge]
                    break
                if state == 0:
                    break
                state = fail[state]
            feature = output[state]
            if feature >= 0:
                append(feature)
        return Counter(found)

    def _raw_scores(self, visits: Counter[int]) -> list[float]:
        """Every class's naive Bayes score: log(1 + count) times each feature's row (read
        from the file, the text's rows only), summed, plus the class's prior.

        Features are taken by count (most occur once), so that each class's column of a
        group is one slice and one sum, not a Python step per feature and class.
        """
        read, at, size, classes = self._read, self._table_at, self._row_bytes, len(self.classes)
        by_count: dict[int, list[int]] = {}
        for feature, count in visits.items():
            by_count.setdefault(count, []).append(feature)
        scores = [float(prior) for prior in self._pc]
        for count, features in by_count.items():
            values = array(
                _SECTIONS["ptc"], b"".join(read(at + feature * size, size) for feature in features)
            )
            weight = math.log1p(count)
            scores = [
                score + weight * sum(values[column::classes]) for column, score in enumerate(scores)
            ]
        return scores

    def _decide(self, data: bytes, raw: list[float] | None, columns: list[int]) -> list[float]:
        """Probabilities of the classes at `columns` (in that order) for the bytes `data`
        whose raw scores are `raw` (None: no feature at all, every class alike)."""
        scale = 1.0 / math.sqrt(len(data) or 1)  # py3langid 0.4's temperature
        scores = [0.0 if raw is None else raw[i] * scale for i in columns]
        top = max(scores)
        exps = [math.exp(score - top) for score in scores]
        total = sum(exps)
        probabilities = [value / total for value in exps]
        first: dict[str, int] = {}
        for place, code in enumerate(self.classes[i] for i in columns):
            if code in first:  # a label twice (sr, uz: two scripts): fold into the first
                probabilities[first[code]] += probabilities[place]
                probabilities[place] = 0.0
            else:
                first[code] = place
        return probabilities

    def classify(self, text: str, languages: Iterable[str]) -> tuple[str, float]:
        """The most likely of `languages` and its probability among them only."""
        data = encode(text)
        return self._classify(data, self._scored(data), languages)

    def rank(self, text: str) -> list[tuple[str, float]]:
        """Every language the model knows with its probability, most likely first."""
        data = encode(text)
        return self._rank(data, self._scored(data))

    def classify_and_rank(
        self, text: str, languages: Iterable[str]
    ) -> tuple[tuple[str, float], list[tuple[str, float]]]:
        """`classify` and `rank` at once, walking and scoring the text once."""
        data = encode(text)
        raw = self._scored(data)
        return self._classify(data, raw, languages), self._rank(data, raw)

    def _scored(self, data: bytes) -> list[float] | None:
        visits = self.visits(data)
        return self._raw_scores(visits) if visits else None

    def _classify(
        self, data: bytes, raw: list[float] | None, languages: Iterable[str]
    ) -> tuple[str, float]:
        wanted = set(languages)
        unknown = wanted - set(self.classes)
        if unknown or not wanted:
            raise ValueError(f"unknown or no language codes: {sorted(unknown)}")
        columns = [i for i, code in enumerate(self.classes) if code in wanted]
        scores = self._decide(data, raw, columns)
        best = max(range(len(scores)), key=scores.__getitem__)  # the first of equals
        return self.classes[columns[best]], scores[best]

    def _rank(self, data: bytes, raw: list[float] | None) -> list[tuple[str, float]]:
        scores = self._decide(data, raw, list(range(len(self.classes))))
        merged: dict[str, float] = {}
        for code, score in zip(self.classes, scores, strict=True):
            merged.setdefault(code, score)
        return sorted(merged.items(), key=lambda item: item[1], reverse=True)


def encode(text: str) -> bytes:
    """The bytes py3langid scores for `text`: all-capital text lowered, NFC, UTF-8."""
    if text.isupper():
        text = text.lower()
    return unicodedata.normalize("NFC", text).encode("utf8", errors="surrogatepass")


if __name__ == "__main__":  # python -m forum.contributions.language_model PATH
    write_atomically(Path(sys.argv[1]))
