"""A sample mail, in Spanish with French HTML, that the mail tests queue and look for."""

from __future__ import annotations

from typing import Any

from forum.core.clock import FixedClock
from forum.db import Database
from forum.mail.outbox import queue_message
from forum.models import OutboxMessage

READER = "lectora@example.org"
SUBJECT_ES = "Nueva respuesta en «Formación dual»: ¿qué opina la señora Núñez?"
TEXT_ES = "Hola, Begoña:\nAlguien ha contestado a su pregunta sobre la formación dual.\n"
HTML_FR = "<p>Bonjour Hélène, une réponse à votre question vous attend.</p>"


async def queue(db: Database, clock: FixedClock, **fields: Any) -> OutboxMessage | None:
    """Queue the sample mail, with `fields` changed, in a transaction of its own."""
    values: dict[str, Any] = {
        "to_address": READER,
        "to_name": "Begoña Núñez",
        "language": "es",
        "subject": SUBJECT_ES,
        "text_body": TEXT_ES,
        "html_body": HTML_FR,
    }
    async with db.transaction() as session:
        return await queue_message(session, now=clock.now(), **(values | fields))
