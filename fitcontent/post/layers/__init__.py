"""The layer types a layout may use, one module each (its model and its drawing), looked up by name.

A layout file lists layers by ``type``; :data:`LAYERS` maps each name to its model, so an unknown type
or field is reported with the known ones.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from fitcontent.post.layers.border import Border
from fitcontent.post.layers.caption import Caption
from fitcontent.post.layers.end_card import EndCard
from fitcontent.post.layers.label import Label
from fitcontent.post.layers.logo import Logo
from fitcontent.post.layers.lower_third import LowerThird
from fitcontent.post.layers.summary_card import SummaryCard
from fitcontent.post.layers.title_card import TitleCard

LAYERS = {m.model_fields["type"].default: m
          for m in (Border, Label, Caption, Logo, LowerThird, TitleCard, EndCard, SummaryCard)}
Layer = Annotated[Border | Label | Caption | Logo | LowerThird | TitleCard | EndCard | SummaryCard,
                  Field(discriminator="type")]
CARDS = (TitleCard, EndCard, SummaryCard)

__all__ = ["CARDS", "LAYERS", "Border", "Caption", "EndCard", "Label", "Layer", "Logo", "LowerThird",
           "SummaryCard", "TitleCard"]
