"""A marketing script: one vertical, cinematic hero shot per movement, printed as JSON lines.

Run: python examples/marketing_batch.py > shots.jsonl
"""

from __future__ import annotations

import fitcontent


def main() -> None:
    request = fitcontent.make_request(
        exercises=["all"],
        angles=["front-45"],
        errors=["none"],
        style="cinematic",
        lighting="golden-hour",
        width=480,
        height=848,  # 9:16, multiples of 16
    )
    for shot in fitcontent.plan(request).shots:
        print(shot.model_dump_json(include={"id", "prompt", "negative_prompt", "width", "height", "frames", "seed"}))


if __name__ == "__main__":
    main()
