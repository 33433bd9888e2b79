"""The library API that the CLI, course platforms and the service call: load, validate, plan."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from fitcontent.catalog.loader import Catalog
from fitcontent.catalog.loader import load_catalog as _load_catalog_dir
from fitcontent.catalog.models import SceneChoice
from fitcontent.catalog.select import ErrorAngles, Shot, overlay_digest, select_shots
from fitcontent.errors import (
    CatalogError,
    FitcontentError,
    Problem,
    PromptError,
    RequestError,
    TemplateError,
    unknown_message,
)
from fitcontent.generation.base import OVERLAYS, Backend, ShotSpec
from fitcontent.prompts.context import PromptContext
from fitcontent.prompts.render import PromptRenderer
from fitcontent.prompts.tokens import estimate_t5_tokens
from fitcontent.settings import Settings, load_settings

if TYPE_CHECKING:
    from fitcontent.engine.executor import BuildReport, Executor, ShotProgress
    from fitcontent.export.course import Course
    from fitcontent.pose.signatures import Row as FormRow

log = logging.getLogger(__name__)
SCENE_GROUPS = {"environment": "environments", "lighting": "lighting", "style": "styles", "subject": "subjects"}


class Request(BaseModel):
    """What to make. Lists may be given as comma-separated text ("front,side"); None means the default."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    exercises: list[str] = Field(min_length=1, description='movement ids, or ["all"]')
    angles: list[str] | None = Field(default=None, min_length=1,
                                     description='angle ids or ["all"]; default: the catalog\'s')
    variations: list[str] | None = Field(default=None, min_length=1,
                                         description='ids or ["all"]; default: the first one')
    errors: list[str] = Field(default=["all"], min_length=1, description='error ids, ["all"] or ["none"]')
    error_angles: ErrorAngles = "best"
    environment: str | None = None
    lighting: str | None = None
    style: str | None = None
    subject: str | None = None
    width: int | None = Field(default=None, ge=64, le=4096, multiple_of=16)
    height: int | None = Field(default=None, ge=64, le=4096, multiple_of=16)
    fps: int | None = Field(default=None, ge=1, le=60)
    frames: int | None = Field(default=None, ge=2, le=1000)
    seconds: float | None = Field(default=None, gt=0, le=60)
    seed: int | None = Field(default=None, ge=0, lt=2**31)
    formats: list[str] | None = Field(default=None, min_length=1,
                                      description='16:9, 9:16, 1:1, 4:5 or ["all"]; default 16:9')
    layouts: list[str] = Field(default=["all"], min_length=1,
                               description='demo, comparison, error-grid, angle-grid, variations, lesson; ["all"] or '
                                           '["none"] (clips only)')
    lang: Literal["en", "zh"] = Field(default="en", description="language of burned-in text (captions: both)")
    overlays: bool = Field(default=False, description="coaching overlays on every clip: each shot's form metric "
                                                      "drawn with its measured number (preview backend)")

    @field_validator("exercises", "angles", "variations", "errors", "formats", "layouts", mode="before")
    @classmethod
    def _split_commas(cls, value):
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list | tuple):  # "squat,lunge" and ["squat", "lunge"] mean the same
            return [part.strip() for item in value for part in str(item).split(",") if part.strip()]
        return value


class Plan(BaseModel):
    """The shots a request expands to, with rendered prompts; ``fitcontent plan --format json`` prints it."""

    catalog: str
    request: Request
    shots: list[ShotSpec]


def make_request(**fields) -> Request:
    """A :class:`Request` whose validation problems become one :class:`RequestError` line each."""
    try:
        return Request(**fields)
    except ValidationError as exc:
        raise RequestError("; ".join(map(_request_problem, exc.errors()))) from None


def _check_arguments(**given: tuple[Any, type | tuple[type, ...]]) -> None:
    """A :class:`RequestError` naming the first argument of the public API given the wrong kind of value
    (``settings="str"``, ``out=123``), instead of an AttributeError deep inside."""
    for name, (value, kinds) in given.items():
        if value is not None and not isinstance(value, kinds):
            wanted = " or ".join(k.__name__ for k in (kinds if isinstance(kinds, tuple) else (kinds,)))
            raise RequestError(f"{name}: expected {wanted}, got {type(value).__name__} {value!r}")


PATHLIKE = (str, Path)


def _request_problem(error) -> str:
    field, value = ".".join(map(str, error["loc"])), error.get("input")
    message = f"{field}: {error['msg'].lower()} (got {value!r}"
    if error["type"] == "too_short":
        return f"{field}: give at least one, or all (got {value!r})"
    if error["type"] == "multiple_of":
        step = error["ctx"]["multiple_of"]
        message += f"; nearest {max(step, round(value / step) * step)}"
    return message + ")"


def load_catalog(settings: Settings | None = None) -> Catalog:
    """The catalog the settings point at (the packaged one by default), validated; warnings are logged."""
    _check_arguments(settings=(settings, Settings))
    catalog = _load_catalog_dir((settings or load_settings()).catalog_dir)
    _log_warnings(catalog.warnings)
    return catalog


def plan(request: Request, settings: Settings | None = None, catalog: Catalog | None = None) -> Plan:
    """Expand ``request`` into shot specs with rendered prompts, sizes, frame counts and seeds."""
    _check_arguments(request=(request, Request), settings=(settings, Settings), catalog=(catalog, Catalog))
    settings = settings or load_settings()
    catalog = catalog or load_catalog(settings)
    if request.frames is not None and request.seconds is not None:
        raise RequestError("give frames or seconds, not both")
    shots = select_shots(catalog, request.exercises, request.angles, request.variations, request.errors,
                         request.error_angles)
    renderer = PromptRenderer(settings.templates, settings.prompt_family)
    scene = {name: _scene_choice(catalog, name, getattr(request, name)) for name in SCENE_GROUPS}
    return Plan(
        catalog=str(catalog.root),
        request=request,
        shots=[_spec(shot, request, catalog, scene, renderer) for shot in shots],
    )


def prompt_corpus(settings: Settings | None = None) -> list[str]:
    """Every prompt and negative prompt the catalog renders (a tiny model's tokenizer learns from them)."""
    request = make_request(exercises=["all"], angles=["all"], variations=["all"], error_angles="requested",
                           layouts=["none"])
    shots = plan(request, settings).shots
    return sorted({s.prompt for s in shots} | {s.negative_prompt for s in shots})


def validate(settings: Settings | None = None, strict: bool = False,
             report: Callable[[list[FormRow]], None] | None = None) -> Catalog:
    """Load the catalog, render every shot it can make (with the longest scene choices), and
    measure every error's signature and visibility in every variation, so template, prompt-length
    and weak-error problems show now, not in the middle of a build.

    ``report`` receives the signature table (one row per error, variation and listed angle) before
    any problem is raised. Raises :class:`CatalogError` listing every problem; with ``strict``
    warnings count as problems.
    """
    _check_arguments(settings=(settings, Settings))
    settings = settings or load_settings()
    catalog = _load_catalog_dir(settings.catalog_dir)
    renderer = PromptRenderer(settings.templates, settings.prompt_family)
    # the longest choice of each scene group: if the worst case fits the token limit, every choice does
    scene = {name: max(getattr(catalog.settings, group), key=lambda c: estimate_t5_tokens(c.prompt))
             for name, group in SCENE_GROUPS.items()}
    request = Request(exercises=["all"])
    problems: dict[str, Problem] = {}
    for shot in select_shots(catalog, list(catalog.movements), "all", "all", "all", "requested"):
        try:
            _spec(shot, request, catalog, scene, renderer)
        except PromptError as exc:  # the catalog's sentences are too long for this template
            problems[str(exc)] = catalog.sources[shot.movement.id].problem(("prompt",), str(exc))
        except TemplateError as exc:  # the template itself is broken: report it once, not per shot
            message = str(exc).removeprefix(f"{shot.id}: ")
            problems.setdefault(message, Problem(None, None, "", message))
    from fitcontent.pose.signatures import check_forms  # numpy and Pillow: only when validating

    rows, found = check_forms(catalog)
    if report:
        report(rows)
    problems.update({str(p): p for p in found if not p.warning})
    warnings = catalog.warnings + [p for p in found if p.warning]
    if strict:
        problems.update({str(w): dataclasses.replace(w, warning=False) for w in warnings})
    else:
        _log_warnings(warnings)
    if problems:
        raise CatalogError(list(problems.values()))
    return catalog


def _log_warnings(warnings: list[Problem]) -> None:
    for warning in warnings:
        log.warning("%s", warning)


def shot_seed(shot: Shot) -> int:
    """A seed fixed by exercise, variation and angle, so every form of one camera shares it.

    The correct shot and each error shot of a camera then start from the same noise: the same
    athlete and scene, differing where the form differs (what a right-vs-wrong comparison needs).
    """
    key = f"{shot.movement.id}.{shot.variation.id}.{shot.angle.id}"
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big") & 0x7FFFFFFF


def _scene_choice(catalog: Catalog, name: str, wanted: str | None) -> SceneChoice:
    choices = {c.id: c for c in getattr(catalog.settings, SCENE_GROUPS[name])}
    wanted = wanted or getattr(catalog.settings.defaults, name)
    if wanted not in choices:
        raise RequestError(unknown_message(name, wanted, choices))
    return choices[wanted]


def _spec(shot: Shot, request: Request, catalog: Catalog, scene: dict[str, SceneChoice],
          renderer: PromptRenderer) -> ShotSpec:
    defaults = catalog.settings.defaults
    equipment_ids = [*shot.movement.equipment, *shot.variation.equipment]
    context = PromptContext(
        movement=shot.movement,
        variation=shot.variation,
        angle=shot.angle,
        error=shot.error,
        equipment=[e for e in catalog.vocabulary.equipment if e.id in equipment_ids],
        negative_prompt=defaults.negative_prompt,
        other_errors=[e for e in shot.movement.errors if e != shot.error],
        **scene,
    )
    try:
        prompt, negative = renderer.render(context)
    except TemplateError as exc:
        raise type(exc)(f"{shot.id}: {exc}") from None
    fps = request.fps or defaults.fps
    seconds = request.seconds or (defaults.frames - 1) / defaults.fps  # another fps keeps the catalog's length
    frames = request.frames or round(seconds * fps) + 1
    spec = ShotSpec(
        id=shot.id,
        exercise=shot.movement.id,
        variation=shot.variation.id,
        angle=shot.angle.id,
        form=shot.form,
        prompt=prompt,
        negative_prompt=negative,
        prompt_tokens=estimate_t5_tokens(prompt),
        width=request.width or defaults.width,
        height=request.height or defaults.height,
        frames=frames,
        fps=fps,
        seed=shot_seed(shot) if request.seed is None else request.seed,
        motion=shot.motion_digest,
        environment=scene["environment"].id,
        lighting=scene["lighting"].id,
        style=scene["style"].id,
        subject=scene["subject"].id,
    )
    return spec.with_overlays(digest=overlay_digest(shot.movement)) if request.overlays else spec


BACKENDS = ("preview", "cogvideox")
SCHEMAS = ("movement", "angles", "settings", "vocabulary", "manifest", "course")


def schemas() -> dict[str, dict[str, Any]]:
    """The JSON Schema of each file kind: the catalog's files, ``dist/manifest.json`` and ``course.json``
    (published in ``docs/schemas/``)."""
    from fitcontent.artifacts import Manifest
    from fitcontent.catalog.models import FILE_MODELS, Movement
    from fitcontent.export.course import Course

    models: dict[str, type[BaseModel]] = {"movement": Movement, **FILE_MODELS, "manifest": Manifest, "course": Course}
    return {name: models[name].model_json_schema() for name in SCHEMAS}


def build(request: Request, settings: Settings | None = None, out: Path = Path("dist"),
          backend: str | Backend = "preview", draft: bool = False, use_cache: bool = True,
          progress: ShotProgress | None = None, backend_options: dict[str, Any] | None = None,
          executor: str | Executor = "local", ray_address: str | None = None,
          shots: Sequence[str] | None = None) -> BuildReport:
    """Plan ``request`` and make every clip and render into ``out`` (readable names plus manifest.json).

    ``executor``: ``local`` (this process), ``accelerate`` (this process's share of a run started in
    several, by ``accelerate launch`` or ``torchrun``) or ``ray`` (tasks on Ray actors, on the cluster at
    ``ray_address`` or a local Ray instance), or an executor of your own making (it stays open). With
    ``backend_options={"parallel": "cfg"}``, ``accelerate``'s two processes make each clip together.
    ``backend``: a name, or a backend of your own making (loaded once, it stays loaded across builds).
    ``shots``: make only these of the plan's shots (ids), and the renders they fill.
    Failed shots and renders are listed in the returned :class:`BuildReport`, not raised.
    """
    _check_arguments(request=(request, Request), settings=(settings, Settings), out=(out, PATHLIKE),
                     backend_options=(backend_options, dict), ray_address=(ray_address, str))
    if isinstance(executor, str) and executor not in EXECUTORS:
        raise RequestError(unknown_message("executor", executor, EXECUTORS))
    from fitcontent.engine.executor import Workshop
    from fitcontent.engine.run import build as run_build

    started = time.perf_counter()
    settings = settings or load_settings()
    kinds = render_kinds(request.layouts)
    catalog = load_catalog(settings)
    planner = _planner(request, settings, catalog, Path(out), draft) if kinds else None  # bad layouts: before clips
    twins = planner is not None and _wants_overlay_clips(planner.layouts, kinds)
    maker, store, specs = _prepare(request, settings, backend, draft, backend_options, catalog, twins, shots)
    shop = Workshop(store, Path(out), use_cache, maker, _pose_writer(maker))
    parallel = (backend_options or {}).get("parallel")
    runner = _executor(executor, ray_address, parallel) if isinstance(executor, str) else executor
    try:
        return run_build(specs, shop, (lambda clips: planner.plan(clips, kinds)) if planner else None, progress,
                         runner, started)  # timed from the start: catalog, clips and renders
    finally:
        if runner is not executor:
            runner.close()


EXECUTORS = ("local", "accelerate", "ray")


def _executor(name: str, ray_address: str | None = None, parallel: str | None = None) -> Executor:
    if ray_address and name != "ray":
        raise RequestError(f"--ray-address is for --executor ray (this build uses --executor {name})")
    if parallel and name != "accelerate":
        raise RequestError(f"--parallel {parallel} makes each clip on the two processes of an accelerate run: "
                           f"add --executor accelerate and start it with accelerate launch --num_processes 2")
    if name == "ray":
        from fitcontent.engine.distributed import RayExecutor

        try:
            return RayExecutor(ray_address)
        except ImportError:
            raise FitcontentError("--executor ray needs Ray: pip install 'fitcontent[cluster]'") from None
    if name == "accelerate":
        from fitcontent.engine.distributed import AccelerateExecutor, CfgParallelExecutor

        try:
            return CfgParallelExecutor() if parallel else AccelerateExecutor()
        except ImportError:
            raise FitcontentError("--executor accelerate needs torch and accelerate: pip install 'fitcontent[gpu]'") \
                from None
    from fitcontent.engine.executor import LocalExecutor

    return LocalExecutor()


def render_kinds(layouts: list[str]) -> list[str]:
    """``["all"]`` -> every layout kind, ``["none"]`` -> none; unknown names are an error."""
    from fitcontent.post.spec import KINDS

    if layouts == ["none"]:
        return []
    if layouts == ["all"]:
        return list(KINDS)
    for name in layouts:
        if name not in KINDS:
            raise RequestError(unknown_message("layout", name, [*KINDS, "all", "none"]))
    return [k for k in KINDS if k in layouts]


def _planner(request: Request, settings: Settings, catalog: Catalog, out: Path, draft: bool):
    from fitcontent.post.formats import parse_formats
    from fitcontent.post.names import load_strings
    from fitcontent.post.plan import Planner, load_layouts
    from fitcontent.post.spec import load_brand

    brand, _ = load_brand(settings.brand, settings.templates)
    return Planner(catalog, load_layouts(settings.templates), brand, load_strings(settings.templates),
                   parse_formats(request.formats), request.lang, out, draft)


def dry_run(request: Request, settings: Settings | None = None, backend: str = "preview",
            draft: bool = False, backend_options: dict | None = None) -> list[tuple[ShotSpec, bool]]:
    """Each shot a build would make, and whether the store already has it."""
    _check_arguments(request=(request, Request), settings=(settings, Settings), backend=(backend, str))
    from fitcontent.post.plan import load_layouts
    from fitcontent.store import cache_key

    settings = settings or load_settings()
    kinds = render_kinds(request.layouts)
    twins = bool(kinds) and _wants_overlay_clips(load_layouts(settings.templates), kinds)
    maker, store, specs = _prepare(request, settings, backend, draft, backend_options, twins=twins)
    return [(s, store.get(cache_key(s.model_dump(mode="json"), maker.name, maker.version)) is not None)
            for s in specs]


def _wants_overlay_clips(layouts: dict, kinds: list[str]) -> bool:
    """Whether a requested layout shows clips with coaching overlays (so the build makes them too)."""
    return any(layouts[kind].overlays for kind in kinds)


def _prepare(request: Request, settings: Settings | None, backend: str | Backend, draft: bool,
             backend_options: dict | None = None, catalog: Catalog | None = None, twins: bool = False,
             shots: Sequence[str] | None = None):
    """The backend, the store and the specs to make; ``twins``: a layout uses clips with overlays, so each
    clip is made with them too; ``shots``: only the specs of these ids (with or without overlays)."""
    from fitcontent.store import Store

    settings = settings or load_settings()
    catalog = catalog or load_catalog(settings)
    options = dict(backend_options or {})
    if backend == "cogvideox":  # the fast profile's compiled artifacts live beside the clip store
        options.setdefault("compile_cache", settings.cache_dir / "compiled")
    maker = make_backend(backend, catalog, **options) if isinstance(backend, str) else backend
    specs = plan(request, settings, catalog).shots
    if shots is not None:
        wanted = {shot.removesuffix(f".{OVERLAYS}") for shot in shots}
        if unknown := wanted - {s.id for s in specs}:
            raise RequestError(f"shots: {', '.join(sorted(unknown))} not in this request's plan")
        specs = [s for s in specs if s.id in wanted]
    fam = maker.family
    if fam is not None and draft and fam.resolution == "fixed":
        raise RequestError(f"--draft halves the size, and {fam.name} makes {fam.width}x{fam.height} only; "
                           f"leave out --draft (fewer --steps give a quicker look)")
    if fam is not None:  # the model's own geometry unless the request set it
        geometry = {"width": request.width or fam.width, "height": request.height or fam.height,
                    "fps": request.fps or fam.fps}
        if request.frames is None and specs:  # the catalog's duration, in the family's legal frame counts
            from fitcontent.generation.models import frames_for

            seconds = request.seconds or (specs[0].frames - 1) / specs[0].fps
            geometry["frames"] = frames_for(fam, seconds, geometry["fps"])
        specs = [s.model_copy(update=geometry) for s in specs]
    if draft:  # half the size, in multiples of 16; frames and fps stay so timing is unchanged
        specs = [s.model_copy(update={"width": max(64, s.width // 32 * 16), "height": max(64, s.height // 32 * 16)})
                 for s in specs]
    if fam is not None:
        for spec in specs:  # every rule, before any weight loads
            maker.check(spec)
    return maker, Store(settings.cache_dir), _overlay_specs(specs, maker, twins, catalog)


def _overlay_specs(specs: list[ShotSpec], maker, twins: bool, catalog: Catalog) -> list[ShotSpec]:
    """``specs`` plus, for ``twins``, each one with overlays; a backend that cannot draw overlays gets plain
    clips instead (a clip named for overlays it does not show would mislead), with a warning."""
    if not maker.draws_overlays:
        if twins or any(s.overlays for s in specs):
            log.warning("the %s backend does not draw coaching overlays; making its clips without them", maker.name)
        return [s.with_overlays(False) for s in specs]
    if not twins:
        return specs
    return specs + [s.with_overlays(digest=overlay_digest(catalog.movement(s.exercise))) for s in specs
                    if not s.overlays]


def export_course(dist: Path, out: Path, settings: Settings | None = None, lang: str = "en",
                  title: dict[str, str] | None = None) -> Course:
    """The course package of the lessons in ``dist``: course.json, media, SCORM 1.2 zip (see export/course.py)."""
    _check_arguments(dist=(dist, PATHLIKE), out=(out, PATHLIKE), settings=(settings, Settings), lang=(lang, str))
    from fitcontent.export.course import export_course as run

    settings = settings or load_settings()
    return run(Path(dist), Path(out), load_catalog(settings), lang, title, settings.templates)


def export_marketing(dist: Path, out: Path, music: Path | None = None) -> dict:
    """Per-platform cuts of the renders in ``dist``, silent or over ``music`` at a normalised loudness (see
    export/marketing.py)."""
    _check_arguments(dist=(dist, PATHLIKE), out=(out, PATHLIKE), music=(music, PATHLIKE))
    from fitcontent.export.marketing import export_marketing as run

    return run(Path(dist), Path(out), Path(music) if music else None)


def check_marketing(folder: Path) -> list[str]:
    """Each way a cut in ``folder`` (a marketing export) differs from its platform's preset; empty when all pass."""
    _check_arguments(folder=(folder, PATHLIKE))
    from fitcontent.export.marketing import check_marketing as run

    return run(Path(folder))


def make_backend(name: str, catalog: Catalog, **options):
    """``preview`` (no options) or ``cogvideox`` (model, family_name, profile, image, video, steps, dtype,
    compile_cache, cache, loras, gpu_memory: see :class:`fitcontent.generation.cogvideox.CogVideoXBackend`)."""
    if name == "preview":
        from fitcontent.fonts import default_font
        from fitcontent.generation.preview import PreviewBackend

        return PreviewBackend(catalog, lambda: default_font().at)
    if name == "cogvideox":
        from fitcontent.generation.cogvideox import CogVideoXBackend

        return CogVideoXBackend(catalog, **options)
    raise RequestError(unknown_message("backend", name, BACKENDS))


def _pose_writer(backend: Backend) -> Callable[[ShotSpec, Path], dict[str, Any]]:
    """Writes each clip's pose track JSON into dist/, only when its content changed (the motion the clip
    shows or, for a video model, the motion the catalog asked for); returns what the clip's manifest
    entry says about it: the box the subject stays in, which layouts keep text off and crops out of."""
    import json

    from fitcontent.generation.preview import pose_document
    from fitcontent.store import write_text_if_changed

    def write(spec: ShotSpec, path: Path) -> dict[str, Any]:
        document = pose_document(backend.motion(spec))
        write_text_if_changed(path, json.dumps(document, separators=(",", ":"), allow_nan=False) + "\n")
        return {"subject": document["subject"]}

    return write
