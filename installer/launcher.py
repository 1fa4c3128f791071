"""The frozen program's entry point: the same `main()` as the `prodtool` command."""

from prodtool.cli.main import main

if __name__ == "__main__":
    raise SystemExit(main())
