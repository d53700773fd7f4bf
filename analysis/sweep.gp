# sweep.gp — a summary statistic against a swept parameter: one line per
# (metric, combination of the other swept parameters), with the mean
# across seeds and its 95% confidence interval (Student t) as error bars.
#
# Data: one block per line; columns
#   1  parameter value (or its position, when the values are not numbers)
#   2  mean across seeds
#   3  half-width of the 95% confidence interval (0 with one seed)
#   4  number of seeds
# Set nx and the array xticklabels[nx] to label positions instead of
# numbers (categorical parameters).
load scriptdir.'/common.gp'
if (exists("nx") && nx > 0) {
  set xrange [0.5:nx+0.5]
  set xtics ()
  do for [i=1:nx] { set xtics add (xticklabels[i] i) }
}
set offsets graph 0.03, graph 0.03, graph 0.05, graph 0.05
plot for [i=1:nblocks] datafile index (i-1) using 1:2:3 with yerrorlines lw 1.5 pt 7 ps 0.8 \
     title titles[i]
