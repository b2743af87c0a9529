"""The local AWS emulator: moto's server, with AWS rules moto leaves out added back.

The local world must refuse what AWS refuses. moto accepts any Glue UpdateTable, while AWS
Glue refuses one whose VersionId is not the table's current version (optimistic concurrency)
with ConcurrentModificationException; this launcher adds that check, then runs moto_server
with the same arguments.
"""

import sys

from moto.glue import responses as glue_responses
from moto.glue.exceptions import GlueClientError
from moto.server import main


class ConcurrentModificationException(GlueClientError):
    def __init__(self, message: str) -> None:
        super().__init__("ConcurrentModificationException", message)


_update_table = glue_responses.GlueResponse.update_table


def _update_table_if_current(self):  # type: ignore[no-untyped-def]
    version = self.parameters.get("VersionId")
    if version is not None:
        table_input = self.parameters.get("TableInput") or {}
        table = self.glue_backend.get_table(
            self.parameters.get("DatabaseName"), table_input.get("Name")
        )
        current = str(table._current_version)
        if str(version) != current:
            raise ConcurrentModificationException(
                f"Update table failed due to concurrent modifications: VersionId {version} "
                f"is not the current version {current}"
            )
    return _update_table(self)


glue_responses.GlueResponse.update_table = _update_table_if_current

if __name__ == "__main__":
    sys.argv[0] = "moto_server"
    sys.exit(main())
