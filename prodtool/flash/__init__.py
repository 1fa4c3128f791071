"""Serial ports, chip drivers, simulated chips and the per-port write job. No Qt."""
