"""prodtool: writes firmware and cloud licenses to IoT chips at a production station."""

from importlib.metadata import PackageNotFoundError, version


def _package_version() -> str:
    """The installed distribution's version: one source of truth (pyproject.toml)."""
    try:
        return version("prodtool")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0+unknown"


__version__ = _package_version()
