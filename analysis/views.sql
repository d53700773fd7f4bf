-- views.sql — convenience views over a peerlab results database
-- (schema_version 2, docs/results.md): a single run or a merged sweep.
-- Load into a results file with
--
--   sqlite3 results/run.db < analysis/views.sql
--
-- Loading is idempotent (every view is dropped and re-created), and only
-- adds views: no table is changed.  Every view has run_id as its first
-- column (a single run has one run, id 1).

-- One row per run: the run at a glance, with times in seconds and memory
-- in MiB, and its parameters as one "key=value, ..." text (NULL for none).
DROP VIEW IF EXISTS run_overview;
CREATE VIEW run_overview AS
SELECT r.id                                      AS run_id,
       r.name,
       r.status,
       r.seed,
       (SELECT group_concat(kv, ', ')
        FROM (SELECT p.key || '=' || p.value AS kv FROM run_param AS p
              WHERE p.run_id = r.id ORDER BY p.key)) AS params,
       r.nodes,
       r.duration_ns / 1e9                       AS duration_s,
       r.virtual_ns / 1e9                        AS virtual_s,
       r.events,
       r.wall_s,
       CASE WHEN r.wall_s > 0 THEN r.events / r.wall_s END AS events_per_wall_s,
       CASE WHEN r.wall_s > 0 THEN r.virtual_ns / 1e9 / r.wall_s END AS speedup,
       r.peak_rss_bytes / 1048576.0              AS peak_rss_mib,
       r.trace,
       r.version,
       r.git_rev,
       r.started_at,
       r.error
FROM run AS r
ORDER BY r.id;

-- Whole-run summary of every recorded metric, by name, per run.
DROP VIEW IF EXISTS metric_summary;
CREATE VIEW metric_summary AS
SELECT s.run_id, m.name, m.kind,
       s.count, s.sum, s.mean, s.min, s.max, s.p50, s.p90, s.p99, s.last
FROM summary AS s
JOIN metric AS m ON m.id = s.metric_id
ORDER BY s.run_id, m.name;

-- Summaries joined with one parameter per row: for a sweep, every
-- (run, metric, parameter) — filter on key to get one swept dimension.
DROP VIEW IF EXISTS summary_by_param;
CREATE VIEW summary_by_param AS
SELECT s.run_id, p.key, p.value, r.seed, m.name, m.kind,
       s.count, s.sum, s.mean, s.min, s.max, s.p50, s.p90, s.p99, s.last
FROM summary AS s
JOIN metric AS m ON m.id = s.metric_id
JOIN run AS r ON r.id = s.run_id
JOIN run_param AS p ON p.run_id = s.run_id;

-- Every window of every metric, by name, with the window's end in seconds.
DROP VIEW IF EXISTS series_named;
CREATE VIEW series_named AS
SELECT se.run_id, m.name, m.kind,
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
SELECT se.run_id, m.name, m.kind,
       se.t_ns / 1e9                                  AS t_s,
       (se.t_ns - se.t0_ns) / 1e9                     AS window_s,
       se.count * 1e9 / NULLIF(se.t_ns - se.t0_ns, 0) AS count_per_s,
       se.sum * 1e9 / NULLIF(se.t_ns - se.t0_ns, 0)   AS sum_per_s
FROM series AS se
JOIN metric AS m ON m.id = se.metric_id;

-- Expectations that did not hold.
DROP VIEW IF EXISTS failed_expectations;
CREATE VIEW failed_expectations AS
SELECT run_id, label, expr, metric, stat, op, value, observed
FROM expectation
WHERE pass = 0
ORDER BY run_id, id;

-- Histogram buckets by metric name, with each bucket's share of the
-- records and the cumulative share (an empirical CDF), per run.
DROP VIEW IF EXISTS histogram_named;
CREATE VIEW histogram_named AS
SELECT h.run_id, m.name,
       h.lo, h.hi, h.count,
       CAST(h.count AS REAL) / s.count AS share,
       CAST(SUM(h.count) OVER (PARTITION BY h.run_id, h.metric_id ORDER BY h.lo, h.hi
                               ROWS UNBOUNDED PRECEDING) AS REAL) / s.count AS cumulative
FROM histogram AS h
JOIN metric AS m ON m.id = h.metric_id
JOIN summary AS s ON s.run_id = h.run_id AND s.metric_id = h.metric_id;
