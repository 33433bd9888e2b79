"""SCORM 1.2 package writer: one SCO (an HTML5 player page) per lesson of an exported course directory.

SCORM 1.2 is the package nearly every LMS imports (Moodle passes the ADL 1.2 tests, 2004 only partly).
The zip holds ``imsmanifest.xml`` at its root, ``lessons/<id>.html`` per lesson and the media each page
plays, under the same ``media/...`` paths as in the course directory. Only the files a page uses go in
(the chosen video, its poster and WebVTT captions); SRT files and the other aspect ratios stay out.
"""

from __future__ import annotations

import hashlib
import logging
import re
import shutil
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote
from xml.etree import ElementTree as ET

from fitcontent.errors import FitcontentError, display_path
from fitcontent.store import write_atomically
from fitcontent.templating import Templates

log = logging.getLogger(__name__)

PLAYER_TEMPLATE = "course/player.html.j2"
IMSCP_NS = "http://www.imsproject.org/xsd/imscp_rootv1p1p2"
ADLCP_NS = "http://www.adlnet.org/xsd/adlcp_rootv1p2"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
IMSMD_NS = "http://www.imsglobal.org/xsd/imsmd_rootv1p2p1"
SCHEMA_LOCATION = (f"{IMSCP_NS} imscp_rootv1p1p2.xsd {IMSMD_NS} imsmd_rootv1p2p1.xsd "
                   f"{ADLCP_NS} adlcp_rootv1p2.xsd")
PREFERRED_FORMAT = "16:9"
STORED_SUFFIXES = {".mp4", ".m4v", ".webm", ".jpg", ".jpeg", ".png", ".webp"}  # already compressed
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed, so the same course gives the same zip bytes
_CHUNK = 1 << 20

LANGUAGE_NAMES = {"en": "English", "zh": "中文"}


@dataclass
class _Lesson:
    """One lesson resolved for packaging: its SCO's names and everything its page shows, in one language."""

    id: str
    safe_id: str
    title: str
    page: str  # zip path of the player page
    files: list[str] = field(default_factory=list)  # zip paths of the media it uses, page excluded
    context: dict[str, Any] = field(default_factory=dict)


def write_scorm_package(course_dir: Path, course: dict, zip_path: Path, lang: str = "en",
                        templates: Path | None = None) -> Path:
    """Write a SCORM 1.2 zip of the course (one SCO per lesson) atomically; return zip_path.

    Everything is checked (media present, templates render) before the zip is started, and the zip is
    written beside ``zip_path`` and renamed over it, so an existing package survives any failure.
    """
    course_dir, zip_path = Path(course_dir), Path(zip_path)
    languages = course.get("languages") or []
    if languages and lang not in languages:
        raise FitcontentError(f"course has no {lang!r} text (languages: {', '.join(languages)})")
    lessons = _resolve_lessons(course_dir, course, lang)
    renderer = _PlayerRenderer(templates)
    course_title = _text(course.get("title", ""), lang)
    ui = page_words(templates, lang)
    pages = {lesson.page: renderer.render(course_title=course_title, ui=ui, **lesson.context) for lesson in lessons}
    manifest = build_manifest(course, lessons, lang)
    _write_zip_atomically(zip_path, course_dir, manifest, pages, lessons)
    log.debug("wrote SCORM 1.2 package %s (%d lessons, %s)", display_path(zip_path), len(lessons), lang)
    return zip_path


def page_words(templates: Path | None, lang: str) -> dict[str, str]:
    """The player page's interface words: the ``page_*`` entries of ``templates/captions/strings.yaml``."""
    from fitcontent.post.names import load_strings

    return {key.removeprefix("page_"): words[lang] for key, words in load_strings(templates).items()
            if key.startswith("page_")}


def xml_id(text: str, prefix: str = "") -> str:
    """A valid XML ID from any text: ASCII letters, digits, ``-``, ``_``, ``.``, starting with a letter.

    LMSs store identifiers in URLs and database keys, so non-ASCII letters are replaced too.
    """
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", prefix + text).strip("_") or "x"
    return cleaned if cleaned[0].isalpha() and cleaned[0].isascii() else f"x{cleaned}"


def build_manifest(course: dict, lessons: list[_Lesson], lang: str) -> bytes:
    """``imsmanifest.xml`` as UTF-8 bytes without a BOM: one organization, one item and SCO per lesson.

    Namespace declarations are written as plain attributes so the default namespace and the ``adlcp``
    prefix come out as LMSs expect, without registering prefixes in ElementTree's global table.
    """
    digest = hashlib.sha256("\n".join([str(course.get("title")), *(x.id for x in lessons)]).encode()).hexdigest()
    root = ET.Element("manifest", {
        "identifier": f"MANIFEST-{digest[:16]}", "version": "1.0", "xmlns": IMSCP_NS, "xmlns:adlcp": ADLCP_NS,
        "xmlns:xsi": XSI_NS, "xsi:schemaLocation": SCHEMA_LOCATION,
    })
    metadata = ET.SubElement(root, "metadata")
    ET.SubElement(metadata, "schema").text = "ADL SCORM"
    ET.SubElement(metadata, "schemaversion").text = "1.2"
    organizations = ET.SubElement(root, "organizations", {"default": "ORG-1"})
    organization = ET.SubElement(organizations, "organization", {"identifier": "ORG-1"})
    ET.SubElement(organization, "title").text = _text(course.get("title", ""), lang) or "Course"
    resources = ET.SubElement(root, "resources")
    for lesson in lessons:
        item = ET.SubElement(organization, "item", {"identifier": f"ITEM-{lesson.safe_id}",
                                                    "identifierref": f"RES-{lesson.safe_id}", "isvisible": "true"})
        ET.SubElement(item, "title").text = lesson.title
        resource = ET.SubElement(resources, "resource", {
            "identifier": f"RES-{lesson.safe_id}", "type": "webcontent", "adlcp:scormtype": "sco",
            "href": _url(lesson.page)})
        for name in [lesson.page, *lesson.files]:
            ET.SubElement(resource, "file", {"href": _url(name)})
    ET.indent(root)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n{ET.tostring(root, encoding="unicode")}\n').encode()


def _resolve_lessons(course_dir: Path, course: dict, lang: str) -> list[_Lesson]:
    """Each lesson's names, files and page context; the first missing or unsafe media path raises."""
    lessons: list[_Lesson] = []
    taken: set[str] = set()
    for number, raw in enumerate(course.get("lessons") or [], start=1):
        lesson_id = str(raw.get("id") or f"lesson-{number}")
        safe = base = xml_id(lesson_id)
        suffix = 2
        while safe in taken:  # "a b" and "a_b" must not share a SCO
            safe, suffix = f"{base}-{suffix}", suffix + 1
        taken.add(safe)
        video = _choose_video(lesson_id, raw.get("videos") or [])
        media = _media_paths(course_dir, lesson_id, video)
        page = f"lessons/{safe}.html"
        title = _text(raw.get("title", lesson_id), lang) or lesson_id
        lessons.append(_Lesson(id=lesson_id, safe_id=safe, title=title, page=page, files=list(media.values()),
                               context=_page_context(raw, video, media, lang, title)))
    if not lessons:
        raise FitcontentError("course has no lessons; nothing to put in a SCORM package")
    return lessons


def _choose_video(lesson_id: str, videos: list[dict]) -> dict:
    """The landscape video when there is one (courses are watched on desktops), else the first."""
    if not videos:
        raise FitcontentError(f"lesson {lesson_id!r} has no video")
    return next((v for v in videos if v.get("format") == PREFERRED_FORMAT), videos[0])


def _media_paths(course_dir: Path, lesson_id: str, video: dict) -> dict[str, str]:
    """Zip paths of the files the page uses, keyed ``video``, ``poster``, ``captions.<lang>``; all must exist."""
    wanted = {"video": video.get("path"), "poster": video.get("poster")}
    wanted |= {f"captions.{code}": path for code, path in (video.get("captions") or {}).items()}
    found: dict[str, str] = {}
    for key, path in wanted.items():
        if not path:
            if key == "video":
                raise FitcontentError(f"lesson {lesson_id!r}: its video has no path")
            continue
        name = _safe_relative(lesson_id, str(path))
        if not (course_dir / name).is_file():
            raise FitcontentError(f"lesson {lesson_id!r}: missing media file {name} (in {display_path(course_dir)})")
        found[key] = name
    return found


def _safe_relative(lesson_id: str, path: str) -> str:
    """A course path as a zip name; absolute paths and ``..`` would escape the package (and the course)."""
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts or "\\" in path or not pure.parts or pure.parts[0] == "lessons":
        raise FitcontentError(f"lesson {lesson_id!r}: media path {path!r} must be relative to the course directory "
                              "and stay inside it (and not under lessons/)")
    return pure.as_posix()


def _page_context(raw: dict, video: dict, media: dict[str, str], lang: str, title: str) -> dict[str, Any]:
    """Everything ``player.html.j2`` gets, already in ``lang`` and with URLs relative to ``lessons/``."""
    captions = sorted(k.split(".", 1)[1] for k in media if k.startswith("captions."))
    burned = video.get("captions_burned_in")  # those words are in the picture already: offered, not shown
    tracks = [{"src": _url("../" + media[f"captions.{code}"]), "srclang": code, "label": LANGUAGE_NAMES.get(code, code),
               "default": code == lang and burned != lang} for code in captions]
    muscles = raw.get("muscles") or {}
    return {
        "lang": lang,
        "lesson": {
            "id": str(raw.get("id", "")), "title": title, "subtitle": _text(raw.get("subtitle", ""), lang),
            "duration": raw.get("duration"),
            "cues": [{"phase": str(cue.get("phase", "")), "text": _text(cue, lang)} for cue in raw.get("cues") or []],
            "errors": [{"name": _text(e.get("name", ""), lang), "correction": _text(e.get("correction", ""), lang)}
                       for e in raw.get("errors") or []],
            "muscles": {kind: [_text(m, lang) for m in muscles.get(kind) or []] for kind in ("primary", "secondary")},
        },
        "video": {"src": _url("../" + media["video"]), "type": "video/mp4",
                  "poster": _url("../" + media["poster"]) if "poster" in media else "",
                  "width": video.get("width"), "height": video.get("height"), "tracks": tracks},
    }


def _text(value: Any, lang: str) -> str:
    """A localized text in ``lang``; a missing translation falls back to English, with a warning."""
    if not isinstance(value, Mapping):
        return "" if value is None else str(value)
    if value.get(lang):
        return str(value[lang])
    fallback = str(value.get("en") or "")
    if fallback:
        log.warning("no %r translation of %r; using the English text", lang, fallback)
    return fallback


def _url(zip_name: str) -> str:
    """A zip path as a relative URL (spaces and non-ASCII percent-encoded), for manifests and pages alike."""
    return quote(zip_name, safe="/.-_~")


class _PlayerRenderer:
    """``course/player.html.j2`` from the project's templates, else the packaged one, autoescaped."""

    def __init__(self, project_templates: Path | None):
        self.templates = Templates(project_templates, autoescape=True)

    def render(self, **context: Any) -> str:
        """The page, or a :class:`TemplateError` at the template line that broke."""
        return self.templates.render(PLAYER_TEMPLATE, context)


def _write_zip_atomically(zip_path: Path, course_dir: Path, manifest: bytes, pages: dict[str, str],
                          lessons: list[_Lesson]) -> None:
    """The zip, written through :func:`fitcontent.store.write_atomically` (a no-op rerun writes nothing)."""
    def produce(tmp: Path) -> None:
        with open(tmp, "xb") as out, zipfile.ZipFile(out, "w") as zf:
            _add_bytes(zf, "imsmanifest.xml", manifest)
            for name, html in pages.items():
                _add_bytes(zf, name, html.encode("utf-8"))
            for name in dict.fromkeys(f for lesson in lessons for f in lesson.files):  # shared files once
                _add_file(zf, name, course_dir / name)

    write_atomically(zip_path, produce)


def _zip_info(name: str, size: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.compress_type = zipfile.ZIP_STORED if PurePosixPath(name).suffix.lower() in STORED_SUFFIXES \
        else zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    info.file_size = size  # lets zipfile choose zip64 up front for files over 2 GiB
    return info


def _add_bytes(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    zf.writestr(_zip_info(name, len(data)), data)


def _add_file(zf: zipfile.ZipFile, name: str, source: Path) -> None:
    """Stream a media file into the zip, so a long video never sits in memory whole."""
    with open(source, "rb") as src, zf.open(_zip_info(name, source.stat().st_size), "w") as dst:
        shutil.copyfileobj(src, dst, _CHUNK)
