"""Timed captions: which cue shows when (from the clip's phase times), and their WebVTT / SRT files."""

from __future__ import annotations

from dataclasses import dataclass

MIN_CAPTION_SECONDS = 1.0
"""A phase shorter than this on screen gets no caption: nobody can read it."""


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
    last one ending at the cut (for a video cut to a platform's length)."""
    blocks = []
    for block in text.strip("\n").split("\n\n"):
        lines = block.split("\n")
        timing = next((i for i, line in enumerate(lines) if " --> " in line), None)
        if timing is not None:
            start, _, rest = lines[timing].partition(" --> ")
            end, space, settings = rest.partition(" ")
            if _seconds(start) >= seconds:
                continue
            if _seconds(end) > seconds:
                lines[timing] = f"{start} --> {_clock(seconds, end[8])}{space}{settings}"
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def _seconds(clock: str) -> float:
    hours, minutes, rest = clock.replace(",", ".").split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(rest)


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
