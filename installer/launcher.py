"""The frozen program's entry point: the same `main()` as the `prodtool` command."""

import multiprocessing

from prodtool.cli.main import main

if __name__ == "__main__":
    # Port jobs run in worker processes; a frozen program must let them start as workers.
    multiprocessing.freeze_support()
    raise SystemExit(main())
