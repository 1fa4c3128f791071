"""Importing this registers the toy family: `PRODTOOL_FAMILIES=tests.families.toy.plugin`."""

from prodtool.families import registry
from tests.families.toy.family import TOY

registry.register(TOY)
