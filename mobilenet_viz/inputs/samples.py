"""The sample photos shipped in assets/samples (public domain / CC0, see ATTRIBUTION.md)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SAMPLES_DIR = Path(__file__).resolve().parents[2] / "assets" / "samples"


@dataclass(frozen=True)
class Sample:
    name: str  # file name, e.g. "cat.jpg"
    title: str  # what a person sees in a picker, e.g. "Cat"
    path: Path

    def read_bytes(self) -> bytes:
        return self.path.read_bytes()


def list_samples() -> list[Sample]:
    """All sample photos, sorted by name."""
    return [
        Sample(p.name, p.stem.replace("_", " ").capitalize(), p)
        for p in sorted(SAMPLES_DIR.glob("*.jpg"))
    ]


def get_sample(name: str) -> Sample:
    for sample in list_samples():
        if sample.name == name:
            return sample
    raise KeyError(f"no sample photo named '{name}'")
