"""Backups: one archive of the database and the data folder (xunzhi backup), and its restore
(xunzhi restore), all or nothing."""
