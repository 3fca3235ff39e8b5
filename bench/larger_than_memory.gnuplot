# Bar chart of bench/larger_than_memory.sh's medians: GET/s with all data in memory and with the
# data 4x the memory budget, for zipfian and uniform keys, the ratio written above each pair.
# Called with -e "datafile='...'; outfile='...'; subtitle='...'". The data file has a header
# line "distribution memory ltm ratio" and one row per distribution.
if (!exists("datafile")) datafile = 'plot.dat'
if (!exists("outfile")) outfile = 'larger-than-memory.png'
if (!exists("subtitle")) subtitle = ''
set terminal pngcairo size 900,520 noenhanced font ",11"
set output outfile
set title "GET throughput (median), higher is better\n".subtitle
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set ylabel "GET per second"
set format y "%.0s%c"
set yrange [0:*]
set offsets 0, 0, graph 0.12, 0
set grid ytics
set key top right
plot datafile skip 1 using 2:xtic(1) title "all data in memory" linecolor rgb "#2c3e50", \
     '' skip 1 using 3 title "data 4x the memory budget" linecolor rgb "#c0392b", \
     '' skip 1 using ($0 + 0.17):3:(sprintf("%.2fx", $4)) with labels offset 0,1 notitle
