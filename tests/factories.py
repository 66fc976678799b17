"""Build discussion files for tests, in our own words and in three languages."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from forum.discussions.importing import import_discussion, validate_discussion

LANGUAGES = ("en", "es", "fr")


def three(en: str, es: str, fr: str) -> dict[str, str]:
    return {"en": en, "es": es, "fr": fr}


def question(number: int) -> dict[str, Any]:
    return {
        "number": number,
        "text": three(
            f"Question {number}: what worked for learners in your region?",
            f"Pregunta {number}: ¿qué funcionó para el alumnado de su región?",
            f"Question {number} : qu'est-ce qui a marché pour les apprenants de votre région ?",
        ),
    }


def discussion_data(
    *,
    slug: str = "remote-apprenticeships",
    start: datetime,
    weeks: int = 2,
    questions_per_week: tuple[int, ...] = (6, 5),
    languages: tuple[str, ...] = LANGUAGES,
) -> dict[str, Any]:
    """A discussion opening at `start`, one set of questions per week, numbered on."""

    def only(texts: dict[str, str]) -> dict[str, str]:
        return {k: v for k, v in texts.items() if k in languages}

    week_list = []
    number = 1
    for index in range(weeks):
        count = questions_per_week[index % len(questions_per_week)]
        week_list.append(
            {
                "opens_at": start + timedelta(days=7 * index),
                "closes_at": start + timedelta(days=7 * index + 13),
                "title": only(
                    three(
                        f"Week {index + 1}: staying in touch",
                        f"Semana {index + 1}: mantener el contacto",
                        f"Semaine {index + 1} : garder le contact",
                    )
                ),
                "questions": [
                    {**question(n), "text": only(question(n)["text"])}
                    for n in range(number, number + count)
                ],
            }
        )
        number += count
    return {
        "slug": slug,
        "opens_at": start,
        "closes_at": start + timedelta(days=7 * weeks + 7),
        "timezone": "Europe/Madrid",
        "moderation": "pre",
        "languages": list(languages),
        "title": only(
            three(
                "Apprenticeships at a distance",
                "Aprendizaje a distancia",
                "L'apprentissage à distance",
            )
        ),
        "summary": only(
            three(
                "How firms and schools kept apprentices learning.",
                "Cómo empresas y escuelas mantuvieron la formación.",
                "Comment entreprises et écoles ont poursuivi la formation.",
            )
        ),
        "introduction": only(
            three(
                "Welcome. Tell us **what worked** and what did not.",
                "Bienvenida. Cuéntenos **qué funcionó** y qué no.",
                "Bienvenue. Dites-nous **ce qui a marché** et ce qui n'a pas marché.",
            )
        ),
        "moderators": [
            {"name": "Ana Ortiz", "organisation": "Training Centre", "email": "ana@example.org"},
            {"name": "Jean Moreau", "organisation": "Union Network", "email": "jean@example.org"},
        ],
        "tags": [
            {
                "slug": "access-to-training",
                "kind": "topic",
                "label": only(
                    three("Access to training", "Acceso a la formación", "Accès à la formation")
                ),
            },
            {
                "slug": "apprenticeships",
                "kind": "subject",
                "label": only(three("Apprenticeships", "Aprendizaje", "Apprentissage")),
            },
        ],
        "weeks": week_list,
    }


async def add_discussion(
    session: AsyncSession,
    data: dict[str, Any],
    *,
    now: datetime,
    base: Path | None = None,
    data_dir: Path | None = None,
) -> None:
    """Validate and import `data` in the caller's transaction.

    Documents' files go to `data_dir` (give the app's settings.data_dir to download them).
    """
    spec, files = validate_discussion(
        data, source="test.toml", base=base or Path("."), languages=LANGUAGES
    )
    if files and data_dir is None:
        raise ValueError("a discussion with documents needs the data directory")
    await import_discussion(
        session, spec, files, now=now, data_dir=data_dir or Path("unused"), source="test.toml"
    )


# The smallest files of each kind a document may be, as their content says (not their name).
PDF_BYTES = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
)
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48


def zipped(members: list[tuple[str, bytes]]) -> bytes:
    """A zip holding `members` in this order, stored (not compressed), as office files are."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


def odt_bytes() -> bytes:
    """An OpenDocument text: its first member is `mimetype`, uncompressed."""
    return zipped(
        [
            ("mimetype", b"application/vnd.oasis.opendocument.text"),
            ("content.xml", b"<office:document-content/>"),
        ]
    )


def docx_bytes() -> bytes:
    """A Word document: [Content_Types].xml first, then the word/ part."""
    return zipped(
        [
            ("[Content_Types].xml", b"<Types/>"),
            ("_rels/.rels", b"<Relationships/>"),
            ("word/document.xml", b"<w:document/>"),
        ]
    )
