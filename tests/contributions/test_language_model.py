"""The compact language model: py3langid's answers, from a file written once and shared."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path

import pytest
from py3langid.langid import MODEL_FILE, LanguageIdentifier  # type: ignore[import-untyped]

from forum.contributions import language_model
from forum.contributions.language_model import LanguageModel, file_name, open_model
from tests.analysis.helpers import loaded_with_the_app
from tests.contributions.test_language import (
    ENGLISH,
    FRENCH,
    NOT_ENOUGH_PROSE,
    OTHER_LANGUAGES,
    SHORT_REPLIES,
    SPANISH,
)
from tests.paths import CORPORA, ROOT

CANDIDATE_SETS = (("en", "es", "fr"), ("en", "es"), ("fr",), ("sr", "hr", "bs"), ("uz", "de"))
TOLERANCE = 1e-4  # py3langid sums in float32, the model in double precision


def _texts() -> list[str]:
    written = [*ENGLISH, *SPANISH, *FRENCH, *OTHER_LANGUAGES, *NOT_ENOUGH_PROSE]
    written += [text for _language, text in SHORT_REPLIES]
    written += ["", " ", "ALL CAPITALS SHOUTING ABOUT APPRENTICES", "Српски језик и ћирилица"]
    corpora = []
    for name in ("blns.txt", "xss_payloads.txt"):
        lines = (CORPORA / name).read_text(encoding="utf-8", errors="surrogateescape")
        corpora += [line for line in lines.splitlines() if line and not line.startswith("#")]
    return written + corpora


TEXTS = _texts()


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> LanguageModel:
    return open_model(tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="module")
def py3langid() -> LanguageIdentifier:
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def test_the_texts_cover_the_corpora() -> None:
    assert len(TEXTS) > 500


def test_ranks_every_text_as_py3langid_does(
    model: LanguageModel, py3langid: LanguageIdentifier
) -> None:
    for text in TEXTS:
        expected, ranked = py3langid.rank(text), dict(model.rank(text))
        assert ranked.keys() == dict(expected).keys(), text
        for code, theirs in expected:
            assert ranked[code] == pytest.approx(theirs, abs=TOLERANCE), text
        (first, best), (_, second) = expected[:2]
        if best - second > TOLERANCE:  # not a tie
            assert max(ranked, key=ranked.__getitem__) == first, text


@pytest.mark.parametrize("candidates", CANDIDATE_SETS, ids="-".join)
def test_classifies_among_candidates_as_py3langid_does(
    model: LanguageModel, py3langid: LanguageIdentifier, candidates: tuple[str, ...]
) -> None:
    restricted = copy.copy(py3langid)
    restricted.set_languages(candidates)
    for text in TEXTS:
        language, probability = model.classify(text, candidates)
        expected_language, expected_probability = restricted.classify(text)
        assert language == expected_language, text
        assert probability == pytest.approx(expected_probability, abs=TOLERANCE), text


def test_knows_the_same_languages(model: LanguageModel, py3langid: LanguageIdentifier) -> None:
    assert model.labels == py3langid.labels


def test_refuses_unknown_candidates(model: LanguageModel) -> None:
    with pytest.raises(ValueError, match="xx"):
        model.classify("Apprentices learn best on the shop floor.", ["en", "xx"])


def test_writes_the_file_once_then_maps_it(tmp_path: Path) -> None:
    open_model(tmp_path)
    path = tmp_path / file_name()
    written = path.stat().st_mtime_ns
    again = open_model(tmp_path)
    assert path.stat().st_mtime_ns == written
    assert again.classify("Los aprendices aprenden mejor en el taller.", ["en", "es"])[0] == "es"
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_rewrites_a_damaged_file(tmp_path: Path) -> None:
    path = tmp_path / file_name()
    path.write_bytes(b"not a model")
    model = open_model(tmp_path)
    assert model.classify("Ceci est un essai du système de formation.", ["en", "fr"])[0] == "fr"
    assert path.read_bytes().startswith(language_model.MAGIC)


def test_rewrites_a_truncated_file(tmp_path: Path) -> None:
    open_model(tmp_path)
    path = tmp_path / file_name()
    whole = path.stat().st_size
    path.write_bytes(path.read_bytes()[: whole // 2])
    open_model(tmp_path)
    assert path.stat().st_size == whole


def test_a_new_py3langid_gets_a_new_file_and_the_old_one_goes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_model(tmp_path)
    old = file_name()
    monkeypatch.setattr(language_model, "file_name", lambda: "py3langid-9.9-new.bin")
    open_model(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["py3langid-9.9-new.bin"]
    assert old != "py3langid-9.9-new.bin"


def test_the_name_follows_the_model_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    version, source = language_model.model_source()
    copied = tmp_path / "model.npz.xz"
    copied.write_bytes(source.read_bytes())
    before = file_name()
    monkeypatch.setattr(language_model, "model_source", lambda: (version, copied))
    os.utime(copied, ns=(1, 1))
    assert file_name() != before


def test_a_folder_that_cannot_be_written_keeps_the_model_in_memory(tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    model = open_model(blocked / "cache")
    assert model.classify("Apprentices learn best on the shop floor.", ["en", "es"])[0] == "en"


def test_a_worker_imports_neither_numpy_nor_py3langid(tmp_path: Path) -> None:
    """Not even when the file is missing: another process writes it."""
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from forum.contributions.language import detect_language, warm_up\n"
        f"warm_up(Path({str(tmp_path)!r}))\n"
        "print(sorted(m for m in ('numpy', 'py3langid.langid') if m in sys.modules))\n"
        "print(detect_language('Los aprendices aprenden mejor en el taller.', ['en', 'es']))\n"
        "print(sorted(m for m in ('numpy', 'py3langid.langid') if m in sys.modules))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=60,
    )
    assert done.stdout.split("\n")[:3] == ["[]", "es", "[]"]
    assert [path.name for path in tmp_path.iterdir()] == [file_name()]


def test_classify_and_rank_at_once_gives_both(model: LanguageModel) -> None:
    for text in TEXTS[:60]:
        both = model.classify_and_rank(text, ("en", "es", "fr"))
        assert both == (model.classify(text, ("en", "es", "fr")), model.rank(text))


def test_the_app_loads_neither_numpy_nor_py3langid() -> None:
    found = loaded_with_the_app("numpy", "py3langid.langid", "forum.contributions.language")
    assert found == ["forum.contributions.language"]
