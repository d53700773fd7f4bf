-- views.sql — convenience views over a peerlab results database
-- (schema_version 1, docs/results.md).  Load into a results file with
--
--   sqlite3 results/run.db < analysis/views.sql
--
-- Loading is idempotent (every view is dropped and re-created), and only
-- adds views: no table is changed.

-- One row: the run at a glance, with times in seconds and memory in MiB.
DROP VIEW IF EXISTS run_overview;
CREATE VIEW run_overview AS
SELECT name,
       status,
       seed,
       nodes,
       duration_ns / 1e9                       AS duration_s,
       virtual_ns / 1e9                        AS virtual_s,
       events,
       wall_s,
       CASE WHEN wall_s > 0 THEN events / wall_s END AS events_per_wall_s,
       CASE WHEN wall_s > 0 THEN virtual_ns / 1e9 / wall_s END AS speedup,
       peak_rss_bytes / 1048576.0              AS peak_rss_mib,
       trace,
       version,
       git_rev,
       started_at,
       error
FROM run;

-- Whole-run summary of every recorded metric, by name.
DROP VIEW IF EXISTS metric_summary;
CREATE VIEW metric_summary AS
SELECT m.name, m.kind,
       s.count, s.sum, s.mean, s.min, s.max, s.p50, s.p90, s.p99, s.last
FROM summary AS s
JOIN metric AS m ON m.id = s.metric_id
ORDER BY m.name;

-- Every window of every metric, by name, with the window's end in seconds.
DROP VIEW IF EXISTS series_named;
CREATE VIEW series_named AS
SELECT m.name, m.kind,
       se.t0_ns, se.t_ns,
       se.t_ns / 1e9 AS t_s,
       se.count, se.sum, se.mean, se.min, se.max
FROM series AS se
JOIN metric AS m ON m.id = se.metric_id;

-- Per-window rates: records per virtual second and value per virtual
-- second (for a counter, sum_per_s is its rate, e.g. messages/s).  A
-- window of zero length gives NULL rates.
DROP VIEW IF EXISTS series_rate;
CREATE VIEW series_rate AS
SELECT m.name, m.kind,
       se.t_ns / 1e9                                  AS t_s,
       (se.t_ns - se.t0_ns) / 1e9                     AS window_s,
       se.count * 1e9 / NULLIF(se.t_ns - se.t0_ns, 0) AS count_per_s,
       se.sum * 1e9 / NULLIF(se.t_ns - se.t0_ns, 0)   AS sum_per_s
FROM series AS se
JOIN metric AS m ON m.id = se.metric_id;

-- Expectations that did not hold.
DROP VIEW IF EXISTS failed_expectations;
CREATE VIEW failed_expectations AS
SELECT label, expr, metric, stat, op, value, observed
FROM expectation
WHERE pass = 0
ORDER BY id;

-- Histogram buckets by metric name, with each bucket's share of the
-- records and the cumulative share (an empirical CDF).
DROP VIEW IF EXISTS histogram_named;
CREATE VIEW histogram_named AS
SELECT m.name,
       h.lo, h.hi, h.count,
       CAST(h.count AS REAL) / s.count AS share,
       CAST(SUM(h.count) OVER (PARTITION BY h.metric_id ORDER BY h.lo, h.hi
                               ROWS UNBOUNDED PRECEDING) AS REAL) / s.count AS cumulative
FROM histogram AS h
JOIN metric AS m ON m.id = h.metric_id
JOIN summary AS s ON s.metric_id = h.metric_id;
