"""The few named errors that the CLI and the web layer each map in one place."""


class GeomapError(Exception):
    """Base class of every error geomap raises on purpose."""


class ValidationError(GeomapError, ValueError):
    """Input that breaks a contract; ``field`` names what was wrong."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message

    def to_dict(self) -> dict:
        """The JSON error shape shared by the CLI and the HTTP API."""
        return {"error": "invalid", "field": self.field, "message": self.message}


class NotFoundError(GeomapError, LookupError):
    """A layer, incident or place that does not exist."""


class ConflictError(GeomapError):
    """A write that clashes with what is stored (for example a stale version)."""


class StorageFullError(GeomapError):
    """The store's disk (or its configured size) is full; ``added`` were stored before that."""

    def __init__(self, message: str, added: int = 0):
        super().__init__(message)
        self.added = added


class BusyError(GeomapError):
    """Heavy work refused because its slots are all taken; try again after ``retry_after`` s."""

    def __init__(self, message: str, retry_after: int = 30):
        super().__init__(message)
        self.retry_after = retry_after


class SourceError(GeomapError):
    """A data source (a dump, a download, a file to import) that cannot be read."""
