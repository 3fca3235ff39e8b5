# Bar chart of bench/redis_benchmark.sh's medians: requests per second, Ferrite vs Redis, per
# command and pipeline depth. Called with -e "datafile='...'; outfile='...'; subtitle='...'"
# (and xrotate=30 to slant the labels when there are many bars).
# The data file has a header line "label ferrite redis" and one row per (command, -P).
if (!exists("datafile")) datafile = 'plot.dat'
if (!exists("outfile")) outfile = 'benchmark.png'
if (!exists("subtitle")) subtitle = ''
if (!exists("xrotate")) xrotate = 0
set terminal pngcairo size 1000,560 noenhanced font ",11"
set output outfile
set title "redis-benchmark throughput (median), higher is better\n".subtitle
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set ylabel "requests per second"
set format y "%.0s%c"
set yrange [0:*]
set offsets 0, 0, graph 0.08, 0
set grid ytics
set key top left
if (xrotate != 0) set xtics rotate by xrotate right; else set xtics rotate by 0
plot datafile skip 1 using 2:xtic(1) title "Ferrite" linecolor rgb "#c0392b", \
     '' skip 1 using 3 title "Redis 7.0" linecolor rgb "#2c3e50"
