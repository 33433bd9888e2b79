"""Course package: ``course.json`` plus media, and a SCORM 1.2 zip, from the lessons a build put in dist/.

Course platforms import either: ``course.json`` (lessons with titles in en/zh, muscles, cues, errors,
videos per format with their posters and caption files) for platforms with their own player, the SCORM
zip for any SCORM LMS (Moodle, ...). Only files dist/ already holds are used: export renders nothing.
"""

from __future__ import annotations

import json
import logging
from importlib.metadata import version
from pathlib import Path

from pydantic import BaseModel, Field

from fitcontent.artifacts import RenderArtifact
from fitcontent.catalog.loader import Catalog
from fitcontent.errors import FitcontentError
from fitcontent.export.manifest import MANIFEST, read_manifest
from fitcontent.store import file_sha256, output_dir, publish, remove_stale_temp_files, write_text_if_changed

log = logging.getLogger(__name__)
COURSE_FORMAT = "fitcontent-course/1"
SCORM_ZIP = "course-scorm12.zip"
FORMAT_ORDER = ("16:9", "9:16", "1:1", "4:5")


MIME_TYPES = {".mp4": "video/mp4", ".jpg": "image/jpeg", ".vtt": "text/vtt", ".srt": "application/x-subrip"}


class MediaFile(BaseModel):
    """One file of the package, for a platform to check what it imported."""

    path: str = Field(description="relative to the folder of course.json")
    size: int = Field(description="bytes")
    sha256: str
    mime: str


class Video(BaseModel):
    """A lesson's video in one format, with its poster and caption files (paths relative to course.json)."""

    format: str = Field(description="aspect ratio: 16:9, 9:16, 1:1 or 4:5")
    width: int
    height: int
    duration: float = Field(description="seconds")
    path: str
    mime: str = MIME_TYPES[".mp4"]
    size: int = Field(description="bytes of the video")
    sha256: str = Field(description="of the video")
    poster: str
    captions: dict[str, str] = Field(description="WebVTT per language")
    subtitles: dict[str, str] = Field(description="SRT per language")
    captions_burned_in: str | None = Field(default=None, description="language of captions in the picture")


class Named(BaseModel):
    id: str
    en: str
    zh: str


class Cue(BaseModel):
    phase: str
    en: str
    zh: str


class LessonError(BaseModel):
    id: str
    name: dict[str, str]
    correction: dict[str, str]


class Lesson(BaseModel):
    id: str
    exercise: str
    variation: str
    title: dict[str, str]
    subtitle: dict[str, str]
    muscles: dict[str, list[Named]] = Field(description="primary and secondary")
    cues: list[Cue]
    errors: list[LessonError]
    duration: float
    videos: list[Video]


class Course(BaseModel):
    """``course.json``: its JSON Schema is ``fitcontent schema course``."""

    format: str = COURSE_FORMAT
    generator: str
    title: dict[str, str]
    languages: list[str]
    lessons: list[Lesson]
    files: list[MediaFile] = Field(description="every media file of the package")


def export_course(dist: Path, out: Path, catalog: Catalog, lang: str = "en", title: dict[str, str] | None = None,
                  templates: Path | None = None) -> Course:
    """Write ``out/course.json``, ``out/media/...`` and ``out/course-scorm12.zip``; return the course."""
    from fitcontent.export.scorm import write_scorm_package

    dist, out = Path(dist), Path(out)
    lessons = [a for a in read_manifest(dist) if isinstance(a, RenderArtifact) and a.kind == "lesson"]
    lessons_found = [a for a in lessons if a.lang == lang]
    if lessons and not lessons_found:  # the pages and captions are still in ``lang``; the video text is not
        log.warning("%s has no lessons with %s text on screen; using the %s ones (build with --lang %s for them)",
                    dist, lang, lessons[0].lang, lang)
        lessons_found = [a for a in lessons if a.lang == lessons[0].lang]
    if not lessons_found:
        raise FitcontentError(f"{dist} has no lesson renders; build them with fitcontent build EXERCISES "
                              f"--layouts lesson (or all)")
    output_dir(out)  # checked before anything is made, after what needs no folder
    remove_stale_temp_files(out)  # a killed export's
    grouped: dict[tuple[str, str], list[RenderArtifact]] = {}
    for artifact in lessons_found:
        grouped.setdefault((artifact.exercise, artifact.variation), []).append(artifact)
    files: list[MediaFile] = []
    course = Course(
        generator=f"fitcontent {version('fitcontent')}",
        title=title or {"en": "Exercise technique", "zh": "动作技术"},
        languages=["en", "zh"],
        lessons=[_lesson(dist, out, catalog, exercise, variation, renders, files)
                 for (exercise, variation), renders in grouped.items()],
        files=files,
    )
    document = course.model_dump(mode="json", exclude_none=True)
    write_text_if_changed(out / "course.json", json.dumps(document, ensure_ascii=False, indent=2) + "\n")
    write_scorm_package(out, document, out / SCORM_ZIP, lang=lang, templates=templates)
    log.debug("wrote %s: %d lessons, course.json and %s", out, len(course.lessons), SCORM_ZIP)
    return course


def _lesson(dist: Path, out: Path, catalog: Catalog, exercise: str, variation_id: str,
            renders: list[RenderArtifact], files: list[MediaFile]) -> Lesson:
    movement = catalog.movement(exercise)
    variation = next((v for v in movement.variations if v.id == variation_id), None)
    if variation is None:
        raise FitcontentError(f"{dist}: lesson {exercise}.{variation_id} names a variation the catalog lacks; "
                              f"export with the catalog the build used (--catalog)")
    lesson_id = f"{exercise}-{variation_id}"
    muscles = {m.id: m.name for m in catalog.vocabulary.muscles}
    renders = sorted(renders, key=lambda r: FORMAT_ORDER.index(r.format) if r.format in FORMAT_ORDER else 9)
    return Lesson(
        id=lesson_id, exercise=exercise, variation=variation_id,
        title=movement.name.model_dump(), subtitle=variation.name.model_dump(),
        muscles={group: [Named(id=m, **muscles[m].model_dump()) for m in getattr(movement.muscles, group)]
                 for group in ("primary", "secondary")},
        cues=[Cue(phase=c.phase, en=c.en, zh=c.zh) for c in movement.cues],
        errors=[LessonError(id=e.id, name=e.name.model_dump(), correction=e.correction.model_dump())
                for e in movement.errors],
        duration=renders[0].duration,
        videos=[_copy_video(dist, out, lesson_id, render, files) for render in renders],
    )


def _copy_video(dist: Path, out: Path, lesson_id: str, render: RenderArtifact, files: list[MediaFile]) -> Video:
    """Copy one render with its poster and captions into ``media/<lesson>/``, listing each file in ``files``;
    return its course entry."""
    media = Path("media") / lesson_id
    stem = f"lesson.{render.format.replace(':', 'x')}"

    def copy(source: str, suffix: str) -> MediaFile:
        src = dist / source
        if not src.is_file():
            raise FitcontentError(f"{src} is listed in {dist / MANIFEST} but missing; rebuild with fitcontent build")
        dest = media / f"{stem}{suffix}"
        publish(src, out / dest)
        size, sha256 = file_sha256(out / dest)
        files.append(MediaFile(path=dest.as_posix(), size=size, sha256=sha256, mime=MIME_TYPES[dest.suffix]))
        return files[-1]

    video = copy(render.path, ".mp4")
    return Video(
        format=render.format, width=render.width, height=render.height, duration=render.duration,
        path=video.path, size=video.size, sha256=video.sha256, poster=copy(render.poster, ".jpg").path,
        captions={lang: copy(path, f".{lang}.vtt").path for lang, path in render.captions.items()},
        subtitles={lang: copy(path, f".{lang}.srt").path for lang, path in render.subtitles.items()},
        captions_burned_in=render.captions_burned_in,
    )
