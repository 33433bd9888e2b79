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
from typing import Any

from fitcontent.catalog.loader import Catalog
from fitcontent.errors import FitcontentError
from fitcontent.export.manifest import MANIFEST, read_manifest
from fitcontent.store import publish, write_text_if_changed

log = logging.getLogger(__name__)
COURSE_FORMAT = "fitcontent-course/1"
SCORM_ZIP = "course-scorm12.zip"
FORMAT_ORDER = ("16:9", "9:16", "1:1", "4:5")


def export_course(dist: Path, out: Path, catalog: Catalog, lang: str = "en", title: dict[str, str] | None = None,
                  templates: Path | None = None) -> dict[str, Any]:
    """Write ``out/course.json``, ``out/media/...`` and ``out/course-scorm12.zip``; return the course."""
    from fitcontent.export.scorm import write_scorm_package

    dist, out = Path(dist), Path(out)
    lessons = [a for a in read_manifest(dist) if a.get("kind") == "lesson"]
    lessons_found = [a for a in lessons if a.get("lang", "en") == lang]
    if lessons and not lessons_found:  # the pages and captions are still in ``lang``; the video text is not
        log.warning("%s has no lessons with %s text on screen; using the %s ones (build with --lang %s for them)",
                    dist, lang, lessons[0].get("lang", "en"), lang)
        lessons_found = [a for a in lessons if a.get("lang", "en") == lessons[0].get("lang", "en")]
    if not lessons_found:
        raise FitcontentError(f"{dist} has no lesson renders; build them with fitcontent build EXERCISES "
                              f"--layouts lesson (or all)")
    grouped: dict[tuple[str, str], list[dict]] = {}
    for artifact in lessons_found:
        grouped.setdefault((artifact["exercise"], artifact["variation"]), []).append(artifact)
    lessons = [_lesson(dist, out, catalog, exercise, variation, renders)
               for (exercise, variation), renders in grouped.items()]
    course = {
        "format": COURSE_FORMAT,
        "generator": f"fitcontent {version('fitcontent')}",
        "title": title or {"en": "Exercise technique", "zh": "动作技术"},
        "languages": ["en", "zh"],
        "lessons": lessons,
    }
    write_text_if_changed(out / "course.json", json.dumps(course, ensure_ascii=False, indent=2) + "\n")
    write_scorm_package(out, course, out / SCORM_ZIP, lang=lang, templates=templates)
    log.debug("wrote %s: %d lessons, course.json and %s", out, len(lessons), SCORM_ZIP)
    return course


def _lesson(dist: Path, out: Path, catalog: Catalog, exercise: str, variation_id: str,
            renders: list[dict]) -> dict[str, Any]:
    movement = catalog.movement(exercise)
    variation = next((v for v in movement.variations if v.id == variation_id), None)
    if variation is None:
        raise FitcontentError(f"{dist}: lesson {exercise}.{variation_id} names a variation the catalog lacks; "
                              f"export with the catalog the build used (--catalog)")
    lesson_id = f"{exercise}-{variation_id}"
    muscles = {m.id: m.name for m in catalog.vocabulary.muscles}
    renders = sorted(renders, key=lambda r: FORMAT_ORDER.index(r["format"]) if r["format"] in FORMAT_ORDER else 9)
    return {
        "id": lesson_id, "exercise": exercise, "variation": variation_id,
        "title": movement.name.model_dump(), "subtitle": variation.name.model_dump(),
        "muscles": {group: [{"id": m, **muscles[m].model_dump()} for m in getattr(movement.muscles, group)]
                    for group in ("primary", "secondary")},
        "cues": [{"phase": c.phase, "en": c.en, "zh": c.zh} for c in movement.cues],
        "errors": [{"id": e.id, "name": e.name.model_dump(), "correction": e.correction.model_dump()}
                   for e in movement.errors],
        "duration": renders[0]["duration"],
        "videos": [_copy_video(dist, out, lesson_id, render) for render in renders],
    }


def _copy_video(dist: Path, out: Path, lesson_id: str, render: dict) -> dict[str, Any]:
    """Copy one render with its poster and captions into ``media/<lesson>/``; return its course entry."""
    media = Path("media") / lesson_id
    stem = f"lesson.{render['format'].replace(':', 'x')}"

    def copy(source: str, suffix: str) -> str:
        src = dist / source
        if not src.is_file():
            raise FitcontentError(f"{src} is listed in {dist / MANIFEST} but missing; rebuild with fitcontent build")
        publish(src, out / media / f"{stem}{suffix}")
        return (media / f"{stem}{suffix}").as_posix()

    return {
        "format": render["format"], "width": render["width"], "height": render["height"],
        "duration": render["duration"], "path": copy(render["path"], ".mp4"), "poster": copy(render["poster"], ".jpg"),
        "captions": {lang: copy(path, f".{lang}.vtt") for lang, path in render["captions"].items()},
        "subtitles": {lang: copy(path, f".{lang}.srt") for lang, path in render["subtitles"].items()},
        **({"captions_burned_in": render["captions_burned_in"]} if "captions_burned_in" in render else {}),
    }
