"""Errors users can act on. Each message names the file, folder or value at fault."""


class SpikeslimError(Exception):
    """Base class: the CLI prints these as one clear line, never a traceback."""


class DatasetMissingError(SpikeslimError, FileNotFoundError):
    """A dataset folder or file is absent; the message says what is expected and where to get it."""


class CorruptEventFileError(SpikeslimError, ValueError):
    """An event file cannot be decoded; the message names the file."""


class InvalidEventsError(SpikeslimError, ValueError):
    """Events are malformed or fall outside the sensor."""


class UnknownNameError(SpikeslimError, KeyError):
    """A registry lookup failed; the message lists the known names."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class InvalidConfigError(SpikeslimError, ValueError):
    """A setting (flag, config field, device name) has a value that cannot work; names the value."""


class CheckpointError(SpikeslimError, ValueError):
    """A checkpoint is missing, unreadable or does not match the run resuming from it."""


class OutputError(SpikeslimError, OSError):
    """A file or folder cannot be written (permissions, a folder where a file belongs, a full disk)."""


class DivergedError(SpikeslimError, ArithmeticError):
    """Training or distillation produced a NaN or infinite loss; the last good checkpoint is kept."""


class ExportError(SpikeslimError, ValueError):
    """A model or graph cannot be converted to or from NIR; the message names the layer or node."""
