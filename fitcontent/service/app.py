"""The studio's HTTP API (FastAPI): catalog, plan, jobs with live progress and approval, artifacts,
metrics and health. ``fitcontent serve`` runs it under uvicorn with worker processes beside it.

Every endpoint but ``/healthz`` and ``/metrics`` needs a token (``fitcontent tokens create NAME``), sent
as ``Authorization: Bearer <token>``. Bodies are limited in size, the queue in length, and artifact paths
cannot leave their job's folder.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, HTTPException, Request, UploadFile, status
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, RedirectResponse, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field

import fitcontent.api as api
from fitcontent.catalog.loader import Catalog
from fitcontent.errors import FitcontentError, RequestError
from fitcontent.export.manifest import MANIFEST
from fitcontent.generation.cogvideox import detect_family
from fitcontent.service.jobs import TERMINAL, Job, JobStore
from fitcontent.service.metrics import metrics_text
from fitcontent.service.stills import error_still
from fitcontent.service.uploads import MAX_BYTES, photo_path, save_photo
from fitcontent.service.webfont import ui_font
from fitcontent.service.worker import work
from fitcontent.settings import Settings

MAX_BODY = 64 * 1024
"""Bytes a JSON request may have."""
MAX_UPLOAD_BODY = MAX_BYTES + 64 * 1024
"""Bytes an upload request may have: the photo and its form fields."""
QUEUE_LIMIT = 50
"""Jobs waiting or running at once; more are refused with 429."""
STAGES = ("preview", "render")
VERSION = version("fitcontent")


@dataclass
class Studio:
    """What the app serves from: the job store, the settings, and the worker processes."""

    data: Path
    settings: Settings
    workers: int = 1
    video_options: dict[str, Any] = field(default_factory=dict)
    queue_limit: int = QUEUE_LIMIT
    processes: list = field(default_factory=list)
    stop: Any = None

    def __post_init__(self) -> None:
        self.jobs = JobStore(self.data)
        self._catalog: tuple[tuple, Catalog] | None = None
        self._catalog_lock = threading.Lock()
        self.exporting = threading.Lock()
        self._font_lock = threading.Lock()
        self._font: tuple[Catalog, Path] | None = None
        model = self.video_options.get("model")
        self.video_task = detect_family(Path(model)).task if model else None
        """What the render stage's model takes: t2v, i2v or pose (None: this server has none)."""

    def catalog(self) -> Catalog:
        """The catalog, loaded again only when one of its files changed (a YAML parse per request would
        be most of a request's time)."""
        folder = self.settings.catalog_dir
        stamp = tuple(sorted((p.name, s.st_mtime_ns, s.st_size) for p in folder.rglob("*")
                             if p.is_file() and (s := p.stat())))
        with self._catalog_lock:
            if self._catalog is None or self._catalog[0] != stamp:
                self._catalog = (stamp, api.load_catalog(self.settings))
            return self._catalog[1]

    def start(self) -> None:
        """Requeue what a stopped server's workers left running, then start the workers and their
        supervisor; make the UI's font."""
        self.jobs.requeue_stopped(process_alive)
        context = multiprocessing.get_context("spawn")  # no forked copy of the server's threads
        self.stop = context.Event()
        self.processes = [self._worker(context, index) for index in range(self.workers)]
        threading.Thread(target=self._supervise, args=(context,), daemon=True, name="supervisor").start()
        threading.Thread(target=self.font, daemon=True, name="font").start()

    def _worker(self, context, index: int):
        process = context.Process(target=work, args=(index, self.data, self.settings, self.video_options, self.stop),
                                  daemon=True, name=f"fitcontent-worker-{index}")
        process.start()
        return process

    def _supervise(self, context) -> None:
        """A worker that died (killed, out of memory) is replaced; a job whose worker is gone (this
        server's, or one left over from before a restart that has now stopped) goes back to the queue."""
        while not self.stop.wait(1.0):
            for index, process in enumerate(self.processes):
                if not process.is_alive():
                    self.processes[index] = self._worker(context, index)
            self.jobs.requeue_stopped(process_alive)

    def font(self) -> Path:
        """The UI's font file, made once per catalog content (a second); a page load finds it in memory,
        without reading the UI's files and the catalog's texts again."""
        catalog = self.catalog()
        with self._font_lock:
            if self._font is None or self._font[0] is not catalog or not self._font[1].is_file():
                self._font = (catalog, ui_font(catalog, self.data / "fonts"))
            return self._font[1]

    def close(self) -> None:
        if self.stop is not None:
            self.stop.set()
        for process in self.processes:
            process.join(timeout=10)
            if process.is_alive():
                process.terminate()

    def alive(self) -> int:
        return sum(p.is_alive() for p in self.processes)


def check_video(task: str | None, body: JobCreate) -> None:
    """Refuse, when the job is made, what the render stage would refuse after the approval."""
    if body.render and task is None:
        raise RequestError("render: this server has no video model (start it with fitcontent serve --model DIR)")
    if body.image is not None and task != "i2v":
        raise RequestError(f"image: this server's video model ({task or 'none'}) does not start from a photo")
    if body.render and task == "i2v" and body.image is None:
        raise RequestError("image: this server's model makes video from a photo; upload one (POST /api/uploads)")


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` runs on this machine."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # there, but another user's
        return True
    return True


class JobCreate(BaseModel):
    """A job: what to make, and whether the approved preview then goes to the video model."""

    model_config = ConfigDict(extra="forbid")

    request: api.Request
    render: bool = Field(default=False, description="after the preview, wait for approval, then make the approved "
                                                    "shots with the video model")
    image: str | None = Field(default=None, max_length=64, description="an upload's id: the first frame for an "
                                                                       "image-to-video model")


class Login(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(max_length=200)


class Approve(BaseModel):
    model_config = ConfigDict(extra="forbid")

    shots: list[str] | None = Field(default=None, min_length=1, max_length=1000,
                                    description="ids to make (default: every shot)")


_bearer = HTTPBearer(auto_error=False)


COOKIE = "fitcontent_token"
"""The web UI's session: the token, in an HttpOnly, SameSite=Strict cookie (so videos and event streams,
which cannot send headers, are authorised too)."""


def _owner(request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> str:
    """The name of the token the request carries (header, or the UI's cookie), or 401."""
    jobs = request.app.state.studio.jobs
    token = credentials.credentials if credentials else request.cookies.get(COOKIE)
    if not credentials and token and request.method not in ("GET", "HEAD") and not _same_origin(request):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "a request with the studio's cookie must come from the "
                            "studio's own pages (Origin or Sec-Fetch-Site); scripts send Authorization: Bearer")
    name = jobs.token_owner(token) if token else None
    if name is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "a valid token is needed: Authorization: Bearer <token> "
                            "(fitcontent tokens create NAME)", headers={"WWW-Authenticate": "Bearer"})
    return name


def _same_origin(request: Request) -> bool:
    """Whether a browser says the request comes from a page of this server (cross-site request forgery:
    the cookie alone does not say who sent a POST)."""
    if request.headers.get("sec-fetch-site") == "same-origin":
        return True
    origin = request.headers.get("origin")
    return origin is not None and origin == f"{request.url.scheme}://{request.url.netloc}"


User = Annotated[str, Depends(_owner)]


def create_app(studio: Studio) -> FastAPI:
    """The app over ``studio``, whose workers start and stop with it."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        studio.start()
        yield
        studio.close()

    app = FastAPI(title="fitcontent studio", version=VERSION, lifespan=lifespan)
    app.state.studio = studio

    @app.middleware("http")
    async def limit_body(request: Request, call_next):
        """Bodies declare their length, and stay within it: uploads a photo's, the rest a JSON request's."""
        limit = MAX_UPLOAD_BODY if request.url.path == "/api/uploads" else MAX_BODY
        length = request.headers.get("content-length")
        if request.method in ("POST", "PUT", "PATCH") and length is None:
            return JSONResponse({"detail": "a body needs a Content-Length"}, status.HTTP_411_LENGTH_REQUIRED)
        if length is not None and (not length.isdigit() or int(length) > limit):
            return JSONResponse({"detail": f"request body over {limit} bytes"}, status.HTTP_413_CONTENT_TOO_LARGE)
        return await call_next(request)

    @app.exception_handler(FitcontentError)
    async def usage_error(request: Request, exc: FitcontentError) -> JSONResponse:
        """A bad request is the client's (422); another FitcontentError is the server's (500), said plainly."""
        code = status.HTTP_422_UNPROCESSABLE_CONTENT if isinstance(exc, RequestError) else 500
        return JSONResponse({"detail": str(exc)}, code)

    @app.get("/healthz")
    def healthz() -> dict[str, Any]:
        return {"ok": True, "version": VERSION, "workers": studio.alive()}

    @app.get("/metrics", response_class=PlainTextResponse)
    def metrics() -> str:
        return metrics_text(studio.jobs, studio.alive())

    @app.post("/api/login")
    def login(body: Login) -> JSONResponse:
        name = studio.jobs.token_owner(body.token)
        if name is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "unknown token")
        answer = JSONResponse({"name": name})
        answer.set_cookie(COOKIE, body.token, httponly=True, samesite="strict", max_age=30 * 24 * 3600)
        return answer

    @app.post("/api/logout")
    def logout() -> JSONResponse:
        answer = JSONResponse({"ok": True})
        answer.delete_cookie(COOKIE)
        return answer

    @app.get("/api/me")
    def me(user: User) -> dict[str, str]:
        return {"name": user}

    @app.get("/api/catalog/{movement_id}/stills/{form}.png")
    def still(movement_id: str, form: str, user: User) -> FileResponse:
        """A still of correct form (``correct``) or of an error, from the angle and phase that show it best."""
        return FileResponse(error_still(studio.catalog(), studio.data / "stills", movement_id, form),
                            media_type="image/png")

    @app.post("/api/jobs/{job_id}/exports/{kind}")
    def export(job_id: str, kind: Literal["course", "marketing"], user: User, lang: Literal["en", "zh"] = "en"
               ) -> dict[str, Any]:
        """The course package or the marketing cuts of the job's latest stage, made now; their files."""
        current = existing(job_id)
        stage = "render" if current.stage == "render" and current.state == "done" else "preview"
        if stage == "preview" and current.state in ("queued", "running") and current.stage == "preview":
            raise HTTPException(status.HTTP_409_CONFLICT, f"job {job_id} is still making its preview")
        dist = studio.jobs.folder(job_id) / stage
        if not (dist / MANIFEST).is_file():
            raise HTTPException(status.HTTP_409_CONFLICT, f"job {job_id} has made nothing to export")
        out = dist / "exports" / (f"{kind}-{lang}" if kind == "course" else kind)
        with studio.exporting:  # one at a time: each takes a core, and a repeat reuses the last one's files
            if not out.is_dir() or out.stat().st_mtime < (dist / MANIFEST).stat().st_mtime:
                if kind == "course":
                    api.export_course(dist, out, studio.settings, lang)
                else:
                    api.export_marketing(dist, out)
        root = studio.jobs.folder(job_id)
        files = sorted(p for p in out.rglob("*") if p.is_file() and not p.name.startswith("."))
        return {"stage": stage, "files": [f"/api/jobs/{job_id}/files/{p.relative_to(root).as_posix()}" for p in files]}

    @app.get("/api/catalog")
    def catalog(user: User) -> list[dict[str, Any]]:
        loaded = studio.catalog()
        return [_movement_card(loaded, m) for m in loaded.movements.values()]

    @app.get("/api/catalog/{movement_id}")
    def movement(movement_id: str, user: User) -> dict[str, Any]:
        loaded = studio.catalog()
        found = loaded.movements.get(movement_id)
        if found is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no movement {movement_id!r}")
        return {**_movement_card(loaded, found),
                **found.model_dump(mode="json", include={"cues", "errors", "tempo"})}

    @app.get("/api/options")
    def options(user: User) -> dict[str, Any]:
        """What a build form offers: camera angles, formats, layouts, languages."""
        from fitcontent.post.formats import FORMATS
        from fitcontent.post.spec import KINDS

        loaded = studio.catalog()
        return {"angles": [{"id": a.id, "name": a.name.model_dump()} for a in loaded.angle_list],
                "formats": list(FORMATS), "layouts": list(KINDS), "languages": ["en", "zh"]}

    @app.post("/api/plan")
    def plan(request: api.Request, user: User) -> list[dict[str, Any]]:
        shots = api.plan(request, studio.settings, studio.catalog()).shots
        return [s.model_dump(mode="json", include={"id", "exercise", "variation", "angle", "form", "prompt",
                                                   "width", "height", "frames", "fps", "seed"}) for s in shots]

    @app.post("/api/uploads", status_code=status.HTTP_201_CREATED)
    def upload(file: UploadFile, user: User) -> dict[str, Any]:
        """A photo for image-to-video: JPEG, PNG or WebP, at most 10 MiB and 40 million pixels (checked in a
        worker thread, not on the event loop)."""
        data = file.file.read(MAX_BYTES + 1)
        return save_photo(studio.jobs.uploads, data)

    @app.post("/api/jobs", status_code=status.HTTP_201_CREATED)
    def create_job(body: JobCreate, user: User) -> Job:
        api.plan(body.request, studio.settings, studio.catalog())  # refused now if it cannot be planned
        check_video(studio.video_task, body)
        if body.image is not None and photo_path(studio.jobs.uploads, body.image) is None:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"image: no upload {body.image!r}")
        request = body.request.model_dump(mode="json", exclude_unset=True)
        job = studio.jobs.create(user, request, body.render, studio.queue_limit, body.image)
        if job is None:
            raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, f"{studio.queue_limit} jobs are waiting or "
                                "running; try again once some finish", headers={"Retry-After": "30"})
        return job

    @app.get("/api/jobs")
    def jobs(user: User) -> list[Job]:
        return studio.jobs.recent()

    def existing(job_id: str) -> Job:
        job = studio.jobs.get(job_id)
        if job is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no job {job_id!r}")
        return job

    @app.get("/api/jobs/{job_id}")
    def job(job_id: str, user: User) -> Job:
        return existing(job_id)

    @app.get("/api/jobs/{job_id}/events")
    async def events(job_id: str, user: User) -> StreamingResponse:
        """Server-sent events: the job each time it changes, until it ends."""
        existing(job_id)

        async def stream() -> AsyncIterator[str]:
            last = None
            while True:
                current = await asyncio.to_thread(studio.jobs.get, job_id)  # SQLite off the event loop
                if current is None:
                    return
                if current.updated != last:
                    last = current.updated
                    yield f"event: job\ndata: {current.model_dump_json()}\n\n"
                if current.state in TERMINAL or current.state == "awaiting_approval":
                    yield "event: end\ndata: {}\n\n"  # the job waits or ended: nothing more comes
                    return
                await asyncio.sleep(0.5)

        return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store"})

    @app.post("/api/jobs/{job_id}/approve")
    def approve(job_id: str, body: Approve, user: User) -> Job:
        current = existing(job_id)
        if current.state != "awaiting_approval":
            raise HTTPException(status.HTTP_409_CONFLICT, f"job {job_id} is {current.state}, not waiting for approval")
        planned = [s.id for s in api.plan(api.make_request(**current.request), studio.settings, studio.catalog()).shots]
        shots = body.shots if body.shots is not None else planned
        if unknown := sorted(set(shots) - set(planned)):
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"shots: not in this job: {', '.join(unknown)}")
        if not studio.jobs.approve(job_id, user, shots):
            raise HTTPException(status.HTTP_409_CONFLICT, f"job {job_id} is no longer waiting for approval")
        return existing(job_id)

    @app.post("/api/jobs/{job_id}/cancel")
    def cancel(job_id: str, user: User) -> Job:
        existing(job_id)
        if not studio.jobs.cancel(job_id):
            raise HTTPException(status.HTTP_409_CONFLICT, f"job {job_id} has ended")
        return existing(job_id)

    @app.get("/api/jobs/{job_id}/artifacts")
    def artifacts(job_id: str, user: User) -> dict[str, list[dict[str, Any]]]:
        existing(job_id)
        found = {}
        for stage in STAGES:
            manifest = studio.jobs.folder(job_id) / stage / MANIFEST
            entries = json.loads(manifest.read_text(encoding="utf-8"))["artifacts"] if manifest.is_file() else []
            found[stage] = [{**e, "url": f"/api/jobs/{job_id}/files/{stage}/{e['path']}"} for e in entries]
        return found

    @app.get("/api/jobs/{job_id}/files/{path:path}")
    def file(job_id: str, path: str, user: User) -> FileResponse:
        """A file of the job; Range requests are served, so players can seek."""
        existing(job_id)
        root = studio.jobs.folder(job_id).resolve()
        try:
            target = (root / path).resolve()
            found = target.is_relative_to(root) and target.is_file()
        except (OSError, ValueError):  # a NUL byte, a name too long
            found = False
        if not found or path.split("/", 1)[0] not in STAGES or target.name.startswith("."):
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such file in this job")
        return FileResponse(target)

    @app.get("/ui-font.otf", include_in_schema=False)
    def font() -> FileResponse:
        """The UI's font (no token: pages load it before logging in)."""
        path = studio.font()
        return FileResponse(path, media_type="font/otf", headers={"Cache-Control": "public, max-age=86400"})

    app.mount("/ui", StaticFiles(directory=Path(__file__).with_name("static"), html=True), name="ui")

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/ui/")

    return app


def _movement_card(catalog, movement) -> dict[str, Any]:
    muscles = {m.id: m.name.model_dump() for m in catalog.vocabulary.muscles}
    return {"id": movement.id, "name": movement.name.model_dump(), "category": movement.category,
            "muscles": {"primary": [muscles[m] for m in movement.muscles.primary],
                        "secondary": [muscles[m] for m in movement.muscles.secondary]},
            "variations": [{"id": v.id, "name": v.name.model_dump()} for v in movement.variations],
            "errors": [{"id": e.id, "name": e.name.model_dump()} for e in movement.errors]}
