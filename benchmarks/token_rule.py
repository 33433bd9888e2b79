"""Check the conservative T5 token rule against a real T5 tokenizer on every prompt the catalog can render.

Usage: python benchmarks/token_rule.py TOKENIZER_JSON
TOKENIZER_JSON: a T5 `tokenizer.json` (e.g. from a CogVideoX model's tokenizer/ folder after
`transformers.T5TokenizerFast.from_pretrained(dir).save_pretrained(out)`); needs `pip install tokenizers`.
Renders every exercise x variation x angle x form under every scene combination, and prints
the ratio estimate / real over all distinct prompts (>= 1 everywhere means the rule never under-counts).
"""

from __future__ import annotations

import itertools
import sys

from tokenizers import Tokenizer

import fitcontent
from fitcontent.api import SCENE_GROUPS
from fitcontent.prompts.tokens import T5_TOKEN_LIMIT, estimate_t5_tokens


def main(tokenizer_path: str) -> None:
    tokenizer = Tokenizer.from_file(tokenizer_path)
    catalog = fitcontent.load_catalog()
    groups = {name: [c.id for c in getattr(catalog.settings, group)] for name, group in SCENE_GROUPS.items()}
    texts: set[str] = set()
    for combo in itertools.product(*groups.values()):
        request = fitcontent.make_request(exercises=["all"], angles=["all"], variations=["all"],
                                          error_angles="requested", **dict(zip(groups, combo, strict=True)))
        for shot in fitcontent.plan(request, catalog=catalog).shots:
            texts.update((shot.prompt, shot.negative_prompt))
    ratios, real_max, estimate_max = [], 0, 0
    for text in texts:
        real, estimate = len(tokenizer.encode(text).ids), estimate_t5_tokens(text)
        ratios.append(estimate / real)
        real_max, estimate_max = max(real_max, real), max(estimate_max, estimate)
    print(f"{len(texts)} distinct prompts and negative prompts")
    print(f"estimate / real T5 tokens: min {min(ratios):.3f}, mean {sum(ratios) / len(ratios):.3f}, "
          f"max {max(ratios):.3f}; under-counted: {sum(r < 1 for r in ratios)}")
    print(f"longest prompt: {real_max} real tokens, {estimate_max} estimated (limit {T5_TOKEN_LIMIT})")


if __name__ == "__main__":
    main(sys.argv[1])
