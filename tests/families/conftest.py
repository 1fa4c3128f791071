"""The simulated-chip fixtures (farms, shell clients, the esptool command line) for family tests."""

from tests.sim.conftest import esptool, farm_factory, shell_client

__all__ = ["esptool", "farm_factory", "shell_client"]
