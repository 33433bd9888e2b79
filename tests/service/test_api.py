"""The studio's API against a real server on 127.0.0.1: a job from preview to approval to the video model,
downloads with Range, and every refusal (tokens, payloads, sizes, paths, the queue)."""

from __future__ import annotations

import http.client
import json
import threading
import zipfile

import numpy as np

from fitcontent.media import decode_frames
from tests.service.conftest import JOB, Server, httpx, wait_for


def test_health_and_metrics_are_open_and_everything_else_needs_a_token(server: Server) -> None:
    health = httpx.get(f"{server.url}/healthz")
    assert health.status_code == 200 and health.json()["ok"] is True and health.json()["workers"] == 1
    assert "fitcontent_jobs{state=\"queued\"}" in httpx.get(f"{server.url}/metrics").text
    for method, path in [("GET", "/api/jobs"), ("GET", "/api/catalog"), ("POST", "/api/jobs"),
                         ("GET", "/api/jobs/x/files/preview/a.mp4")]:
        anonymous = httpx.request(method, f"{server.url}{path}")
        assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"] == "Bearer", path
        wrong = httpx.request(method, f"{server.url}{path}", headers={"Authorization": "Bearer not-a-token"})
        assert wrong.status_code == 401 and "fitcontent tokens create" in wrong.json()["detail"]
    schema = httpx.get(f"{server.url}/openapi.json").json()
    assert {"/api/jobs", "/api/jobs/{job_id}/approve", "/api/jobs/{job_id}/files/{path}"} <= set(schema["paths"])


def test_catalog_and_plan(server: Server) -> None:
    with server.client() as client:
        cards = {card["id"]: card for card in client.get("/api/catalog").json()}
        assert cards["squat"]["name"] == {"en": "Squat", "zh": "深蹲"}
        assert {"bodyweight"} <= {v["id"] for v in cards["squat"]["variations"]}
        detail = client.get("/api/catalog/squat").json()
        assert len(detail["cues"]) >= 3 and {e["id"] for e in detail["errors"]} == {e["id"] for e in
                                                                                  cards["squat"]["errors"]}
        assert client.get("/api/catalog/sqat").status_code == 404
        shots = client.post("/api/plan", json=JOB).json()
        assert [s["id"] for s in shots] == ["squat.bodyweight.front.correct"] and shots[0]["frames"] == 9


def test_a_job_previews_waits_for_approval_then_renders_the_approved_shots(server: Server, tmp_path) -> None:
    with server.client("alice") as client, server.client("bob") as approver:
        created = client.post("/api/jobs", json={"request": JOB, "render": True})
        assert created.status_code == 201, created.text
        job = created.json()
        assert (job["state"], job["stage"], job["owner"]) == ("queued", "preview", "alice")

        with client.stream("GET", f"/api/jobs/{job['id']}/events") as events:  # ends once the job waits
            lines = list(events.iter_lines())
        kinds = [line[7:] for line in lines if line.startswith("event: ")]
        states = [json.loads(line[6:]).get("state") for line in lines if line.startswith("data: ")]
        assert kinds[-1] == "end" and set(kinds[:-1]) == {"job"}, "an end event, so clients do not reconnect"
        assert states[-2] == "awaiting_approval"
        job = wait_for(client, job["id"], ("awaiting_approval",))
        preview = job["progress"]["preview"]
        assert preview["shots"] == {"squat.bodyweight.front.correct": "built"}
        assert preview["renders"] == {"squat.bodyweight.front.demo.16x9": "built"}
        assert job["figures"]["preview"]["clips_made"] == 1

        approved = approver.post(f"/api/jobs/{job['id']}/approve", json={})
        assert approved.status_code == 200, approved.text
        assert (approved.json()["approved_by"], approved.json()["stage"]) == ("bob", "render")
        assert approver.post(f"/api/jobs/{job['id']}/approve", json={}).status_code == 409
        job = wait_for(client, job["id"], ("done", "failed"))
        assert job["state"] == "done", job["error"]

        listed = client.get(f"/api/jobs/{job['id']}/artifacts").json()
        clip = next(a for a in listed["render"] if a["kind"] == "clip")
        assert clip["backend"] == "cogvideox" and clip["generation"]["steps"] == 2
        manifest = client.get(f"/api/jobs/{job['id']}/files/render/manifest.json").json()
        assert manifest["approval"]["by"] == "bob" and manifest["approval"]["job"] == job["id"]
        assert manifest["approval"]["shots"] == ["squat.bodyweight.front.correct"]

        video = client.get(clip["url"])
        assert video.status_code == 200 and video.headers["content-type"] == "video/mp4"
        head = client.get(clip["url"], headers={"Range": "bytes=0-99"})
        assert head.status_code == 206 and len(head.content) == 100 and head.content == video.content[:100]
        assert head.headers["content-range"] == f"bytes 0-99/{len(video.content)}"
        tail = client.get(clip["url"], headers={"Range": f"bytes={len(video.content) - 10}-"})
        assert tail.status_code == 206 and tail.content == video.content[-10:]
        (tmp_path / "clip.mp4").write_bytes(video.content)
        frames = [np.frombuffer(f, np.uint8) for f in decode_frames(tmp_path / "clip.mp4", 720, 480)]
        assert len(frames) == 9


def test_approving_a_shot_that_is_not_in_the_job_is_refused(server: Server) -> None:
    with server.client() as client:
        job = client.post("/api/jobs", json={"request": JOB, "render": True}).json()
        wait_for(client, job["id"], ("awaiting_approval",))
        refused = client.post(f"/api/jobs/{job['id']}/approve", json={"shots": ["squat.bodyweight.side.correct"]})
        assert refused.status_code == 422 and "squat.bodyweight.side.correct" in refused.json()["detail"]
        assert client.post(f"/api/jobs/{job['id']}/cancel").json()["state"] == "cancelled"
        assert client.post(f"/api/jobs/{job['id']}/cancel").status_code == 409


def test_bad_payloads_get_422_naming_the_field(server: Server) -> None:
    with server.client() as client:
        before = len(client.get("/api/jobs").json())
        cases = [({"request": {**JOB, "width": 100}}, ["body", "request", "width"]),
                 ({"request": {**JOB, "colour": "red"}}, ["body", "request", "colour"]),
                 ({"request": {**JOB, "exercises": []}}, ["body", "request", "exercises"]),
                 ({"request": JOB, "render": "maybe"}, ["body", "render"]),
                 ({"reqest": JOB}, ["body", "reqest"])]
        for body, where in cases:
            answer = client.post("/api/jobs", json=body)
            assert answer.status_code == 422, (body, answer.text)
            assert where in [e["loc"] for e in answer.json()["detail"]], (body, answer.text)
        unknown = client.post("/api/jobs", json={"request": {**JOB, "exercises": ["sqaut"]}})
        assert unknown.status_code == 422
        assert "unknown exercise 'sqaut'; did you mean 'squat'" in unknown.json()["detail"]
        assert client.post("/api/jobs", content=b"{not json", headers={"content-type": "application/json"}) \
            .status_code == 422
        assert len(client.get("/api/jobs").json()) == before, "no job was made of a bad payload"


def test_oversized_bodies_are_refused(server: Server) -> None:
    with server.client() as client:
        huge = client.post("/api/jobs", content=b"x" * (65 * 1024), headers={"content-type": "application/json"})
        assert huge.status_code == 413 and "over 65536 bytes" in huge.json()["detail"]


def test_artifact_paths_cannot_leave_the_job(server: Server) -> None:
    """Paths sent byte for byte (http.client does not tidy ``..`` away as httpx would): each reaches the file
    route and is refused there."""
    with server.client() as client:
        job = client.post("/api/jobs", json={"request": JOB}).json()
        wait_for(client, job["id"], ("done",))
        token = client.headers["authorization"]
    host, port = server.url.removeprefix("http://").split(":")
    base = f"/api/jobs/{job['id']}/files"
    for path in ["preview/../../../jobs.sqlite", "preview/%2e%2e/%2e%2e/%2e%2e/jobs.sqlite",
                 "preview/..%2f..%2f..%2fjobs.sqlite", "%2fetc%2fpasswd", "preview/.lock", "render/../preview",
                 "preview/squat", "preview/%00", "preview/manifest.json%00.mp4"]:
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        connection.request("GET", f"{base}/{path}", headers={"Authorization": token})
        answer = connection.getresponse()
        assert answer.status == 404 and json.loads(answer.read()) == {"detail": "no such file in this job"}, path
        connection.close()
    with server.client() as client:
        assert client.get(f"{base}/preview/manifest.json").status_code == 200
        assert client.get("/api/jobs/nope/files/preview/manifest.json").json() == {"detail": "no job 'nope'"}


def test_twenty_submissions_at_once_are_accepted_or_refused_cleanly(tmp_path) -> None:
    """Twenty large jobs at once against a queue of five: the first five are taken (each takes longer than
    all the submissions together), the rest refused with 429; a server without a video model refuses
    render jobs."""
    small = Server(tmp_path, "--queue-limit", "5").start()
    big = {"exercises": ["squat", "lunge"], "angles": ["all"], "errors": ["all"], "layouts": ["none"]}
    try:
        with small.client() as client:
            answers: list[httpx.Response] = []

            def submit() -> None:
                answers.append(client.post("/api/jobs", json={"request": big}))

            threads = [threading.Thread(target=submit) for _ in range(20)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            codes = sorted(a.status_code for a in answers)
            assert codes == [201] * 5 + [429] * 15, codes
            refused = next(a for a in answers if a.status_code == 429)
            assert refused.headers["retry-after"] == "30"
            assert "5 jobs are waiting or running" in refused.json()["detail"]
            assert len(client.get("/api/jobs").json()) == 5
            for answer in answers:
                if answer.status_code == 201:
                    assert client.post(f"/api/jobs/{answer.json()['id']}/cancel").status_code == 200
            assert {job["state"] for job in client.get("/api/jobs").json()} <= {"cancelled", "running"}
            render = client.post("/api/jobs", json={"request": JOB, "render": True})
            assert render.status_code == 422 and "no video model" in render.json()["detail"]
    finally:
        small.stop()


def test_a_running_job_is_cancelled_at_its_next_step(server: Server) -> None:
    with server.client() as client:
        job = client.post("/api/jobs", json={"request": {**JOB, "angles": ["all"], "errors": ["all"]}}).json()
        running = wait_for(client, job["id"], ("running",))
        assert client.post(f"/api/jobs/{job['id']}/cancel").json()["state"] == "running", "until its next step"
        ended = wait_for(client, job["id"], ("cancelled", "done", "failed"))
        assert ended["state"] == "cancelled"
        shots = ended["progress"].get("preview", {}).get("shots", {})
        assert len(shots) < len(client.post("/api/plan", json=running["request"]).json()), "it stopped early"


def test_the_uis_cookie_works_only_from_the_studios_own_pages(server: Server) -> None:
    token = server.token("dave")
    with httpx.Client(base_url=server.url, timeout=60) as browser:
        assert browser.post("/api/login", json={"token": "wrong"}).status_code == 401
        login = browser.post("/api/login", json={"token": token})
        assert login.status_code == 200 and "httponly" in login.headers["set-cookie"].lower()
        assert "samesite=strict" in login.headers["set-cookie"].lower()
        assert browser.get("/api/me").json() == {"name": "dave"}, "a GET with the cookie"
        forged = browser.post("/api/jobs", json={"request": JOB}, headers={"Origin": "http://evil.example"})
        assert forged.status_code == 403, "a page elsewhere posting with the cookie"
        assert browser.post("/api/jobs", json={"request": JOB}).status_code == 403, "no Origin at all"
        own = browser.post("/api/jobs", json={"request": JOB}, headers={"Origin": server.url})
        assert own.status_code == 201 and own.json()["owner"] == "dave"
        browser.post("/api/logout", headers={"Origin": server.url})
        assert browser.get("/api/me").status_code == 401


def test_approval_needs_at_least_one_shot(server: Server) -> None:
    with server.client() as client:
        job = client.post("/api/jobs", json={"request": JOB, "render": True}).json()
        wait_for(client, job["id"], ("awaiting_approval",))
        empty = client.post(f"/api/jobs/{job['id']}/approve", json={"shots": []})
        assert empty.status_code == 422 and empty.json()["detail"][0]["loc"] == ["body", "shots"]
        client.post(f"/api/jobs/{job['id']}/cancel")


def test_the_course_package_and_the_marketing_cuts_of_a_job(server: Server, tmp_path) -> None:
    with server.client() as client:
        lesson = {**JOB, "layouts": ["lesson", "demo"], "formats": ["16:9", "9:16"]}
        job = client.post("/api/jobs", json={"request": lesson}).json()
        assert wait_for(client, job["id"], ("done", "failed"))["state"] == "done"
        course = client.post(f"/api/jobs/{job['id']}/exports/course?lang=zh")
        assert course.status_code == 200, course.text
        scorm = next(url for url in course.json()["files"] if url.endswith(".zip"))
        package = client.get(scorm)
        assert package.status_code == 200 and package.content[:2] == b"PK"
        (tmp_path / "course.zip").write_bytes(package.content)
        assert "imsmanifest.xml" in zipfile.ZipFile(tmp_path / "course.zip").namelist()
        cuts = client.post(f"/api/jobs/{job['id']}/exports/marketing")
        assert cuts.status_code == 200, cuts.text
        videos = [url for url in cuts.json()["files"] if url.endswith(".mp4")]
        assert videos and all(client.get(url).status_code == 200 for url in videos)
        assert client.post(f"/api/jobs/{job['id']}/exports/brochure").status_code == 422


def test_metrics_count_jobs_shots_and_seconds_per_clip(server: Server) -> None:
    with server.client() as client:
        job = client.post("/api/jobs", json={"request": JOB}).json()
        wait_for(client, job["id"], ("done",))
    samples = {}
    for line in httpx.get(f"{server.url}/metrics").text.splitlines():
        if line.startswith("fitcontent_"):
            name, value = line.rsplit(" ", 1)
            samples[name] = float(value)
    assert samples['fitcontent_jobs{state="done"}'] >= 1 and samples["fitcontent_workers"] == 1
    assert samples['fitcontent_shots{kind="shots",outcome="built",stage="preview"}'] >= 1
    assert samples['fitcontent_seconds_per_clip{stage="preview"}'] > 0
    assert "fitcontent_gpu_memory_peak_gib" in samples and "fitcontent_job_failures" in samples
