"""The ESP ROM loader and flasher stub, simulated byte for byte (docs/simulated-chips.md)."""
