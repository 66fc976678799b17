"""Riding out an outage: the database or a server going away, and coming back.

Long-running loops (`forum worker`, `forum scheduler`) call `Outage.survive` around each round:
while the database refuses connections they log one line, wait longer each time (up to a
minute), and go on when it returns; any other error is a bug and is raised.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

logger = logging.getLogger("forum.outage")

FIRST_WAIT = 1.0
LONGEST_WAIT = 60.0


def is_outage(error: BaseException) -> bool:
    """Say whether `error` means a server cannot be reached, rather than a mistake of ours."""
    if isinstance(error, OperationalError | InterfaceError | ConnectionError | TimeoutError):
        return True
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, OSError) and not isinstance(error, FileNotFoundError)


@dataclass
class Outage:
    """How long the next wait is, and whether the outage was already told (once per outage)."""

    what: str
    wait: float = 0.0  # the first wait, FIRST_WAIT, is read when the outage begins
    down: bool = field(default=False)

    def failed(self, error: BaseException) -> float:
        """Note a failed round; return how many seconds to wait before the next one."""
        if not self.down:
            self.wait = FIRST_WAIT
            first_line = (str(error).strip().splitlines() or [""])[0][:200]
            logger.warning(
                "%s: cannot reach a server (%s: %s); retrying with back-off",
                self.what,
                type(error).__name__,
                first_line,
            )
            self.down = True
        wait = self.wait
        self.wait = min(self.wait * 2, LONGEST_WAIT)
        return wait

    def recovered(self) -> None:
        """Note a round that went through; say so once if an outage is over."""
        if self.down:
            logger.warning("%s: reachable again, going on", self.what)
        self.down = False
