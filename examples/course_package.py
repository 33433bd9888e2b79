"""A course platform builds a lesson and imports its course package: course.json + SCORM 1.2 zip.

Run: python examples/course_package.py [OUT]   (default: a temporary directory)
Builds squat from two cameras with one common error as a draft-size lesson (16:9 and 9:16), exports
the course package, and prints what a platform would import.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import fitcontent


def main(out: Path) -> None:
    request = fitcontent.make_request(exercises=["squat"], angles=["front", "side"], errors=["knee-valgus"],
                                      layouts=["lesson"], formats=["16:9", "9:16"])
    report = fitcontent.build(request, out=out / "dist", draft=True)
    print(report.summary())
    course = fitcontent.export_course(out / "dist", out / "course")
    for lesson in course.lessons:
        print(f"Lesson {lesson.id}: {lesson.title['en']} / {lesson.title['zh']}, {lesson.duration:.1f} s")
        for video in lesson.videos:
            print(f"  {video.format:>5} {video.path} ({video.size} bytes, captions: {', '.join(video.captions)})")
    print(f"SCORM package: {out / 'course' / 'course-scorm12.zip'}")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(Path(sys.argv[1]))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            main(Path(tmp))
