"""Every table of the bot, registered on `SQLModel.metadata` by importing this module.

storage/models.py holds the first wave's tables; later areas keep theirs in
storage/models_<area>.py and add one import here, so that migrations (storage/migrations/env.py),
the schema test and anything that walks the metadata (the data export, /austreten) see them all.
"""

from __future__ import annotations

import storage.inbox
import storage.models
import storage.models_calendar
import storage.models_decisions
import storage.models_forms
import storage.models_meeting_day
import storage.models_meetings
import storage.models_oparl
import storage.models_representation
import storage.models_runtime
import storage.models_scheduling
import storage.models_series
import storage.models_tasks
import storage.models_votes  # noqa: F401
