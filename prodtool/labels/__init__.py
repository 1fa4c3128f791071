"""Labels for units that passed: a declarative template, PDF/PNG/ZPL renderers, printers (CUPS or
a Zebra's raw TCP port) and the PASS hook that queues a label for each passed job. Qt-free."""
