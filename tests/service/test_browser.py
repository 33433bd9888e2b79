"""The studio's web UI in headless Chromium (Debian's, through Playwright): log in, build a squat, see the pose
preview, approve it, wait for the video model, play the result in the gallery; browse the catalog in Chinese."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tests.service.conftest import Server

SHOTS = Path(os.environ.get("FITCONTENT_UI_SHOTS", "")) if os.environ.get("FITCONTENT_UI_SHOTS") else None
"""A folder to save screenshots in, for looking at the UI (unset: none are saved)."""

PLAYS = """async (selector) => {
  const video = document.querySelector(selector);
  video.muted = true;
  await video.play();
  const until = Date.now() + 10000;  // a loaded machine may take a while to show the first frames
  while (video.currentTime === 0 && Date.now() < until) await new Promise((done) => setTimeout(done, 50));
  return {duration: video.duration, time: video.currentTime, width: video.videoWidth, error: video.error};
}"""


def _snap(page: Any, name: str) -> None:
    if SHOTS:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_log_in_build_approve_and_watch_the_result(server: Server, browser: Any) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(server.url)
    # the page shows the login form only once its font has loaded and /api/me has answered 401: wait for it
    page.wait_for_selector("#login-form", state="visible")
    assert page.url.endswith("/ui/")
    page.fill("#token", "not-a-token")
    page.click("#login-form button")
    page.wait_for_selector("#error:not([hidden])")
    assert "unknown token" in page.inner_text("#error")
    page.fill("#token", server.token("carol"))
    page.click("#login-form button")
    page.wait_for_selector("#jobs-view:not([hidden])")
    assert page.inner_text("#who") == "carol"

    page.click("a[href='#build']")
    page.wait_for_selector("#f-exercises input[value=squat]:checked")
    page.check("input[name=errors][value=none]")
    page.uncheck("#f-layouts input[value=comparison]")
    page.select_option("#f-seconds", "1")  # a short clip: the tiny model makes it in seconds
    _snap(page, "build-en")
    page.click("#submit")
    page.wait_for_selector("#job-view:not([hidden])")
    page.wait_for_selector("#job-state.awaiting_approval", timeout=120_000)
    page.wait_for_selector("#gallery video")
    assert page.is_visible("#approval")
    assert page.is_checked("#approve-shots input[value='squat.bodyweight.front.correct']")
    _snap(page, "approval-en")
    preview = page.evaluate(PLAYS, "#gallery video")
    assert preview["duration"] > 0 and preview["time"] > 0 and preview["error"] is None

    page.click("#approve")
    page.wait_for_selector("#job-state.done", timeout=240_000)
    page.wait_for_function("document.querySelectorAll('#downloads a[href*=\"/files/render/\"]').length > 0")
    assert "/files/render/renders/" in page.get_attribute("#gallery video", "src"), "the video model's demo"
    result = page.evaluate(PLAYS, "#gallery video")
    assert result["duration"] > 0 and result["time"] > 0 and result["width"] == 1920 and result["error"] is None
    _snap(page, "done-en")

    page.click("#lang")  # kept in localStorage; its redraw of the job view may still be under way, so load afresh
    page.goto(f"{server.url}/ui/#catalog/squat")
    page.reload()
    page.wait_for_selector("#movement:not([hidden]) .errors img")
    page.wait_for_function("[...document.querySelectorAll('#movement img')].every((i) => i.complete && i.naturalWidth)")
    assert page.inner_text("a[href='#catalog']") == "动作库" and "深蹲" in page.inner_text("#movement h2")
    assert page.evaluate("""document.fonts.check('16px "Studio CJK"', '深蹲动作库')"""), "the served CJK font drew it"
    _snap(page, "catalog-zh")
    page.close()
