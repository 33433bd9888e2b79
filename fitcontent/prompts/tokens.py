"""A conservative T5 token count, for checking prompts against CogVideoX's 226-token limit offline.

The real T5 vocabulary cannot be downloaded where fitcontent runs, so prompts are counted with a
rule that over-counts English prose: a word of up to 6 letters costs one token per started 4
letters, a longer word one per started 3 letters (rarer words split into more pieces), a word with
two or more capitals one per letter (acronyms and camelCase split badly); every digit and every
other non-space character costs one token, plus one for the end-of-sequence token.

Checked against the real T5 tokenizer (benchmarks/RESULTS.md): it over-counts every one of the
50,078 prompts the shipped catalog can render (by 14 % or more, 29 % on average), so a prompt it
accepts is not truncated by the pipeline.
It can under-count code and markup, which prompts do not contain.
"""

from __future__ import annotations

import math
import re

T5_TOKEN_LIMIT = 226
"""CogVideoX pipelines encode at most this many T5 tokens; the rest of a prompt is cut off silently."""
_PIECES = re.compile(r"[A-Za-z]+|\S")


def estimate_t5_tokens(text: str) -> int:
    """An upper estimate of the T5 token count of English ``text``, end-of-sequence token included."""
    count = 1
    for piece in _PIECES.findall(text):
        if not (piece[0].isalpha() and piece.isascii()):
            count += 1
        elif sum(letter.isupper() for letter in piece) > 1:
            count += len(piece)
        else:
            count += math.ceil(len(piece) / (4 if len(piece) <= 6 else 3))
    return count
