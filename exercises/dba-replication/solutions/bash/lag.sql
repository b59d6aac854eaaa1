-- Replication lag of every connected standby, in bytes of WAL the primary has written that the
-- standby has not replayed yet (what a query on the standby cannot see). Run on the primary.
--
-- sent_lsn / write_lsn / flush_lsn would say how far the WAL travelled; only replay_lsn says
-- what is visible on the standby.
SELECT application_name,
       pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) AS lag_bytes
FROM pg_stat_replication
ORDER BY application_name;
