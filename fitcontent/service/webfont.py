"""The UI's font: Noto Sans CJK SC (the package's default font) cut down to the characters the UI and the
catalog use, so Chinese shows the same in every browser, even one on a machine without CJK fonts."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from fitcontent.catalog.loader import Catalog
from fitcontent.fonts import default_font
from fitcontent.store import atomic_write_bytes

STATIC = Path(__file__).with_name("static")


def ui_characters(catalog: Catalog) -> str:
    """Every character beyond ASCII in the UI's files and the catalog's texts, and the printable ASCII."""
    texts = [path.read_text(encoding="utf-8") for path in sorted(STATIC.glob("*.*"))]
    texts += [m.model_dump_json() for m in catalog.movements.values()]
    texts += [catalog.vocabulary.model_dump_json(), *(a.model_dump_json() for a in catalog.angle_list)]
    wide = {c for text in texts for c in text if ord(c) > 127}
    return "".join(sorted(wide | {chr(c) for c in range(32, 127)}))


def ui_font(catalog: Catalog, folder: Path) -> Path:
    """The subset font file for ``catalog`` (OpenType, CFF outlines), made once per set of characters."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    characters = ui_characters(catalog)
    path = folder / f"ui-{hashlib.sha256(characters.encode()).hexdigest()[:16]}.otf"
    if path.exists():
        return path
    source = default_font()
    font = TTFont(source.path, fontNumber=source.index)
    cutter = subset.Subsetter(subset.Options(layout_features=["*"], name_IDs=["*"], notdef_outline=True))
    cutter.populate(text=characters)
    cutter.subset(font)
    buffer = io.BytesIO()
    font.save(buffer)
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, buffer.getvalue())
    return path
