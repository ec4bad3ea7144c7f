"""The `offline` generator as a PackGenerator: no model, no network, deterministic."""

from __future__ import annotations

from exec_assistant.domain.prep_pack import GENERATED_BY, PackInputs, build_offline_pack
from exec_assistant.domain.privacy import ModelDestination
from exec_assistant.ports import GeneratedPack


class OfflinePackGenerator:
    name = GENERATED_BY
    destination = ModelDestination(GENERATED_BY)

    def generate(self, inputs: PackInputs) -> GeneratedPack:
        return GeneratedPack(build_offline_pack(inputs))
