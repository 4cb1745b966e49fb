# chart.gp: seconds per row of bench/scaling.sh (1 host, 2 hosts, 2 hosts +
# a slow third), one cluster per epochs count and variant; run as
#   gnuplot -e "datafile='F'; outfile='O.png'; what='TEXT'" chart.gp
# datafile rows: "label" one_seconds two_seconds slow_seconds ("-" where a
# row was not run).
set terminal png size 1200,650 font ",11"
set output outfile
set termoption noenhanced
set title sprintf("Does a second host pay? Seconds to train mnist_cnn (ADAG, window 5, batch 16; %s)", what)
set ylabel "seconds (train_mnist wall time)"
set xlabel "epochs, variant"
set yrange [0:*]
# Room above the highest bar for its label and the key.
set offsets 0, 0, graph 0.15, 0
set grid ytics
set datafile missing "-"
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set xtics nomirror
set key top left
# A cluster of 3 bars (gap 1) puts bar k at x + (k - 1) / 4.
plot datafile using 2:xtic(1) title "1 host, 1 core" lc rgb "#b03a2e", \
     '' using 3 title "2 hosts, 1 core each" lc rgb "#1f618d", \
     '' using 4 title "2 hosts + a slow third" lc rgb "#85c1e9", \
     '' using ($0 - 0.25):2:(sprintf("%.1f", $2)) with labels offset 0,0.7 notitle, \
     '' using ($0):3:(sprintf("%.1f", $3)) with labels offset 0,0.7 notitle, \
     '' using ($0 + 0.25):4:(sprintf("%.1f", $4)) with labels offset 0,0.7 notitle
