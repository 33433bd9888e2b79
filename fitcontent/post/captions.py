"""Timed captions: which cue shows when (from the clip's phase times), and their WebVTT / SRT files.

We write the files ourselves (their exact text is tested); we read them back with webvtt-py and srt.
"""

from __future__ import annotations

from dataclasses import dataclass

from srt import SRTParseError
from srt import parse as parse_srt
from webvtt import WebVTT
from webvtt.errors import MalformedCaptionError, MalformedFileError

from fitcontent.errors import FitcontentError

MIN_CAPTION_SECONDS = 1.0
"""A phase shorter than this on screen gets no caption: nobody can read it."""


class CaptionError(FitcontentError):
    """A caption file that cannot be read back."""


@dataclass(frozen=True)
class Event:
    start: float
    end: float
    text: str

    def shifted(self, offset: float) -> Event:
        return Event(round(self.start + offset, 3), round(self.end + offset, 3), self.text)


def phase_windows(times: list[tuple[float, str]], duration: float) -> list[tuple[float, float, str]]:
    """Each keyframe's phase owns the time from the midpoint before it to the midpoint after it."""
    windows = []
    for i, (t, phase) in enumerate(times):
        start = 0.0 if i == 0 else (times[i - 1][0] + t) / 2
        end = duration if i == len(times) - 1 else (t + times[i + 1][0]) / 2
        windows.append((round(start, 3), round(end, 3), phase))
    return windows


def cue_events(times: list[tuple[float, str]], duration: float, cues: list[tuple[str, str]],
               shown: dict[str, int] | None = None) -> list[Event]:
    """Cues ``(phase, text)`` shown while their phase is on screen; a phase with several cues shows the
    next one each time it comes round, so a two-rep clip teaches two cues of the bottom position.
    ``shown`` counts the turns already taken (updated): a lesson passes one through all its sections,
    so they go on through the cues instead of repeating the first ones."""
    by_phase: dict[str, list[str]] = {}
    for phase, text in cues:
        by_phase.setdefault(phase, []).append(text)
    shown = {} if shown is None else shown
    events = []
    for start, end, phase in phase_windows(times, duration):
        if phase not in by_phase or end - start < MIN_CAPTION_SECONDS:
            continue
        turn = shown.get(phase, 0)
        shown[phase] = turn + 1
        events.append(Event(start, end, by_phase[phase][turn % len(by_phase[phase])]))
    return events


def phase_events(times: list[tuple[float, str]], duration: float, phases: list[str], text: str) -> list[Event]:
    """``text`` while any of ``phases`` is on screen (an error's correction where the error shows)."""
    return [Event(start, end, text) for start, end, phase in phase_windows(times, duration)
            if phase in phases and end - start >= MIN_CAPTION_SECONDS]


def _clock(seconds: float, separator: str) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def trim(text: str, seconds: float) -> str:
    """A WebVTT or SRT file of :func:`webvtt` / :func:`srt` cut at ``seconds``: later cues dropped, the
    last one ending at the cut (for a video cut to a platform's length). Raises :class:`CaptionError` if
    ``text`` cannot be read."""
    is_webvtt = text.startswith("WEBVTT")
    events = read_webvtt(text) if is_webvtt else read_srt(text)
    cut = round(seconds, 3)
    kept = [Event(e.start, min(e.end, cut), e.text) for e in events if e.start < cut]
    return webvtt(kept) if is_webvtt else srt(kept)


def read_webvtt(text: str) -> list[Event]:
    """The cues of a WebVTT file, read by webvtt-py (strictly: a malformed cue is an error, not skipped)."""
    try:
        captions = WebVTT.from_string(text, strict=True).captions
    except (MalformedFileError, MalformedCaptionError) as exc:
        raise CaptionError(f"captions: not a WebVTT file we can read: {exc}") from exc
    return [Event(c.start_time.in_milliseconds() / 1000, c.end_time.in_milliseconds() / 1000, c.raw_text)
            for c in captions]


def read_srt(text: str) -> list[Event]:
    """The cues of an SRT file, read by srt."""
    try:
        subtitles = list(parse_srt(text))
    except SRTParseError as exc:
        raise CaptionError(f"captions: not an SRT file we can read: {exc}") from exc
    return [Event(s.start.total_seconds(), s.end.total_seconds(), s.content) for s in subtitles]


def webvtt(events: list[Event]) -> str:
    """WebVTT with the cues near the top, clear of captions burned in at the bottom."""
    blocks = ["WEBVTT\n"]
    for event in events:
        blocks.append(f"{_clock(event.start, '.')} --> {_clock(event.end, '.')} line:8% position:50% align:center\n"
                      f"{event.text}\n")
    return "\n".join(blocks)


def srt(events: list[Event]) -> str:
    """SRT (comma before the milliseconds) for platforms that take nothing else."""
    return "\n".join(f"{n}\n{_clock(e.start, ',')} --> {_clock(e.end, ',')}\n{e.text}\n"
                     for n, e in enumerate(events, 1))
