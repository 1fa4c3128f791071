"""Simulated Beken modules: the BootROM (or the BK7231T's flash bootloader) and the app's shell."""
