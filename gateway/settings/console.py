"""The ``console`` section: the security team's web console at ``/console``.

Sessions are short by default (a console session can read the whole audit log); applying a
candidate policy from the browser is off unless an operator turns it on, because it changes
what every caller may read without a code review.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ConsoleSettings(BaseModel):
    """``HQG_CONSOLE__*``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    enabled: bool = True
    session_minutes: int = Field(default=30, ge=1, le=24 * 60)
    max_sessions: int = Field(default=1000, ge=1, le=100_000)
    apply_policy: bool = False  # write a candidate bundle from the browser and hot-reload it
