"""Where the erasure journal stood when this database was last marked (one row): by a backup, just before
its snapshot, or by a replay, once it applied the journal. After a restore, the lines from this position
on are the erasures and purges the backup lacks (resolvers.journal_replay)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

MARK_ID = 1


class ErasureJournalMark(Model):
    id = fields.IntField(primary_key=True)
    journal_id = fields.CharField(max_length=36, description="the journal file's own id (its header line)")
    journal_offset = fields.BigIntField(description="bytes into the journal: the first line not yet reflected")
    marked_at = fields.DatetimeField()
    marked_by = fields.CharField(max_length=16, description="backup or replay")

    class Meta:
        table = "erasure_journal_mark"
