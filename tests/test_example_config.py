"""instance.example.toml documents every configuration key with its default."""

import tomllib
from dataclasses import fields
from pathlib import Path

from fedi.config import Config, from_mapping

EXAMPLE = Path(__file__).resolve().parent.parent / "instance.example.toml"


def test_example_lists_every_key_with_its_default():
    """Every config field appears in the example file, with the value the code defaults to."""
    data = tomllib.loads(EXAMPLE.read_text())
    defaults = Config()
    for section in fields(Config):
        documented = data.get(section.name, {})
        for field in fields(getattr(defaults, section.name)):
            assert field.name in documented, f"[{section.name}] {field.name} is not documented"
            assert documented[field.name] == getattr(getattr(defaults, section.name), field.name), (
                f"[{section.name}] {field.name} is documented with a value other than its default"
            )


def test_example_loads_cleanly():
    """The example file is a valid configuration as it stands."""
    assert from_mapping(tomllib.loads(EXAMPLE.read_text()), env={}) == Config()
