"""SCORM 1.2 packages: a well-formed manifest an LMS imports, atomic writes, and a player page that reports
progress to a real SCORM API in Chromium."""

from __future__ import annotations

import functools
import http.server
import json
import re
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote
from xml.etree import ElementTree as ET

import numpy as np
import pytest
from PIL import Image

from fitcontent.errors import FitcontentError, TemplateError
from fitcontent.export.scorm import write_scorm_package, xml_id
from fitcontent.media import encode_h264

IMSCP = "{http://www.imsproject.org/xsd/imscp_rootv1p1p2}"
ADLCP = "{http://www.adlnet.org/xsd/adlcp_rootv1p2}"
ODD_ID = "push-up.knee variant"
ODD_PAGE = "lessons/push-up.knee_variant.html"
SQUAT_PAGE = "lessons/squat-bodyweight.html"
VTT = "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n{}\n"
SRT = "1\n00:00:00,000 --> 00:00:01,000\n{}\n"


def _frames(count: int = 12, size: int = 64) -> list[np.ndarray]:
    """A moving bar, so the clip is real video rather than one repeated frame."""
    frames = []
    for i in range(count):
        frame = np.full((size, size, 3), 40, np.uint8)
        frame[:, i * size // count:(i + 1) * size // count] = (230, 180, 30)
        frames.append(frame)
    return frames


def _video_entry(course_dir: Path, folder: str, fmt: str, tag: str, cues: dict[str, str]) -> dict[str, Any]:
    """Write one video with its poster, VTT and SRT files; return its course.json entry."""
    base = f"media/{folder}/lesson.{tag}"
    (course_dir / "media" / folder).mkdir(parents=True, exist_ok=True)
    encode_h264(course_dir / f"{base}.mp4", _frames(), 64, 64, 8)
    Image.new("RGB", (64, 64), (200, 120, 40)).save(course_dir / f"{base}.jpg", "JPEG")
    for code, text in cues.items():
        (course_dir / f"{base}.{code}.vtt").write_text(VTT.format(text), encoding="utf-8")
        (course_dir / f"{base}.{code}.srt").write_text(SRT.format(text), encoding="utf-8")
    return {"format": fmt, "width": 64, "height": 64, "path": f"{base}.mp4", "poster": f"{base}.jpg",
            "captions": {code: f"{base}.{code}.vtt" for code in cues},
            "subtitles": {code: f"{base}.{code}.srt" for code in cues}}


def make_course(course_dir: Path) -> dict[str, Any]:
    """A two-lesson course as the course exporter writes it; the second lesson's id and paths need escaping."""
    cues = {"en": "Brace your core", "zh": "收紧核心"}
    squat = {
        "id": "squat-bodyweight", "exercise": "squat", "variation": "bodyweight",
        "title": {"en": "Squat", "zh": "深蹲"}, "subtitle": {"en": "Knees <out> & up", "zh": "徒手深蹲"},
        "muscles": {"primary": [{"id": "quadriceps", "en": "Quadriceps", "zh": "股四头肌"}], "secondary": []},
        "cues": [{"phase": "top", "en": "Brace your core", "zh": "收紧核心"}],
        "errors": [{"id": "knee-valgus", "name": {"en": "Knees caving in", "zh": "膝盖内扣"},
                    "correction": {"en": "Push your knees out", "zh": "膝盖向外推"}}],
        "duration": 1.5, "videos": [{**_video_entry(course_dir, "squat-bodyweight", "16:9", "16x9", cues),
                                     "captions_burned_in": "en"}],  # as a lesson render: its cues are on screen
    }
    push_up = {
        "id": ODD_ID, "exercise": "push-up", "variation": "knee",
        "title": {"en": "Knee push-up", "zh": "跪姿俯卧撑"}, "subtitle": {"en": "Easier push-up", "zh": "简易俯卧撑"},
        "muscles": {"primary": [{"id": "chest", "en": "Chest", "zh": "胸肌"}],
                    "secondary": [{"id": "triceps", "en": "Triceps", "zh": "肱三头肌"}]},
        "cues": [{"phase": "bottom", "en": "Elbows at 45 degrees", "zh": "肘部约45度"}],
        "errors": [{"id": "sagging-hips", "name": {"en": "Sagging hips", "zh": "塌腰"},
                    "correction": {"en": "Squeeze your glutes", "zh": "夹紧臀部"}}],
        "duration": 1.5,
        "videos": [_video_entry(course_dir, ODD_ID, "9:16", "9x16", cues),  # 16:9 wins though listed second
                   _video_entry(course_dir, ODD_ID, "16:9", "16x9", cues)],
    }
    course = {"format": "fitcontent-course/1", "generator": "fitcontent test",
              "title": {"en": "Exercise technique", "zh": "动作技术"}, "languages": ["en", "zh"],
              "lessons": [squat, push_up]}
    (course_dir / "course.json").write_text(json.dumps(course, ensure_ascii=False, indent=2), encoding="utf-8")
    return course


@pytest.fixture
def course(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    course_dir = tmp_path / "course"
    return course_dir, make_course(course_dir)


def _manifest(zip_path: Path) -> tuple[bytes, ET.Element, zipfile.ZipFile]:
    zf = zipfile.ZipFile(zip_path)
    data = zf.read("imsmanifest.xml")
    return data, ET.fromstring(data), zf


def test_manifest_is_scorm_12_and_lists_every_file(course: tuple[Path, dict], tmp_path: Path) -> None:
    course_dir, data = course
    zip_path = write_scorm_package(course_dir, data, tmp_path / "out" / "course.zip")
    raw, root, zf = _manifest(zip_path)
    names = zf.namelist()
    assert names[0] == "imsmanifest.xml" and not raw.startswith(b"\xef\xbb\xbf") and raw.startswith(b"<?xml")
    assert root.tag == f"{IMSCP}manifest"
    assert root.findtext(f"{IMSCP}metadata/{IMSCP}schema") == "ADL SCORM"
    assert root.findtext(f"{IMSCP}metadata/{IMSCP}schemaversion") == "1.2"
    assert b'xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"' in raw

    organizations = root.find(f"{IMSCP}organizations")
    orgs = organizations.findall(f"{IMSCP}organization")
    assert len(orgs) == 1 and organizations.get("default") == orgs[0].get("identifier")
    assert orgs[0].findtext(f"{IMSCP}title") == "Exercise technique"
    items = orgs[0].findall(f"{IMSCP}item")
    resources = {r.get("identifier"): r for r in root.iter(f"{IMSCP}resource")}
    assert [i.findtext(f"{IMSCP}title") for i in items] == ["Squat", "Knee push-up"]
    assert len(resources) == 2 and all(r.get(f"{ADLCP}scormtype") == "sco" for r in resources.values())
    ids = [e.get("identifier") for e in root.iter() if e.get("identifier")]
    assert len(ids) == len(set(ids)) and all(re.fullmatch(r"[A-Za-z][A-Za-z0-9._-]*", i) for i in ids)

    hrefs = []
    for item in items:
        resource = resources[item.get("identifierref")]
        assert resource.get("type") == "webcontent"
        files = [unquote(f.get("href")) for f in resource.findall(f"{IMSCP}file")]
        assert unquote(resource.get("href")) in files
        assert {Path(f).suffix for f in files} == {".html", ".mp4", ".jpg", ".vtt"}
        hrefs += [resource.get("href"), *files]
    assert all(unquote(h) in names for h in hrefs)
    assert ODD_PAGE in names and SQUAT_PAGE in names
    assert not any(n.endswith((".srt", "9x16.mp4")) for n in names)  # only what a page plays goes in
    mp4 = f"media/{ODD_ID}/lesson.16x9.mp4"
    assert zf.getinfo(mp4).compress_type == zipfile.ZIP_STORED
    assert zf.read(mp4) == (course_dir / mp4).read_bytes()
    assert zf.getinfo(ODD_PAGE).compress_type == zipfile.ZIP_DEFLATED


def test_player_page_references_media_and_text_in_the_chosen_language(course: tuple[Path, dict],
                                                                       tmp_path: Path) -> None:
    course_dir, data = course
    zf = zipfile.ZipFile(write_scorm_package(course_dir, data, tmp_path / "en.zip"))
    page = zf.read(ODD_PAGE).decode()
    assert 'src="../media/push-up.knee%20variant/lesson.16x9.mp4" type="video/mp4"' in page
    assert re.search(r'<track kind="captions" srclang="en" label="English" src="[^"]+\.en\.vtt"\s*default>', page)
    assert re.search(r'<track kind="captions" srclang="zh" label="中文" src="[^"]+\.zh\.vtt">', page)
    assert "playsinline" in page and 'preload="metadata"' in page and 'poster="../media/' in page
    for text in ("Knee push-up", "Elbows at 45 degrees", "Sagging hips", "Squeeze your glutes", "Triceps"):
        assert text in page
    assert "Knees &lt;out&gt; &amp; up" in zf.read(SQUAT_PAGE).decode()  # autoescaped

    zh = zipfile.ZipFile(write_scorm_package(course_dir, data, tmp_path / "zh.zip", lang="zh"))
    page = zh.read(ODD_PAGE).decode()
    assert '<html lang="zh">' in page and "跪姿俯卧撑" in page and "夹紧臀部" in page
    assert re.search(r'srclang="zh"[^>]*default>', page) and not re.search(r'srclang="en"[^>]*default>', page)
    assert [t.text for t in ET.fromstring(zh.read("imsmanifest.xml")).iter(f"{IMSCP}title")] == \
        ["动作技术", "深蹲", "跪姿俯卧撑"]


def test_same_course_gives_the_same_zip_bytes(course: tuple[Path, dict], tmp_path: Path) -> None:
    course_dir, data = course
    first = write_scorm_package(course_dir, data, tmp_path / "a.zip").read_bytes()
    assert write_scorm_package(course_dir, data, tmp_path / "b.zip").read_bytes() == first


def test_missing_media_names_lesson_and_path_and_keeps_the_old_zip(course: tuple[Path, dict],
                                                                   tmp_path: Path) -> None:
    course_dir, data = course
    out = tmp_path / "out"
    out.mkdir()
    zip_path = out / "course.zip"
    zip_path.write_bytes(b"the previous package")
    missing = f"media/{ODD_ID}/lesson.16x9.zh.vtt"
    (course_dir / missing).unlink()
    with pytest.raises(FitcontentError) as info:
        write_scorm_package(course_dir, data, zip_path)
    message = str(info.value)
    assert ODD_ID in message and missing in message and "\n" not in message
    assert zip_path.read_bytes() == b"the previous package"
    assert [p.name for p in out.iterdir()] == ["course.zip"]  # no temp file left behind


def test_unsafe_path_and_unknown_language_are_errors(course: tuple[Path, dict], tmp_path: Path) -> None:
    course_dir, data = course
    with pytest.raises(FitcontentError, match=r"'fr'.*en, zh"):
        write_scorm_package(course_dir, data, tmp_path / "fr.zip", lang="fr")
    data["lessons"][0]["videos"][0]["poster"] = "../secret.jpg"
    with pytest.raises(FitcontentError, match=r"squat-bodyweight.*secret"):
        write_scorm_package(course_dir, data, tmp_path / "bad.zip")
    assert not (tmp_path / "bad.zip").exists()


def test_xml_ids_are_sanitized() -> None:
    assert xml_id(ODD_ID) == "push-up.knee_variant"
    assert xml_id("3-point plank") == "x3-point_plank"
    assert xml_id("深蹲") == "x"
    assert xml_id("squat", prefix="RES-") == "RES-squat"


def test_project_template_overrides_the_player_page(course: tuple[Path, dict], tmp_path: Path) -> None:
    course_dir, data = course
    project = tmp_path / "templates"
    (project / "course").mkdir(parents=True)
    (project / "course" / "player.html.j2").write_text(
        "<p>custom {{ lesson.title }} {{ lesson.subtitle }} {{ video.src }}</p>\n", encoding="utf-8")
    zf = zipfile.ZipFile(write_scorm_package(course_dir, data, tmp_path / "c.zip", templates=project))
    assert zf.read(SQUAT_PAGE).decode().startswith(
        "<p>custom Squat Knees &lt;out&gt; &amp; up ../media/squat-bodyweight/lesson.16x9.mp4</p>")


def test_broken_project_template_is_a_template_error(course: tuple[Path, dict], tmp_path: Path) -> None:
    course_dir, data = course
    project = tmp_path / "templates"
    (project / "course").mkdir(parents=True)
    (project / "course" / "player.html.j2").write_text("<p>{{ lesson.nickname }}</p>\n", encoding="utf-8")
    with pytest.raises(TemplateError, match=r"player\.html\.j2.*nickname"):
        write_scorm_package(course_dir, data, tmp_path / "d.zip", templates=project)
    assert not (tmp_path / "d.zip").exists()


# --- the player in Chromium, talking to a recording SCORM 1.2 API --------------------------------------------

LMS_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><script>
window.calls = [];
window.API = {};
["LMSInitialize", "LMSFinish", "LMSGetValue", "LMSSetValue", "LMSCommit", "LMSGetLastError",
 "LMSGetErrorString", "LMSGetDiagnostic"].forEach(function (name) {
  window.API[name] = function () {
    var args = Array.prototype.slice.call(arguments);
    window.calls.push([name, args]);
    if (name === "LMSGetValue") { return args[0] === "cmi.core.lesson_status" ? "not attempted" : ""; }
    return name === "LMSGetLastError" ? "0" : "true";
  };
});
</script></head><body><iframe id="sco" src="__PAGE__" width="640" height="480"></iframe></body></html>
"""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The package unzipped under an LMS stub page, served over HTTP on 127.0.0.1 (as an LMS would)."""
    root = tmp_path_factory.mktemp("scorm")
    course = make_course(root / "course")
    zip_path = write_scorm_package(root / "course", course, root / "course.zip")
    served = root / "site"
    zipfile.ZipFile(zip_path).extractall(served)
    (served / "lms.html").write_text(LMS_PAGE.replace("__PAGE__", ODD_PAGE.replace(" ", "%20")), encoding="utf-8")
    handler = functools.partial(_QuietHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


PLAY = "() => { const v = document.querySelector('video'); v.muted = true; return v.play().then(() => v.duration); }"


def _calls(page: Any) -> list[list[Any]]:
    return page.evaluate("() => window.calls")


def test_player_reports_completion_and_finishes_once(site: str, browser: Any) -> None:
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{site}/lms.html")
    frame = page.wait_for_selector("#sco").content_frame()
    frame.wait_for_load_state("load")
    assert 1.0 < frame.evaluate(PLAY) < 2.5  # metadata of the mp4 under a path with a space loaded
    page.wait_for_function("""() => window.calls.some(c => c[0] === 'LMSSetValue'
        && c[1][0] === 'cmi.core.lesson_status' && c[1][1] === 'completed')""", timeout=20_000)
    assert frame.evaluate("() => document.querySelector('track[default]').track.mode") == "showing"
    assert frame.is_hidden("#scorm-note")

    page.evaluate("() => { document.getElementById('sco').src = 'about:blank'; }")
    page.wait_for_function("() => window.calls.some(c => c[0] === 'LMSFinish')", timeout=10_000)
    page.wait_for_timeout(200)  # time for a second, wrong, finish to arrive
    calls = _calls(page)
    names = [name for name, _ in calls]
    assert calls[0] == ["LMSInitialize", [""]]
    assert ["LMSSetValue", ["cmi.core.lesson_status", "incomplete"]] in calls
    done = calls.index(["LMSSetValue", ["cmi.core.lesson_status", "completed"]])
    assert "LMSCommit" in names[done:]
    assert names.count("LMSFinish") == 1 and names[-1] == "LMSFinish"
    session = [args[1] for name, args in calls if name == "LMSSetValue" and args[0] == "cmi.core.session_time"]
    assert len(session) == 1 and re.fullmatch(r"\d{4}:\d{2}:\d{2}\.\d{2}", session[0])
    assert names.index("LMSSetValue", done + 1) < names.index("LMSFinish")
    assert errors == []
    page.close()


def test_player_without_an_lms_still_plays(site: str, browser: Any) -> None:
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{site}/{SQUAT_PAGE}")
    # the English cues are burned into this lesson: its English track is offered but off, so no text shows twice
    assert page.evaluate("() => document.querySelectorAll('track[default]').length") == 0
    assert page.evaluate("() => [...document.querySelector('video').textTracks].map(t => t.mode)") == \
        ["disabled", "disabled"]
    page.evaluate("() => { document.querySelector('video').textTracks[0].mode = 'showing'; }")  # a viewer turns it on
    page.wait_for_function("() => { const t = document.querySelector('video').textTracks[0]; "
                           "return t.cues && t.cues.length === 1 && t.cues[0].text === 'Brace your core'; }",
                           timeout=10_000)
    page.evaluate(PLAY)
    page.wait_for_function("() => document.querySelector('video').ended", timeout=20_000)
    assert page.is_visible("#scorm-note") and page.inner_text("#scorm-note") == "progress is not recorded"
    page.close()
    assert errors == []
