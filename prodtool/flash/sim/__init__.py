"""Simulated chips behind virtual serial ports, speaking the real wire protocols."""
