"""Load the forum's busiest read pages and compare them with a bare Jinja2 page.

Run:  .venv/bin/python bench/pages.py [--posts N] [--seconds S] [--connections C]

1. Seeds a throw-away SQLite database in a temporary directory (migrate, the demo, then N
   approved posts in threads over questions 1-6 of "skills-in-crisis"), and a second one
   with 10 posts to check that the question page costs the same number of SQL statements.
2. Serves the forum with uvicorn in a subprocess, and in another subprocess a bare Starlette
   app that renders the forum's question page HTML through a Jinja2 template, no database.
3. Loads each page with wrk (or, if wrk is missing, a bounded httpx loader) on loopback only.
4. Prints requests/s, p50/p99 latency, the ratio to the bare page, the HTML size and the
   SQL statements each page costs. Absolute numbers drift; compare the ratios.

See bench/README.md. This is a script, not a test: it prints figures and asserts nothing
beyond "every page answered 200".
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

MAX_POSTS = 100_000
MAX_SECONDS = 60
MAX_CONNECTIONS = 200
REFERENCE_POSTS = 10  # the small database the question page's statement count is checked on
USERS = 50
SLUG = "skills-in-crisis"
QUESTIONS = range(1, 7)  # week one of the demo discussion
MAX_DEPTH = 3  # as forum.services.posting.MAX_DEPTH
THREAD_SIZES = (1, 2, 3, 4, 4, 5, 6, 7)  # posts per thread: 4 on average, one root per 4 posts
INSERT_CHUNK = 5_000  # posts per transaction
WARM_UP_SECONDS = 1
READY_TIMEOUT = 60.0  # seconds a server may take to answer its first request
PY_LOADER_MAX_REQUESTS = 200_000  # per connection; the deadline normally stops it far sooner
ROUTES = (
    ("question", f"/en/discussions/{SLUG}/questions/1"),
    ("discussion", f"/en/discussions/{SLUG}"),
    ("home", "/en/"),
)

# --------------------------------------------------------------------------------------------
# Post texts, written for this benchmark: a few sentences per language, combined at random.

SENTENCES = {
    "en": [
        "When our workshop closed, we moved the theory lessons to a messaging group and kept "
        "the practical tasks for small groups that met outdoors.",
        "Apprentices without a laptop were the first to drop out, so we lent them old tablets "
        "and paid for their mobile data.",
        "Short clips recorded on a phone worked better than long lectures: learners watched "
        "them on the bus and came back with questions.",
        "Employers agreed to keep apprentices on site once we helped them write a simple "
        "safety plan.",
        "Assessment was the hardest part, and in the end we filmed each learner doing the task "
        "and graded the recordings as a panel.",
        "In rural districts a weekly radio programme reached more trainees than any online "
        "platform.",
        "Trainers needed support as well: most had never taught at a distance and felt alone.",
        "A five-minute phone call with every apprentice each week did more for motivation than "
        "any new tool.",
        "Simulation software helped with electrical wiring, but nothing replaced practice with "
        "real tools.",
        "Unions and employers agreed that apprentices could make up their workplace hours later "
        "in the year.",
        "Learners caring for children at home could not follow fixed timetables, so every "
        "session was recorded.",
        "A certificate earned during the crisis must be worth as much as any other, or learners "
        "pay twice for the emergency.",
        "A shared digital logbook let workplace tutors and teachers follow each apprentice from "
        "different places.",
        "Next time we would train the trainers before the crisis, not in the middle of it.",
    ],
    "es": [
        "Cuando cerró el taller, pasamos la teoría a un grupo de mensajería y dejamos las "
        "prácticas para grupos pequeños al aire libre.",
        "Los aprendices sin ordenador fueron los primeros en abandonar, así que les prestamos "
        "tabletas usadas y pagamos sus datos móviles.",
        "Los vídeos cortos grabados con el teléfono funcionaron mejor que las clases largas.",
        "Las empresas aceptaron mantener a los aprendices cuando les ayudamos a preparar un plan "
        "de seguridad sencillo.",
        "La evaluación fue lo más difícil: grabamos a cada alumno realizando la tarea y un "
        "tribunal calificó los vídeos.",
        "En las zonas rurales, un programa de radio semanal llegó a más alumnos que cualquier "
        "plataforma en línea.",
        "El profesorado también necesitaba apoyo, porque casi nadie había enseñado a distancia.",
        "Una llamada breve cada semana a cada aprendiz sostuvo la motivación mejor que "
        "cualquier herramienta nueva.",
        "Los simuladores sirvieron para la instalación eléctrica, pero no sustituyen la práctica "
        "con herramientas reales.",
        "Sindicatos y empresas acordaron que las horas en la empresa se podrían recuperar más "
        "adelante.",
        "Quienes cuidaban a sus hijos en casa no podían seguir un horario fijo, por eso "
        "grabamos todas las sesiones.",
        "Un título obtenido durante la crisis debe valer lo mismo que cualquier otro.",
        "Un cuaderno digital compartido permitió a tutores y docentes seguir a cada aprendiz "
        "desde lugares distintos.",
    ],
    "fr": [
        "Quand l'atelier a fermé, nous avons mis la théorie sur une messagerie et gardé la "
        "pratique pour de petits groupes en plein air.",
        "Les apprentis sans ordinateur ont décroché les premiers ; nous leur avons prêté des "
        "tablettes et payé leurs données mobiles.",
        "De courtes vidéos tournées au téléphone ont mieux marché que les longs cours.",
        "Les entreprises ont accepté de garder les apprentis une fois un plan de sécurité simple "
        "rédigé avec elles.",
        "L'évaluation a été le plus difficile : chaque apprenant a été filmé pendant la tâche, "
        "puis un jury a noté les vidéos.",
        "Dans les zones rurales, une émission de radio hebdomadaire a touché plus de stagiaires "
        "qu'aucune plateforme en ligne.",
        "Les formateurs avaient eux aussi besoin de soutien : peu avaient déjà enseigné à "
        "distance.",
        "Un appel de cinq minutes par semaine à chaque apprenti a soutenu la motivation.",
        "Les simulateurs ont aidé pour le câblage électrique, mais rien ne remplace les vrais "
        "outils.",
        "Syndicats et employeurs ont convenu que les heures en entreprise pourraient être "
        "rattrapées plus tard.",
        "Les parents de jeunes enfants ne pouvaient pas suivre d'horaires fixes : toutes les "
        "séances étaient enregistrées.",
        "Un diplôme obtenu pendant la crise doit valoir autant que les autres.",
        "Un carnet de suivi numérique partagé a permis aux tuteurs et aux enseignants de suivre "
        "chaque apprenti à distance.",
    ],
}
LIST_INTROS = {
    "en": "What helped most:",
    "es": "Lo que más ayudó:",
    "fr": "Ce qui a le plus aidé :",
}
LIST_ITEMS = {
    "en": ["loaned devices", "paid mobile data", "recorded sessions", "weekly calls",
           "a shared logbook", "outdoor practice in small groups"],
    "es": ["dispositivos prestados", "datos móviles pagados", "sesiones grabadas",
           "llamadas semanales", "un cuaderno compartido", "prácticas al aire libre"],
    "fr": ["des appareils prêtés", "des données mobiles payées", "des séances enregistrées",
           "des appels hebdomadaires", "un carnet partagé", "la pratique en plein air"],
}
LINK_LINES = {
    "en": "We wrote the approach up here: https://example.org/notes/remote-apprenticeships",
    "es": "Lo describimos en esta nota: https://example.org/notas/aprendices-a-distancia",
    "fr": "Nous l'avons décrit ici : https://example.org/notes/apprentissage-a-distance",
}
REPLY_OPENERS = {
    "en": ["I agree with this.", "Thank you for sharing this example.",
           "We saw the opposite in our centre.", "Did the employers cover the cost?"],
    "es": ["Estoy de acuerdo.", "Gracias por compartir este ejemplo.",
           "En nuestro centro vimos lo contrario.", "¿Las empresas asumieron el coste?"],
    "fr": ["Je suis d'accord.", "Merci pour cet exemple.",
           "Nous avons constaté l'inverse dans notre centre.", "Les employeurs ont-ils payé ?"],
}
LANGUAGE_WEIGHTS = {"en": 5, "es": 3, "fr": 2}
TEXTS_PER_LANGUAGE = 80  # distinct texts per language and kind (root or reply)

FIRST_NAMES = ["Amina", "Bruno", "Chen", "Dolores", "Emeka", "Fatou", "Gustavo", "Hana",
               "Ivan", "Jaya", "Kofi", "Léa", "Mateo", "Nadia", "Omar", "Paula", "Ravi"]
SURNAMES = ["Okafor", "Lindqvist", "Moreau", "Quispe", "Tanaka", "Haddad", "Nkosi", "Rossi",
            "Santos", "Dubois", "Kowalski", "Mwangi", "Varga", "Castillo", "Berger"]
ORGANISATIONS = ["Northern Trades College", "Metalworkers' Union", "Regional Chamber of Crafts",
                 "Ministry of Labour", "Open Skills Institute", "Coastal Builders Ltd", ""]
COUNTRIES = ["PE", "FR", "ES", "KE", "SN", "IN", "DE", "BR", "PH", "CA", "MA", "IT"]


def compose_text(rng: random.Random, language: str, reply: bool) -> str:
    """Combine a few sentences into one or two paragraphs, sometimes with a list or a link."""
    sentences = rng.sample(SENTENCES[language], rng.randint(1, 3) if reply else rng.randint(2, 5))
    if reply and rng.random() < 0.6:
        sentences.insert(0, rng.choice(REPLY_OPENERS[language]))
    if len(sentences) > 2 and rng.random() < 0.3:
        sentences[1] = f"**{sentences[1]}**"
    cut = rng.randint(1, len(sentences))
    paragraphs = [" ".join(sentences[:cut]), " ".join(sentences[cut:])]
    if rng.random() < 0.15:
        items = rng.sample(LIST_ITEMS[language], 3)
        paragraphs.append(LIST_INTROS[language] + "\n\n" + "\n".join(f"- {i}" for i in items))
    if rng.random() < 0.1:
        paragraphs.append(LINK_LINES[language])
    return "\n\n".join(p for p in paragraphs if p)


def text_pool(seed: int) -> dict[tuple[str, bool], list[str]]:
    """Distinct texts per (language, is_reply), fixed by `seed`."""
    rng = random.Random(seed)
    pool: dict[tuple[str, bool], list[str]] = {}
    for language in SENTENCES:
        for reply in (False, True):
            texts = {compose_text(rng, language, reply) for _ in range(TEXTS_PER_LANGUAGE)}
            pool[(language, reply)] = sorted(texts)
    return pool


# --------------------------------------------------------------------------------------------
# Seeding


@dataclass
class Seeded:
    database_url: str
    posts: int
    threads: int
    threads_on_question_1: int
    max_depth: int
    capped_replies: int
    distinct_texts: int
    seconds: float


def settings_for(database_url: str, secret_key: str, base_url: str = "http://127.0.0.1:8000"):
    from forum.settings import Settings

    return Settings(database_url=database_url, env="test", secret_key=secret_key, base_url=base_url)


def make_users(now: datetime, password_hash: str) -> list[Any]:
    from forum.models import User
    from forum.models.types import Role, StakeholderGroup, UserState

    groups = [group.value for group in StakeholderGroup]
    languages = list(SENTENCES)
    users = []
    for n in range(USERS):
        first = FIRST_NAMES[n % len(FIRST_NAMES)]
        last = SURNAMES[(n * 7) % len(SURNAMES)]
        users.append(
            User(
                email=f"bench.user{n:02d}@example.org",
                display_name=f"{first} {last}",
                organisation=ORGANISATIONS[n % len(ORGANISATIONS)],
                country=COUNTRIES[n % len(COUNTRIES)],
                stakeholder_group=groups[n % len(groups)],
                preferred_language=languages[n % len(languages)],
                role=Role.CONTRIBUTOR.value,
                state=UserState.ACTIVE.value,
                password_hash=password_hash,
                email_confirmed_at=now - timedelta(days=10),
                created_at=now - timedelta(days=10),
            )
        )
    return users


@dataclass
class _Node:
    id: int
    parent_id: int | None
    depth: int


def plan_posts(
    rng: random.Random, count: int, first_id: int, question_ids: list[int]
) -> Iterator[tuple[int, int, int | None, int | None, int, int]]:
    """Yield (id, question_id, parent_id, in_reply_to_id, thread_id, depth) in id order.

    Replies pick a post of their thread (often the latest) and nest under it, or sit beside
    it when it is already MAX_DEPTH deep, exactly as posting._reply_place places them.
    """
    next_id = first_id
    end = first_id + count
    while next_id < end:
        # The first thread answers question 1, so even a tiny database shows posts there.
        question_id = question_ids[0] if next_id == first_id else rng.choice(question_ids)
        size = min(rng.choice(THREAD_SIZES), end - next_id)
        root = _Node(next_id, None, 0)
        nodes = [root]
        yield root.id, question_id, None, None, root.id, 0
        next_id += 1
        for _ in range(size - 1):
            target = nodes[-1] if rng.random() < 0.5 else rng.choice(nodes)
            if target.depth >= MAX_DEPTH:
                node = _Node(next_id, target.parent_id, MAX_DEPTH)
            else:
                node = _Node(next_id, target.id, target.depth + 1)
            nodes.append(node)
            yield node.id, question_id, node.parent_id, target.id, root.id, node.depth
            next_id += 1


async def insert_posts(
    database_url: str, count: int, seed: int, password_hash: str, rendered: dict[str, str]
) -> Seeded:
    """Add USERS people and `count` approved posts, shaped as create_post writes them."""
    from sqlalchemy import func, insert, select, update
    from sqlmodel import col

    from forum.db import Database
    from forum.models import Discussion, Post, Question, QuestionSet, User
    from forum.models.types import PostStatus, QuoteConsent
    from forum.services.posting import clean_source
    from forum.text import render_markdown

    started = time.perf_counter()
    rng = random.Random(seed)
    now = datetime.now(UTC)
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            discussion = await session.scalar(select(Discussion).where(Discussion.slug == SLUG))
            if discussion is None:
                raise SystemExit(f"bench: the demo discussion {SLUG!r} is missing")
            rows = (
                await session.execute(
                    select(col(Question.number), col(Question.id), col(QuestionSet.opens_at),
                           col(QuestionSet.closes_at))
                    .join(QuestionSet, col(QuestionSet.id) == col(Question.question_set_id))
                    .where(col(Question.discussion_id) == discussion.id,
                           col(Question.number).in_(list(QUESTIONS)))
                    .order_by(col(Question.number))
                )
            ).all()
            if [row[0] for row in rows] != list(QUESTIONS):
                raise SystemExit(f"bench: {SLUG} lacks questions {list(QUESTIONS)}")
            if not all(opens <= now < closes for _n, _id, opens, closes in rows):
                print("bench: note: week one of the demo is not open now; posting anyway")
            question_ids = [row[1] for row in rows]
            start = max(min(row[2] for row in rows), now - timedelta(days=3))
            users = make_users(now, password_hash)
            session.add_all(users)
            await session.flush()
            first_id = (await session.scalar(select(func.max(col(Post.id))))) or 0
            discussion_id = discussion.id
        author_ids = [user.id for user in users]
        author_weights = [1 + 6 * (n % 10 == 0) + 2 * (n % 3 == 0) for n in range(USERS)]
        pool = text_pool(seed)
        consents = [c.value for c in QuoteConsent]
        last_consent: dict[int, str] = {}
        step = (now - start) / (count + 1)
        languages, weights = list(LANGUAGE_WEIGHTS), list(LANGUAGE_WEIGHTS.values())
        thread_language: dict[int, str] = {}
        stats = {"threads": 0, "q1": 0, "depth": 0, "capped": 0}
        batch: list[dict[str, Any]] = []

        async def flush() -> None:
            async with db.transaction() as session:
                await session.execute(insert(Post.__table__), batch)  # type: ignore[arg-type]
            batch.clear()

        for n, (pid, qid, parent, reply_to, thread, depth) in enumerate(
            plan_posts(rng, count, first_id + 1, question_ids)
        ):
            if parent is None:
                stats["threads"] += 1
                stats["q1"] += qid == question_ids[0]
                thread_language[thread] = rng.choices(languages, weights)[0]
            stats["depth"] = max(stats["depth"], depth)
            stats["capped"] += reply_to is not None and reply_to != parent
            # Most replies keep the thread's language; some answer in another.
            language = thread_language[thread]
            if parent is not None and rng.random() < 0.25:
                language = rng.choices(languages, weights)[0]
            source = clean_source(rng.choice(pool[(language, parent is not None)]))
            if source not in rendered:
                rendered[source] = render_markdown(source)  # once per distinct text
            author = rng.choices(author_ids, author_weights)[0]
            consent = rng.choices(consents, (6, 3, 1))[0]
            last_consent[author] = consent
            created = start + step * (n + 1)
            batch.append(
                {
                    "id": pid,
                    "discussion_id": discussion_id,
                    "question_id": qid,
                    "parent_id": parent,
                    "in_reply_to_id": reply_to,
                    "thread_id": thread,
                    "depth": depth,
                    "author_id": author,
                    "language": language,
                    "source": source,
                    "html": rendered[source],
                    "status": PostStatus.APPROVED.value,
                    "quote_consent": consent,
                    "created_at": created,
                    "edited_at": None,
                    "approved_at": created,
                }
            )
            if len(batch) >= INSERT_CHUNK:
                await flush()
        if batch:
            await flush()
        async with db.transaction() as session:
            # create_post bumps the version once per approved post and keeps the last consent.
            await session.execute(
                update(Discussion)
                .where(col(Discussion.id) == discussion_id)
                .values(content_version=col(Discussion.content_version) + count)
            )
            for author, consent in last_consent.items():
                await session.execute(
                    update(User).where(col(User.id) == author).values(quote_consent=consent)
                )
        async with db.session() as session:
            stored = await session.scalar(
                select(func.count()).select_from(Post).where(col(Post.status) == "approved")
            )
    finally:
        await db.dispose()
    if stored != count:
        raise SystemExit(f"bench: expected {count} posts, found {stored}")
    return Seeded(
        database_url=database_url,
        posts=count,
        threads=stats["threads"],
        threads_on_question_1=stats["q1"],
        max_depth=stats["depth"],
        capped_replies=stats["capped"],
        distinct_texts=len(rendered),
        seconds=time.perf_counter() - started,
    )


def seed_database(
    path: Path, count: int, secret_key: str, password_hash: str, rendered: dict[str, str]
) -> Seeded:
    from forum.cli import load_demo, migrate

    started = time.perf_counter()
    url = f"sqlite+aiosqlite:///{path}"
    settings = settings_for(url, secret_key)
    migrate(settings)
    asyncio.run(load_demo(settings))
    seeded = asyncio.run(insert_posts(url, count, seed=20_240_601, password_hash=password_hash,
                                      rendered=rendered))
    seeded.seconds = time.perf_counter() - started
    return seeded


# --------------------------------------------------------------------------------------------
# SQL statements per page, counted in this process through httpx.ASGITransport


@dataclass
class InProcess:
    """One anonymous request alone, in this process (medians over `repeat` requests)."""

    statements: int  # SQL statements it costs
    request_ms: float  # the whole request through httpx.ASGITransport
    db_ms: float  # of which awaiting AsyncSession calls: SQL, the async bridge, ORM loading
    render_ms: float  # of which in Jinja2's Template.render (the page's template)


async def measure_in_process(
    database_url: str, secret_key: str, paths: list[str], repeat: int = 20
) -> dict[str, InProcess]:
    """Request each path as an anonymous reader: count its SQL statements and time it alone.

    The count includes the BEGIN SQLAlchemy emits for each session that touches the database
    (PRAGMAs run once per new connection and are not counted: the pool keeps it open). The
    first request of each path warms caches and is not counted. DB time is measured around
    every AsyncSession call (each runs through greenlet_spawn: the SQL, the aiosqlite thread
    hops, building rows and ORM objects); what is neither DB nor render is building queries
    and views, the middleware and the ASGI round trip.
    """
    import statistics

    import httpx
    import jinja2
    import sqlalchemy.ext.asyncio.session as async_session
    from sqlalchemy import event

    from forum.app import create_app

    app = create_app(settings_for(database_url, secret_key))
    statements: list[str] = []
    db_seconds: list[float] = []
    render_seconds: list[float] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    original_spawn = async_session.greenlet_spawn

    async def timed_spawn(fn: Any, *args: Any, **kwargs: Any) -> Any:
        began = time.perf_counter()
        try:
            return await original_spawn(fn, *args, **kwargs)
        finally:
            db_seconds.append(time.perf_counter() - began)

    original_render = jinja2.Template.render

    def timed_render(self: jinja2.Template, *args: Any, **kwargs: Any) -> str:
        began = time.perf_counter()
        try:
            return original_render(self, *args, **kwargs)
        finally:
            render_seconds.append(time.perf_counter() - began)

    engine = app.state.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", before)
    jinja2.Template.render = timed_render  # type: ignore[method-assign]
    async_session.greenlet_spawn = timed_spawn
    results: dict[str, InProcess] = {}
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as c:
            for path in paths:
                counts: list[int] = []
                whole: list[float] = []
                db: list[float] = []
                render: list[float] = []
                for attempt in range(repeat + 1):
                    statements.clear()
                    db_seconds.clear()
                    render_seconds.clear()
                    sent = time.perf_counter()
                    response = await c.get(path)
                    elapsed = time.perf_counter() - sent
                    if response.status_code != 200:
                        raise SystemExit(f"bench: {path} answered {response.status_code}")
                    if attempt:
                        counts.append(len(statements))
                        whole.append(elapsed)
                        db.append(sum(db_seconds))
                        render.append(sum(render_seconds))
                if len(set(counts)) != 1:
                    print(f"bench: note: {path} cost {sorted(set(counts))} statements")
                results[path] = InProcess(
                    max(counts),
                    statistics.median(whole) * 1000,
                    statistics.median(db) * 1000,
                    statistics.median(render) * 1000,
                )
    finally:
        jinja2.Template.render = original_render  # type: ignore[method-assign]
        async_session.greenlet_spawn = original_spawn
        await app.state.db.dispose()
    return results


# --------------------------------------------------------------------------------------------
# The two servers, each in its own process


def serve_forum(database_url: str, port: int) -> None:
    import uvicorn

    from forum.app import create_app

    pin_self("BENCH_SERVER_CPU")
    settings = settings_for(
        database_url, os.environ["BENCH_SECRET_KEY"], base_url=f"http://127.0.0.1:{port}"
    )
    uvicorn.run(create_app(settings), **uvicorn_options(port))


def serve_bare(html_file: str, port: int) -> None:
    """Serve the saved page through a Jinja2 template, with no database and no middleware."""
    import gc
    from collections.abc import AsyncIterator
    from contextlib import asynccontextmanager

    import uvicorn
    from jinja2 import DictLoader, Environment
    from markupsafe import Markup
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route
    from starlette.templating import Jinja2Templates

    pin_self("BENCH_SERVER_CPU")
    environment = Environment(
        loader=DictLoader({"page.html": "{{ page }}"}), autoescape=True, auto_reload=False
    )
    templates = Jinja2Templates(env=environment)
    page = Markup(Path(html_file).read_text(encoding="utf-8"))

    async def bare(request: Request) -> Response:
        return templates.TemplateResponse(request, "page.html", {"page": page})

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        gc.collect()  # as the forum does at start-up
        gc.freeze()
        yield

    app = Starlette(routes=[Route("/", bare)], lifespan=lifespan)
    uvicorn.run(app, **uvicorn_options(port))


def event_loop_and_parser() -> tuple[str, str]:
    try:
        import uvloop  # noqa: F401

        loop = "uvloop"
    except ImportError:
        loop = "asyncio"
    try:
        import httptools  # noqa: F401

        http = "httptools"
    except ImportError:
        http = "h11"
    return loop, http


def uvicorn_options(port: int) -> dict[str, Any]:
    loop, http = event_loop_and_parser()
    return {
        "host": "127.0.0.1",
        "port": port,
        "workers": None,
        "log_level": "warning",
        "access_log": False,
        "loop": loop,
        "http": http,
        "lifespan": "on",
        "proxy_headers": False,
    }


def pin_self(variable: str) -> None:
    cpus = os.environ.get(variable)
    if cpus and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {int(cpu) for cpu in cpus.split(",")})


def cpu_plan() -> tuple[set[int] | None, set[int] | None]:
    """One core for the server, the others for the load generator (when there are two+)."""
    if not hasattr(os, "sched_getaffinity"):
        return None, None
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return None, None
    return {cpus[0]}, set(cpus[1:])


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self) -> str:
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")[-3000:]
        except OSError:
            return ""


def start_server(
    name: str, args: list[str], workdir: Path, server_cpus: set[int] | None, secret_key: str
) -> Server:
    port = free_port()
    log = workdir / f"{name}.log"
    env = dict(os.environ, BENCH_SECRET_KEY=secret_key, PYTHONUNBUFFERED="1")
    if server_cpus:
        env["BENCH_SERVER_CPU"] = ",".join(str(cpu) for cpu in sorted(server_cpus))
    command = [sys.executable, str(Path(__file__).resolve()), "--serve", name,
               "--port", str(port), *args]
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    return Server(name, process, port, log)


def wait_ready(server: Server, path: str) -> None:
    import httpx

    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise SystemExit(f"bench: the {server.name} server exited:\n{server.log_tail()}")
        try:
            if httpx.get(server.base + path, timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"bench: the {server.name} server did not answer in {READY_TIMEOUT:.0f} s")


def wait_idle(server: Server, limit: float = 15.0) -> None:
    """Wait until the server has finished the requests still queued when the load stopped."""
    stat = Path(f"/proc/{server.process.pid}/stat")

    def cpu_ticks() -> int:
        fields = stat.read_text(encoding="ascii").rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime

    try:
        ticks_per_second = os.sysconf("SC_CLK_TCK")
        deadline = time.monotonic() + limit
        previous = cpu_ticks()
        while time.monotonic() < deadline:
            time.sleep(0.25)
            current = cpu_ticks()
            if (current - previous) / ticks_per_second < 0.25 * 0.05:  # under 5 % of a CPU
                return
            previous = current
    except (OSError, ValueError, IndexError):
        time.sleep(2.0)  # no /proc: give the backlog a moment


def stop_server(server: Server) -> None:
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=10)


# --------------------------------------------------------------------------------------------
# Load generators


@dataclass
class Load:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # non-2xx/3xx answers, socket errors and timeouts


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _latency_ms(text: str, percentile: str) -> float:
    match = re.search(rf"^\s*{percentile}%\s+([\d.]+)(us|ms|s|m|h)\s*$", text, re.MULTILINE)
    if not match:
        raise ValueError(f"no {percentile}% line")
    return float(match.group(1)) * _UNITS_MS[match.group(2)]


def parse_wrk(text: str) -> Load:
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", text, re.MULTILINE)
    total = re.search(r"^\s*(\d+) requests in", text, re.MULTILINE)
    if not rps or not total:
        raise ValueError("wrk printed no summary")
    errors = 0
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    if non_2xx:
        errors += int(non_2xx.group(1))
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text
    )
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return Load(float(rps.group(1)), _latency_ms(text, "50"), _latency_ms(text, "99"),
                int(total.group(1)), errors)


def check_loopback(url: str) -> None:
    if urlsplit(url).hostname != "127.0.0.1":
        raise SystemExit(f"bench: refusing to load a non-loopback URL: {url}")


def wrk_load(url: str, seconds: int, connections: int, cpus: set[int] | None) -> Load:
    check_loopback(url)
    threads = max(1, min(len(cpus) if cpus else 1, connections))
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s",
               "--timeout", "10s", "--latency", url]
    preexec: Callable[[], None] | None = None
    if cpus and hasattr(os, "sched_setaffinity"):
        chosen = set(cpus)

        def preexec() -> None:
            os.sched_setaffinity(0, chosen)

    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30,
                          preexec_fn=preexec, check=False)
    if done.returncode != 0:
        raise SystemExit(f"bench: wrk failed ({done.returncode}): {done.stderr.strip()}")
    try:
        return parse_wrk(done.stdout)
    except ValueError as error:
        raise SystemExit(f"bench: cannot read wrk's output ({error}):\n{done.stdout}") from None


async def _python_load(url: str, seconds: int, connections: int) -> Load:
    import httpx

    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    started = time.perf_counter()
    deadline = started + seconds
    async with httpx.AsyncClient(limits=limits, timeout=10.0) as client:

        async def worker() -> None:
            nonlocal errors
            for _ in range(PY_LOADER_MAX_REQUESTS):
                if time.perf_counter() >= deadline:
                    return
                sent = time.perf_counter()
                try:
                    response = await client.get(url)
                except httpx.HTTPError:
                    errors += 1
                    continue
                latencies.append(time.perf_counter() - sent)
                errors += response.status_code >= 400

        await asyncio.wait_for(
            asyncio.gather(*(worker() for _ in range(connections))), timeout=seconds + 30
        )
    elapsed = time.perf_counter() - started
    latencies.sort()

    def percentile(p: float) -> float:
        if not latencies:
            return float("nan")
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    return Load(len(latencies) / elapsed, percentile(0.50), percentile(0.99),
                len(latencies), errors)


def python_load(url: str, seconds: int, connections: int, cpus: set[int] | None) -> Load:
    check_loopback(url)
    if cpus and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, cpus)
    return asyncio.run(_python_load(url, seconds, connections))


# --------------------------------------------------------------------------------------------
# The run


@dataclass
class Row:
    route: str
    path: str
    load: Load
    size: int
    in_process: InProcess | None  # None for the bare page, which has no database


def fetch(url: str) -> bytes:
    import httpx

    check_loopback(url)
    response = httpx.get(url, timeout=30.0)
    if response.status_code != 200:
        raise SystemExit(f"bench: {url} answered {response.status_code}")
    return response.content


def cpu_busy(seconds: float = 1.0) -> float | None:
    """Fraction of the machine's CPU time spent busy over `seconds` (Linux), else None."""

    def sample() -> tuple[int, int]:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = [int(n) for n in stat.readline().split()[1:]]
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
        return sum(fields), idle

    try:
        total0, idle0 = sample()
        time.sleep(seconds)
        total1, idle1 = sample()
    except (OSError, ValueError, IndexError):
        return None
    total = total1 - total0
    return 1 - (idle1 - idle0) / total if total > 0 else None


def check_quiet(when: str) -> str:
    busy = cpu_busy()
    if busy is None:
        return "unknown"
    if busy > 0.15:
        print(f"bench: WARNING: {busy:.0%} of the CPU was busy {when} with the servers idle: "
              "something else is running and the figures will be low and noisy")
    return f"{busy:.0%}"


def versions(loader: str) -> list[str]:
    import sqlalchemy
    import starlette
    import uvicorn

    loop, http = event_loop_and_parser()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"
    lines = [
        f"machine: {platform.machine()} {platform.system()} {platform.release()}, "
        f"os.cpu_count()={os.cpu_count()}, usable CPUs={usable}",
        f"python {platform.python_version()}, uvicorn {uvicorn.__version__} ({loop}, {http}), "
        f"starlette {starlette.__version__}, sqlalchemy {sqlalchemy.__version__}",
    ]
    if loader == "wrk":
        done = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
        first = (done.stdout or done.stderr or "wrk").splitlines()[0]
        lines.append(f"load generator: {first.split(' Copyright')[0]}")
    else:
        import httpx

        lines.append(f"load generator: bounded Python loader (httpx {httpx.__version__})")
    return lines


def print_table(rows: list[Row]) -> None:
    bare = rows[0].load.requests_per_second
    header = ("route", "req/s", "p50 ms", "p99 ms", "÷ bare", "HTML KB", "SQL stmts",
              "1 req ms", "DB ms", "render ms", "errors")
    table = [header]
    for row in rows:
        inner = row.in_process
        table.append((
            f"{row.route} {row.path}",
            f"{row.load.requests_per_second:,.0f}",
            f"{row.load.p50_ms:.2f}",
            f"{row.load.p99_ms:.2f}",
            f"{row.load.requests_per_second / bare:.3f}" if bare else "-",
            f"{row.size / 1024:.1f}",
            "0" if inner is None else str(inner.statements),
            "-" if inner is None else f"{inner.request_ms:.1f}",
            "-" if inner is None else f"{inner.db_ms:.1f}",
            "-" if inner is None else f"{inner.render_ms:.1f}",
            str(row.load.errors),
        ))
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    for n, line in enumerate(table):
        cells = [line[0].ljust(widths[0])]
        cells += [cell.rjust(width) for cell, width in zip(line[1:], widths[1:], strict=True)]
        print("| " + " | ".join(cells) + " |")
        if n == 0:
            print("|" + "|".join("-" * (w + 1) + ("-" if i == 0 else ":")
                                 for i, w in enumerate(widths)) + "|")


def run(options: argparse.Namespace) -> None:
    from forum.services.passwords import hash_password

    loader = options.loader
    if loader == "auto":
        loader = "wrk" if shutil.which("wrk") else "python"
        if loader == "python":
            print("bench: NOTE: wrk is not installed (Debian: apt-get install wrk); falling back "
                  "to a bounded Python loader, which is slower than the server and shares the "
                  "CPU budget: its figures are far less trustworthy than wrk's.")
    server_cpus, load_cpus = cpu_plan()
    load = wrk_load if loader == "wrk" else python_load
    secret_key = secrets.token_urlsafe(48)
    workdir = Path(tempfile.mkdtemp(prefix="forum-bench-"))
    servers: list[Server] = []
    try:
        print(f"bench: seeding in {workdir} ...", flush=True)
        password_hash = hash_password(secrets.token_urlsafe(16))  # argon2: once, shared
        rendered: dict[str, str] = {}
        main = seed_database(workdir / "bench.db", options.posts, secret_key, password_hash,
                             rendered)
        reference = seed_database(workdir / "reference.db", REFERENCE_POSTS, secret_key,
                                  password_hash, rendered)
        print(f"bench: {main.posts} posts in {main.threads} threads "
              f"({main.threads_on_question_1} on question 1), depth up to {main.max_depth}, "
              f"{main.capped_replies} replies beside a depth-{MAX_DEPTH} parent, "
              f"{len(rendered)} distinct texts rendered once each; seeded in "
              f"{main.seconds:.1f} s (+{reference.seconds:.1f} s for the {REFERENCE_POSTS}-post "
              "database)", flush=True)

        paths = [path for _name, path in ROUTES]
        question_path = ROUTES[0][1]
        in_process = asyncio.run(measure_in_process(main.database_url, secret_key, paths))
        reference_count = asyncio.run(
            measure_in_process(reference.database_url, secret_key, [question_path], repeat=2)
        )[question_path].statements

        forum = start_server("forum", ["--database-url", main.database_url], workdir,
                             server_cpus, secret_key)
        servers.append(forum)
        wait_ready(forum, "/healthz")
        pages = {path: fetch(forum.base + path) for path in paths}
        html_file = workdir / "question.html"
        html_file.write_bytes(pages[question_path])
        bare = start_server("bare", ["--html-file", str(html_file)], workdir, server_cpus,
                            secret_key)
        servers.append(bare)
        wait_ready(bare, "/")
        bare_html = fetch(bare.base + "/")
        if bare_html != pages[question_path]:
            print("bench: WARNING: the bare page differs from the saved question page")
        busy_before = check_quiet("before loading")

        targets = [("bare", "/", bare, None)]
        targets += [(name, path, forum, in_process[path]) for name, path in ROUTES]
        rows: list[Row] = []
        for name, path, server, measured in targets:
            url = server.base + path
            print(f"bench: {name}: {options.seconds} s, {options.connections} connections ...",
                  flush=True)
            load(url, min(WARM_UP_SECONDS, options.seconds), options.connections, load_cpus)
            result = load(url, options.seconds, options.connections, load_cpus)
            wait_idle(server)
            size = len(bare_html) if server is bare else len(pages[path])
            rows.append(Row(name, path, result, size, measured))
            for other in servers:
                if other.process.poll() is not None:
                    raise SystemExit(f"bench: the {other.name} server died:\n{other.log_tail()}")
        busy_after = check_quiet("after loading")

        print()
        for line in versions(loader):
            print(line)
        pinning = (f"server pinned to CPU {sorted(server_cpus)}, load generator to "
                   f"{sorted(load_cpus or [])}" if server_cpus else "no CPU pinning (one CPU)")
        print(f"config: {main.posts} posts, {options.seconds} s per route (+{WARM_UP_SECONDS} s "
              f"warm-up), {options.connections} connections, one uvicorn worker each; {pinning}; "
              f"CPU busy with servers idle: {busy_before} before, {busy_after} after")
        print()
        print_table(rows)
        print()
        question_count = in_process[question_path].statements
        equal = "equal" if question_count == reference_count else "NOT EQUAL"
        print(f"SQL statements on the question page: {question_count} with {main.posts} posts, "
              f"{reference_count} with {REFERENCE_POSTS} posts ({reference.threads_on_question_1} "
              f"thread(s) there) -> {equal}")
        print("÷ bare: req/s of the route over req/s of the bare Jinja2 page, in this run.")
        print("SQL stmts (BEGIN included), 1 req ms, DB ms (awaiting AsyncSession: SQL, "
              "async bridge, ORM), render ms (Jinja2): one anonymous request alone, in this "
              "process through httpx.ASGITransport, median of 20.")
        if question_count != reference_count:
            sys.exit(1)
    finally:
        for server in reversed(servers):
            stop_server(server)
        shutil.rmtree(workdir, ignore_errors=True)


def bounded(low: int, high: int, what: str, cap: bool) -> Callable[[str], int]:
    def parse(text: str) -> int:
        value = int(text)
        if value < low:
            raise argparse.ArgumentTypeError(f"{what} must be at least {low}")
        if value > high:
            if not cap:
                raise argparse.ArgumentTypeError(f"{what} may be at most {high:,}")
            print(f"bench: {what} capped at {high}")
            return high
        return value

    return parse


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Load the forum's read pages and compare them with a bare Jinja2 page."
    )
    parser.add_argument("--posts", type=bounded(REFERENCE_POSTS, MAX_POSTS, "--posts", False),
                        default=1000, help=f"approved posts to seed (<= {MAX_POSTS:,})")
    parser.add_argument("--seconds", type=bounded(1, MAX_SECONDS, "--seconds", True),
                        default=10, help=f"seconds per route (capped at {MAX_SECONDS})")
    parser.add_argument("--connections", type=bounded(1, MAX_CONNECTIONS, "--connections", True),
                        default=50, help=f"concurrent connections (capped at {MAX_CONNECTIONS})")
    parser.add_argument("--loader", choices=("auto", "wrk", "python"), default="auto",
                        help="load generator: wrk if installed (auto), or the Python one")
    # Internal: how the script starts its own servers.
    parser.add_argument("--serve", choices=("forum", "bare"), help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--html-file", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.serve == "forum":
        serve_forum(options.database_url, options.port)
    elif options.serve == "bare":
        serve_bare(options.html_file, options.port)
    else:
        if options.loader == "wrk" and not shutil.which("wrk"):
            parser.error("wrk is not installed (Debian: apt-get install wrk)")
        try:
            run(options)
        except KeyboardInterrupt:
            print("\nbench: interrupted; servers stopped", file=sys.stderr)
            sys.exit(130)


if __name__ == "__main__":
    main()
