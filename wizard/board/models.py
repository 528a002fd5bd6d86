"""The board's version, kept in the database (wizard.board.cache)."""

from django.db import models


class BoardVersion(models.Model):
    """One row (id 1): the time, in nanoseconds, of the last change of anything the board
    shows. It lives in the database, not the cache, so it moves with the rows it describes:
    it changes in the transaction that changes them, and a database restore brings back the
    version that went with the restored rows."""

    ROW = 1

    version = models.BigIntegerField()

    def __str__(self):
        return f"board version {self.version}"
