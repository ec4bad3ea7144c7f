"""What every source row has in common: strict figures, trimmed text, extra columns ignored."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

# Strict numbers: lax mode would read `true` as 1 and "12" as 12, and in a hand-edited export a
# quoted or boolean value is more likely a mistake than a figure. Infinity and NaN are no
# figures either (YAML reads `.inf` as one).
Number = Annotated[float, Field(strict=True, ge=0, allow_inf_nan=False)]
Count = Annotated[int, Field(strict=True, ge=0)]
Text = Annotated[str, Field(min_length=1)]


class SourceRow(BaseModel):
    """One row of a system of record, however it was read (an export file or an API)."""

    # Exports carry extra columns (notes, summaries) that the figures do not need.
    model_config = ConfigDict(
        frozen=True, extra="ignore", str_strip_whitespace=True, coerce_numbers_to_str=True
    )
