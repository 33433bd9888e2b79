"""Command line: parse flags, call the library, print results. Logic lives in fitcontent.api."""

from __future__ import annotations

import functools
import json
import logging
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

import click

from fitcontent.api import SCHEMAS
from fitcontent.errors import CatalogError, FitcontentError

log = logging.getLogger("fitcontent")
DEBUG_KEY = "fitcontent.debug"


class _Group(click.Group):
    """Turns a FitcontentError into its message on stderr and exit code 1 (a traceback with --debug)."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except FitcontentError as exc:
            if ctx.meta.get(DEBUG_KEY):
                raise
            click.echo(f"error: {exc}" if not isinstance(exc, CatalogError) else str(exc), err=True)
            ctx.exit(1)


class _Formatter(logging.Formatter):
    """Progress and notes as plain lines; warnings and errors say what they are."""

    def format(self, record: logging.LogRecord) -> str:
        message = super().format(record)
        return message if record.levelno < logging.WARNING else f"{record.levelname}: {message}"


def _set_debug(ctx: click.Context, _param, value: bool) -> bool:
    if value:
        ctx.meta[DEBUG_KEY] = True
    return value


def common_options(command):
    """--catalog, --templates, -v/-q and --debug on every command; builds the settings."""

    @click.option("--catalog", type=click.Path(path_type=Path), help="Catalog directory (default: the packaged one).")
    @click.option("--templates", type=click.Path(path_type=Path), help="Template directory searched first.")
    @click.option("-v", "--verbose", count=True, help="Debug log output.")
    @click.option("-q", "--quiet", is_flag=True, help="Only errors.")
    @click.option("--debug", is_flag=True, callback=_set_debug, expose_value=False,
                  help="Show tracebacks for errors.")
    @functools.wraps(command)
    def wrapper(*args, catalog, templates, verbose, quiet, **kwargs):
        level = logging.ERROR if quiet else (logging.INFO if not verbose else logging.DEBUG)
        if click.get_current_context().meta.get(DEBUG_KEY):
            level = logging.DEBUG
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(_Formatter())
        logging.basicConfig(level=level, handlers=[handler], force=True)
        from fitcontent.settings import load_settings

        settings = load_settings({"catalog": catalog, "templates": templates})
        return command(*args, settings=settings, **kwargs)

    return wrapper


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="fitcontent")
def cli() -> None:
    """Turn an exercise catalog into fitness videos: demonstrations, right-vs-wrong comparisons,
    multi-angle montages."""


@cli.group(cls=_Group)
def catalog() -> None:
    """Inspect, validate and copy the exercise catalog."""


@catalog.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@common_options
def catalog_list(fmt: str, settings) -> None:
    """List the movements of the catalog."""
    from fitcontent import api

    movements = list(api.load_catalog(settings).movements.values())
    if fmt == "json":
        click.echo(json.dumps([m.model_dump(mode="json") for m in movements], ensure_ascii=False, indent=2))
        return
    rows = [(m.id, m.name.en, m.name.zh, m.category, str(len(m.variations)), str(len(m.errors))) for m in movements]
    _table(["id", "name", "中文", "category", "variations", "errors"], rows)


@catalog.command("show")
@click.argument("movement_id")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@common_options
def catalog_show(movement_id: str, fmt: str, settings) -> None:
    """Show one movement: muscles, cues, variations and errors."""
    from fitcontent import api

    movement = api.load_catalog(settings).movement(movement_id)
    if fmt == "json":
        click.echo(json.dumps(movement.model_dump(mode="json"), ensure_ascii=False, indent=2))
        return
    click.echo(f"{movement.name.en} ({movement.name.zh})  [{movement.id}, {movement.category}]")
    click.echo(f"Muscles: {', '.join(movement.muscles.primary)}; also {', '.join(movement.muscles.secondary)}")
    click.echo(f"Tempo {movement.tempo}, {movement.reps} reps; key phase: {movement.key_phase}")
    click.echo("Cues:")
    for cue in movement.cues:
        click.echo(f"  [{cue.phase}] {cue.en} / {cue.zh}")
    click.echo("Variations (first is the default):")
    for variation in movement.variations:
        click.echo(f"  {variation.id}: {variation.name.en} / {variation.name.zh}")
    click.echo("Common errors:")
    for error in movement.errors:
        click.echo(f"  {error.id}: {error.name.en} / {error.name.zh}  (angles: {', '.join(error.angles)})")
        click.echo(f"    fix: {error.correction.en} / {error.correction.zh}")


@catalog.command("validate")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--report", is_flag=True, help="Print every error's measured signature and visibility.")
@common_options
def catalog_validate(strict: bool, report: bool, settings) -> None:
    """Check every file, reference and template; render every prompt the catalog can make; measure
    every error's signature and visibility."""
    from fitcontent import api

    result = api.validate(settings, strict=strict, report=_print_form_report if report else None)
    click.echo(f"{result.root}: {len(result.movements)} movements OK"
               + (f", {len(result.warnings)} warnings" if result.warnings else ""))


def _print_form_report(rows) -> None:
    from rich.console import Console
    from rich.table import Table

    from fitcontent.pose.metrics import METRICS

    table = Table("movement", "variation", "error", "angle", "metric", "value", "correct", "threshold", "visible")
    for row in rows:
        fmt = METRICS[row.metric].format
        table.add_row(row.movement, row.variation, row.error, row.angle, row.metric, fmt(row.value),
                      fmt(row.correct), row.threshold + ("" if row.passes else "  FAIL"),
                      "yes" if row.visible else f"no: {row.why_hidden}")
    console = Console(width=200)
    console.print(table)
    for name in sorted({row.metric for row in rows}):
        console.print(f"{name}: {METRICS[name].doc} (threshold from: {METRICS[name].source})", highlight=False)


@catalog.command("init")
@click.argument("directory", type=click.Path(path_type=Path))
@common_options
def catalog_init(directory: Path, settings) -> None:
    """Copy the catalog into DIRECTORY to edit it (then pass --catalog DIRECTORY)."""
    if directory.exists():
        raise FitcontentError(f"{directory} already exists; choose a new directory")
    shutil.copytree(settings.catalog_dir, directory)
    click.echo(f"Copied {settings.catalog_dir} to {directory}")


@cli.command()
@click.option("--kind", type=click.Choice(["all", *SCHEMAS]), default="all", show_default=True,
              help="One file kind's schema, or all of them.")
@common_options
def schema(kind: str, settings) -> None:
    """Print the JSON Schema of the catalog files (for editors), manifest.json and course.json (for platforms)."""
    from fitcontent import api

    schemas = api.schemas()
    click.echo(json.dumps(schemas if kind == "all" else schemas[kind], indent=2, ensure_ascii=False))


def request_options(command):
    """What to make: the selection and clip options that plan and build share."""
    options = [
        click.argument("exercises", nargs=-1, required=True),
        click.option("--angles", help="all, or angle ids: front,side (default: the catalog's default angles)."),
        click.option("--variations", help="all, or variation ids (default: each movement's first)."),
        click.option("--errors", default="all", show_default=True, help="all, none, or error ids."),
        click.option("--error-angles", type=click.Choice(["best", "requested"]), default="best", show_default=True,
                     help="Shoot errors only from the requested angles that show them, or from every one."),
        click.option("--environment", help="Environment id from the catalog settings."),
        click.option("--lighting", help="Lighting id from the catalog settings."),
        click.option("--style", help="Style id from the catalog settings."),
        click.option("--subject", help="Subject id from the catalog settings."),
        click.option("--size", help="WIDTHxHEIGHT, multiples of 16 (default from the catalog settings)."),
        click.option("--fps", type=int),
        click.option("--frames", type=int, help="Frames per clip."),
        click.option("--seconds", type=float, help="Clip length; frames = seconds x fps + 1."),
        click.option("--seed", type=int, help="One seed for every shot (default: derived from each shot)."),
        click.option("--overlays", is_flag=True, help="Coaching overlays on every clip: the form metric each shot "
                                                      "is judged by, with its measured number (preview backend)."),
    ]

    @functools.wraps(command)
    def wrapper(*args, exercises, size, **kwargs):
        from fitcontent import api

        fields = {name: kwargs.pop(name) for name in REQUEST_FLAGS}
        width, height = _parse_size(size) if size is not None else (None, None)
        request = api.make_request(exercises=list(exercises), width=width, height=height, **fields)
        return command(*args, request=request, **kwargs)

    for option in reversed(options):
        wrapper = option(wrapper)
    return wrapper


REQUEST_FLAGS = ("angles", "variations", "errors", "error_angles", "environment", "lighting", "style", "subject",
                 "fps", "frames", "seconds", "seed", "overlays")


@cli.command()
@request_options
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@common_options
def plan(request, fmt: str, settings) -> None:
    """List the shots for EXERCISES (ids, or all) with prompts, sizes and seeds."""
    from fitcontent import api

    result = api.plan(request, settings)
    if fmt == "json":
        click.echo(result.model_dump_json(indent=2))
        return
    rows = [(s.exercise, s.variation, s.angle, s.form, f"{s.width}x{s.height}", str(s.frames), str(s.fps),
             str(s.seed), str(s.prompt_tokens)) for s in result.shots]
    _table(["exercise", "variation", "angle", "form", "size", "frames", "fps", "seed", "tokens≤"], rows)
    errors = sum(s.form != "correct" for s in result.shots)
    click.echo(f"{len(result.shots)} shots: {len(result.shots) - errors} correct, {errors} with errors")


@cli.command()
@request_options
@click.option("--out", type=click.Path(path_type=Path), default=Path("dist"), show_default=True,
              help="Output directory (clips, pose tracks, manifest.json).")
@click.option("--backend", default="preview", show_default=True,
              help="preview (pose-rendered, no model) or cogvideox (needs --model or FITCONTENT_MODEL_DIR).")
@click.option("--model", type=click.Path(path_type=Path), help="Local CogVideoX pipeline directory.")
@click.option("--family", help="Model family (default: detected from the model's config).")
@click.option("--profile", default="auto", show_default=True,
              help="auto, full, offload, prefetch, sequential, lowvram or fast (GPU memory vs speed).")
@click.option("--image", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="First frame for image-to-video models.")
@click.option("--video", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="Input clip for video-to-video (text-to-video families).")
@click.option("--steps", type=int, help="Denoising steps (default: the family's).")
@click.option("--dtype", type=click.Choice(["bfloat16", "float16", "float32"]),
              help="Weights' dtype on the GPU (default: the family's; float16 is refused for bfloat16 models).")
@click.option("--cache", "step_cache", help="Opt-in lossy speed-up reusing transformer outputs between steps: "
              "first-block, pab, fastercache or taylorseer.")
@click.option("--lora", "loras", multiple=True, metavar="PATH[:SCALE]",
              help="A LoRA (.safetensors, or a folder holding one) at SCALE (default 1); repeat for several.")
@click.option("--gpu-memory", type=float, metavar="GIB",
              help="Use at most GIB of GPU memory, as on a card of that size; auto picks the profile that fits.")
@click.option("--executor", type=click.Choice(["local", "accelerate", "ray"]), default="local", show_default=True,
              help="accelerate: this process's share of a build started in one process per GPU "
                   "(accelerate launch --multi_gpu -m fitcontent build ... or torchrun); ray: tasks on Ray "
                   "actors, one per GPU.")
@click.option("--ray-address", help="A Ray cluster to run on (--executor ray; default: a local Ray instance).")
@click.option("--parallel", type=click.Choice(["cfg"]),
              help="cfg: each clip on two processes at once, one guidance branch each (--executor accelerate, "
                   "started with accelerate launch --num_processes 2).")
@click.option("--draft", is_flag=True, help="Half size, for a fast look.")
@click.option("--dry-run", is_flag=True, help="Show what would be built and what is cached; build nothing.")
@click.option("--no-cache", is_flag=True, help="Remake every clip even when the store has it.")
@click.option("--formats", help="Render formats: 16:9,9:16,1:1,4:5 or all (default 16:9).")
@click.option("--layouts", default="all", show_default=True,
              help="demo,comparison,error-grid,angle-grid,variations,lesson; all; none for clips only.")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
              help="Language of the text burned into renders (caption files are written in both).")
@click.option("--brand", type=click.Path(path_type=Path), help="brand.yaml: colours, logo, font, end card.")
@common_options
def build(request, out: Path, backend: str, model, family, profile: str, image, video, steps, dtype, step_cache,
          loras, gpu_memory, executor: str, ray_address, parallel, draft: bool, dry_run: bool, no_cache: bool, formats,
          layouts: str, lang: str, brand, settings) -> None:
    """Make the clips for EXERCISES into --out, then the renders (demos, comparisons, grids, lessons) in
    every requested format with posters and captions; anything already made for the same spec is reused."""
    from fitcontent import api

    request = api.make_request(**{**request.model_dump(exclude_unset=True), "formats": formats,
                                  "layouts": layouts, "lang": lang})
    if brand:
        settings = settings.model_copy(update={"brand": brand})
    options = {"model": model, "family_name": family, "image": image, "video": video, "steps": steps, "dtype": dtype,
               "cache": step_cache, "loras": list(loras) or None, "gpu_memory": gpu_memory, "parallel": parallel}
    options = {name: value for name, value in options.items() if value is not None}
    if backend != "cogvideox" and (options or profile != "auto"):
        flags = {"family_name": "family", "loras": "lora", "gpu_memory": "gpu-memory"}
        given = [f"--{flags.get(name, name)}" for name in options] or ["--profile"]
        raise FitcontentError(f"{', '.join(given)}: only for --backend cogvideox (this build uses --backend {backend})")
    backend_options = {**options, "profile": profile} if backend == "cogvideox" else None

    if backend == "preview":
        log.info("No video model configured: using the preview backend (pose-rendered mannequin)")
    if dry_run:
        shots = api.dry_run(request, settings, backend, draft, backend_options)
        _table(["shot", "size", "frames", "status"],
               [(s.id, f"{s.width}x{s.height}", str(s.frames), "cached" if cached else "to build")
                for s, cached in shots])
        cached = sum(c for _, c in shots)
        click.echo(f"{len(shots)} clips: {cached} cached, {len(shots) - cached} to build")
        return
    from fitcontent.progress import progress_for

    report = api.build(request, settings, out, backend, draft, not no_cache, progress_for(sys.stderr),
                       backend_options, executor, ray_address)
    if not report.main:  # another process of the same run reports
        return
    for shot_id, reason in report.failed:
        click.echo(f"failed: {shot_id}: {reason}", err=True)
    click.echo(report.summary())
    if report.failed:
        click.get_current_context().exit(1)


STUDIO_DATA = Path("studio")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0: every one).")
@click.option("--port", type=int, default=8000, show_default=True)
@click.option("--data", type=click.Path(path_type=Path), default=STUDIO_DATA, show_default=True,
              help="Jobs, tokens and each job's files.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Worker processes (each keeps its video model loaded; one per GPU).")
@click.option("--model", type=click.Path(path_type=Path), help="CogVideoX pipeline for approved jobs' render stage.")
@click.option("--profile", default="auto", show_default=True, help="Its memory and speed profile.")
@click.option("--steps", type=int, help="Its denoising steps (default: the family's).")
@click.option("--queue-limit", type=click.IntRange(1), default=50, show_default=True,
              help="Jobs waiting or running at once; more are refused (429).")
@common_options
def serve(host: str, port: int, data: Path, workers: int, model, profile: str, steps, queue_limit: int,
          settings) -> None:
    """The studio: the web API and its worker processes (docs at /docs, OpenAPI at /openapi.json)."""
    import uvicorn

    from fitcontent.service.app import Studio, create_app

    video = {name: value for name, value in {"model": model, "profile": profile, "steps": steps}.items() if value}
    studio = Studio(data, settings, workers, video, queue_limit)
    uvicorn.run(create_app(studio), host=host, port=port, log_level="info", timeout_graceful_shutdown=10)


@cli.group()
def tokens() -> None:
    """API tokens for the studio."""


@tokens.command("create")
@click.argument("name")
@click.option("--data", type=click.Path(path_type=Path), default=STUDIO_DATA, show_default=True)
@common_options
def tokens_create(name: str, data: Path, settings) -> None:
    """Print a new token for NAME (replacing NAME's old one); only its hash is stored."""
    from fitcontent.service.jobs import JobStore

    click.echo(JobStore(data).create_token(name))


@cli.group()
def models() -> None:
    """CogVideoX models: the known families, the ones on this machine, tiny test models."""


@models.command("list")
@common_options
def models_list(settings) -> None:
    """Known model families, their geometry, and which are present locally."""
    from fitcontent.generation.inventory import geometry, local_models
    from fitcontent.generation.models import FAMILIES

    found = local_models()
    _table(["family", "pipeline", "dtype", "geometry", "local", "GiB"],
           [(f.name, f.pipeline, f.dtype, geometry(f), found.get(f.name, {}).get("directory", "-"),
             str(found.get(f.name, {}).get("size_gib", "-"))) for f in FAMILIES.values()])


@models.command("check")
@click.argument("directory", type=click.Path(path_type=Path))
@common_options
def models_check(directory: Path, settings) -> None:
    """Check that DIRECTORY holds a complete pipeline, and name its family."""
    from fitcontent.generation.inventory import check_model

    facts = check_model(directory)
    click.echo(f"{facts['directory']}: {facts['family']} ({facts['pipeline']}), {facts['size_gib']} GiB, "
               f"config {facts['config_hash']}")


@models.command("make-tiny")
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--family", "family_name", required=True, help="Model family to build tiny.")
@common_options
def models_make_tiny(directory: Path, family_name: str, settings) -> None:
    """Build a tiny random-weight pipeline of a family into DIRECTORY, offline (for tests and trying it out)."""
    from fitcontent import api
    from fitcontent.generation.models import family
    from fitcontent.generation.tiny import make_tiny

    make_tiny(family(family_name), directory, api.prompt_corpus(settings))
    click.echo(f"Wrote a tiny {family_name} (random weights) to {directory}")


@cli.command()
@common_options
def doctor(settings) -> None:
    """What this machine has for fitcontent: Python, torch, GPU, ffmpeg, fonts, models, the auto profile."""
    from fitcontent.generation.inventory import doctor as findings

    for check, finding in findings():
        click.echo(f"{check + ':':<34} {finding}")


@cli.group()
def export() -> None:
    """Package a build's renders for course platforms or marketing."""


@export.command("course")
@click.argument("dist", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Directory for the course package.")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
              help="Language of the SCORM pages' text and titles.")
@click.option("--title", help="Course title (default: Exercise technique).")
@common_options
def export_course(dist: Path, out: Path, lang: str, title, settings) -> None:
    """Write course.json, the lesson media and a SCORM 1.2 zip from the lessons in DIST."""
    from fitcontent import api

    course = api.export_course(dist, out, settings, lang, {"en": title, "zh": title} if title else None)
    count = len(course.lessons)
    click.echo(f"Wrote {out}: {count} lesson{'s' if count != 1 else ''} (course.json, course-scorm12.zip)")


@export.command("marketing")
@click.argument("dist", type=click.Path(path_type=Path), required=False)
@click.option("--out", type=click.Path(path_type=Path), help="Directory for the platform cuts.")
@click.option("--music", type=click.Path(path_type=Path), metavar="FILE",
              help="Audio laid under every cut, looped or cut to length at -14 LUFS (default: silence).")
@click.option("--check", "check", type=click.Path(path_type=Path), metavar="DIR",
              help="Check the cuts of an earlier export against their platforms' presets instead.")
@common_options
def export_marketing(dist: Path | None, out: Path | None, music: Path | None, check: Path | None, settings) -> None:
    """Per-platform cuts of the renders in DIST: Reels/TikTok/Shorts, feed 1:1 and 4:5, YouTube."""
    from fitcontent import api

    if check is not None:
        if dist is not None or out is not None or music is not None:
            raise click.UsageError("--check DIR checks an export; give it alone")
        problems = api.check_marketing(check)
        for line in problems:
            click.echo(line)
        if problems:
            click.get_current_context().exit(1)
        click.echo(f"{check}: every cut matches its platform's preset")
        return
    if dist is None or out is None:
        raise click.UsageError("give DIST and --out DIR (or --check DIR)")
    index = api.export_marketing(dist, out, music)
    for platform, files in index["platforms"].items():
        click.echo(f"{platform}: {len(files)} videos")
    for platform, reason in index["skipped"].items():
        click.echo(f"{platform}: skipped ({reason})")


@cli.command()
@click.argument("exercise")
@click.option("--variation", help="Variation id (default: the first).")
@click.option("--error", help="Error id, or correct (default).")
@click.option("--angle", help="Angle id (default: the first in angles.yaml).")
@click.option("--at", "at", help="Phase id (default: the key phase) or seconds.")
@click.option("--size", default="720x480", show_default=True)
@click.option("--control", is_flag=True, help="The DWPose whole-body control frame instead of the preview.")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help="PNG file to write.")
@common_options
def still(exercise: str, variation, error, angle, at, size: str, control: bool, output: Path, settings) -> None:
    """Render one frame of a shot to PNG (checking poses, thumbnails)."""
    from fitcontent import api
    from fitcontent.pose.stills import still as render_still

    position = float(at) if at and at.replace(".", "", 1).isdigit() else at
    image = render_still(api.load_catalog(settings), exercise, variation, error, angle, position,
                         _parse_size(size), "control" if control else "preview")
    _save_png(image, output)


@cli.command()
@click.argument("exercise", required=False)
@click.option("--all", "every", is_flag=True, help="One sheet of every movement: each error from its best angle.")
@click.option("--variation", help="Variation id (default: the first).")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help="PNG file to write.")
@common_options
def sheet(exercise: str | None, every: bool, variation, output: Path, settings) -> None:
    """Contact sheet: correct form and each error (rows) from every angle (columns) at the key phase;
    with --all, every movement (rows) with each error at its best angle."""
    from fitcontent import api
    from fitcontent.pose.stills import contact_sheet, overview_sheet

    if every == bool(exercise):
        raise click.UsageError("give an exercise id or --all (not both)")
    catalog = api.load_catalog(settings)
    _save_png(contact_sheet(catalog, exercise, variation) if exercise else overview_sheet(catalog), output)


def _save_png(image, output: Path) -> None:
    import io

    from fitcontent.store import atomic_write_bytes, output_file

    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    atomic_write_bytes(output_file(output), buffer.getvalue())
    click.echo(f"Wrote {output}")


def _parse_size(size: str) -> tuple[int, int]:
    width, sep, height = size.lower().partition("x")
    if not (sep and width.isdigit() and height.isdigit()):
        raise FitcontentError(f"--size must look like 720x480 (got {size!r})")
    sides = int(width), int(height)
    if not all(64 <= side <= 4096 and side % 16 == 0 for side in sides):
        nearest = "x".join(str(min(4096, max(64, round(side / 16) * 16))) for side in sides)
        raise FitcontentError(f"--size: each side from 64 to 4096 in multiples of 16 (got {size}; nearest {nearest})")
    return sides


def _table(headers: list[str], rows: Sequence[tuple[str, ...]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(*headers, box=None, pad_edge=False)
    for row in rows:
        table.add_row(*row)
    console = Console()
    if not console.is_terminal:
        console = Console(width=240)  # a pipe or file gets whole rows, not rows cut to 80 columns
    console.print(table)


def main() -> None:
    cli(prog_name="fitcontent")
