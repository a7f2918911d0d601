"""The `newsclaims` command: a front end over `index.library`, like `service/`."""
from index.cli.commands import run

__all__ = ["run"]
