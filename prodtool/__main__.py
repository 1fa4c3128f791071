"""`python -m prodtool` runs the command line."""

from prodtool.cli.main import main

raise SystemExit(main())
