"""Simulated chips: the ROM and stub protocols, the shell, faults, the farm."""
