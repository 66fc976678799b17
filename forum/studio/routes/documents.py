"""The studio's documents page: a discussion's files per language, sent, renamed, replaced."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from forum.core.errors import FormInvalid
from forum.core.i18n import I18n, filesize
from forum.discussions.documents import ALLOWED_TYPES, DocumentRefused
from forum.models import Discussion
from forum.studio.access import studio_discussion, studio_head
from forum.studio.documents import (
    DocumentFormInvalid,
    remove_document,
    replace_document,
    retitle_document,
    studio_documents,
    upload_document,
)
from forum.web.forms import FormState, read_form, see_other
from forum.web.request import database, now, page_i18n, render, settings_of, url, viewer
from forum.web.urls import Action

# The two addresses that take a file; the body size limit lets them have a document's size.
UPLOADS = re.compile(r"^/[a-z]{2,3}/studio/[^/]+/documents/(?:add|[0-9]{1,9}/file)$")
FORM_OVERHEAD = 64 * 1024  # the boundaries, the part headers and the other fields
MAX_FIELD = 4 * 1024  # a title, a language code or a token: never more


def upload_limit(max_document_bytes: int) -> Callable[[str], int | None]:
    """Tell the body size limit which paths take a document, and how large a body they take."""

    def limit_for(path: str) -> int | None:
        return max_document_bytes + FORM_OVERHEAD if UPLOADS.match(path) else None

    return limit_for


async def _upload(request: Request, names: tuple[str, ...]) -> tuple[dict[str, str], str, bytes]:
    """The text fields, the file's name and its bytes of a multipart form (one file at most)."""
    values: dict[str, str] = {}
    async with request.form(max_files=1, max_fields=20, max_part_size=MAX_FIELD) as form:
        for name in names:
            value = form.get(name, "")
            values[name] = value if isinstance(value, str) else ""
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            return values, "", b""
        # Browsers send a double quote in a file name as %22 (HTML's multipart encoding).
        filename = (upload.filename or "").replace("%22", '"')
        return values, filename, await upload.read()


def _errors(i18n: I18n, error: FormInvalid, rename: dict[str, str] | None = None) -> dict[str, str]:
    """The refused fields' messages in the reader's language (the file's with its details)."""
    refusal = error.refusal if isinstance(error, DocumentFormInvalid) else None
    messages: dict[str, str] = {}
    for name, message in error.errors.items():
        text = i18n.gettext(message)
        if refusal is not None and name == "file" and refusal.params:
            text %= _params(i18n, refusal)
        messages[(rename or {}).get(name, name)] = text
    return messages


def _params(i18n: I18n, refusal: DocumentRefused) -> dict[str, object]:
    params: dict[str, object] = dict(refusal.params)
    if isinstance(limit := params.get("limit"), int):
        params["limit"] = filesize(i18n, limit)
    if isinstance(actual := params.get("actual"), str):
        params["actual"] = i18n.gettext(actual)
    return params


async def _show(
    request: Request, discussion: Discussion, i18n: I18n, form: FormState, status: int = 200
) -> Response:
    async with database(request).session() as session:
        head = await studio_head(session, discussion, i18n.language, now(request))
        groups = await studio_documents(session, discussion)
    context: dict[str, Any] = {
        "head": head,
        "current_tab": "studio_documents",
        "groups": groups,
        "language_choices": [(code, i18n.language_label(code)) for code in head.languages],
        "form": form,
        "extensions": ", ".join(f".{kind.extension}" for kind in ALLOWED_TYPES),
        "accept": ",".join(f".{kind.extension},{kind.media_type}" for kind in ALLOWED_TYPES),
        "max_size": filesize(i18n, settings_of(request).max_document_bytes),
        "done": request.query_params.get("done", "") == "1",
    }
    return render(request, "studio/documents.html", context, i18n=i18n, status=status)


async def _discussion(request: Request) -> Discussion:
    async with database(request).session() as session:
        return await studio_discussion(session, request.path_params["slug"], viewer(request))


def _back(request: Request) -> Response:
    return see_other(url(request, "studio_documents", slug=request.path_params["slug"]) + "?done=1")


async def documents(request: Request) -> Response:
    i18n = page_i18n(request)
    return await _show(request, await _discussion(request), i18n, FormState())


async def add(request: Request) -> Response:
    i18n = page_i18n(request)
    discussion = await _discussion(request)
    user = viewer(request)
    assert user is not None  # studio_discussion let only organisers through
    values, filename, content = await _upload(request, ("language", "title"))
    settings = settings_of(request)
    try:
        async with database(request).transaction() as session:
            await upload_document(
                session,
                discussion=discussion,
                actor=user,
                language=values["language"],
                title=values["title"],
                filename=filename,
                content=content,
                data_dir=settings.data_dir,
                max_bytes=settings.max_document_bytes,
                now=now(request),
            )
    except FormInvalid as error:
        form = FormState(values, _errors(i18n, error), error.message)
        return await _show(request, discussion, i18n, form, 422)
    return _back(request)


async def retitle(request: Request) -> Response:
    i18n = page_i18n(request)
    discussion = await _discussion(request)
    user = viewer(request)
    assert user is not None
    document_id: int = request.path_params["id"]
    values = await read_form(request, ("title",))
    try:
        async with database(request).transaction() as session:
            await retitle_document(
                session,
                discussion=discussion,
                actor=user,
                document_id=document_id,
                title=values["title"],
                now=now(request),
            )
    except FormInvalid as error:
        field = f"title-{document_id}"
        form = FormState({field: values["title"]}, _errors(i18n, error, {"title": field}))
        form.message = error.message
        return await _show(request, discussion, i18n, form, 422)
    return _back(request)


async def replace(request: Request) -> Response:
    i18n = page_i18n(request)
    discussion = await _discussion(request)
    user = viewer(request)
    assert user is not None
    document_id: int = request.path_params["id"]
    _values, filename, content = await _upload(request, ())
    settings = settings_of(request)
    try:
        async with database(request).transaction() as session:
            await replace_document(
                session,
                discussion=discussion,
                actor=user,
                document_id=document_id,
                filename=filename,
                content=content,
                data_dir=settings.data_dir,
                max_bytes=settings.max_document_bytes,
                now=now(request),
            )
    except FormInvalid as error:
        errors = _errors(i18n, error, {"file": f"file-{document_id}"})
        return await _show(request, discussion, i18n, FormState({}, errors, error.message), 422)
    return _back(request)


async def remove(request: Request) -> Response:
    discussion = await _discussion(request)
    user = viewer(request)
    assert user is not None
    async with database(request).transaction() as session:
        await remove_document(
            session,
            discussion=discussion,
            actor=user,
            document_id=request.path_params["id"],
            data_dir=settings_of(request).data_dir,
            now=now(request),
        )
    return _back(request)


_DOCUMENT = "/studio/{slug}/documents/{id:id}"
routes: list[BaseRoute] = [
    Route("/studio/{slug}/documents", documents, name="studio_documents"),
    Action(
        "/studio/{slug}/documents/add", add, name="studio_add_document", screen="studio_documents"
    ),
    Action(
        _DOCUMENT + "/title", retitle, name="studio_retitle_document", screen="studio_documents"
    ),
    Action(_DOCUMENT + "/file", replace, name="studio_replace_document", screen="studio_documents"),
    Action(_DOCUMENT + "/remove", remove, name="studio_remove_document", screen="studio_documents"),
]
