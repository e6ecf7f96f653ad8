"""Adding many people from a CSV upload: the file is checked whole; one bad line and nobody is
added (kexpwa.admin.importing)."""

from __future__ import annotations

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from kexpwa.admin import importing
from kexpwa.views.admin_people import actor
from kexpwa.web.templating import render


async def form(request: Request, *, errors: list[tuple[int, str]] | None = None) -> Response:
    context = {
        "errors": errors or [],
        "header": ",".join(importing.HEADER),
        "max_kb": importing.MAX_BYTES // 1024,
    }
    return render(request, "admin/import.html", context, status_code=422 if errors else 200)


async def upload(request: Request) -> Response:
    upload = (await request.form()).get("file")
    if not isinstance(upload, UploadFile):
        return await form(request, errors=[(0, "Choose a CSV file to upload.")])
    data = await upload.read(importing.MAX_BYTES + 1)
    checked, created = await importing.run(actor(request), data)
    if checked.errors:
        return await form(request, errors=checked.errors)
    return render(request, "admin/created.html", {"created": created})
