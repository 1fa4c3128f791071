"""Beken BK72xx chips (BK7231N/T2, BK7231T, T3 = BK7236, T5 = BK7258) over the UART download
protocol.

See docs/beken.md. The protocol ("BK HCI": `01 E0 FC` commands, `04 0E` replies) is spoken by the
mask BootROM on BK7231N/T3/T5 and by the flash bootloader on BK7231T; `variants` says which chip
speaks which dialect. Everything here is our own code written from the public protocol notes in
the reference; no vendor or third-party tool code is copied.
"""
