"""The `offline` generator as a PackGenerator: no model, no network, deterministic."""

from __future__ import annotations

from exec_assistant.domain.models import PrepPack
from exec_assistant.domain.prep_pack import GENERATED_BY, PackInputs, build_offline_pack


class OfflinePackGenerator:
    name = GENERATED_BY

    def generate(self, inputs: PackInputs) -> PrepPack:
        return build_offline_pack(inputs)
