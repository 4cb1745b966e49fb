# chart.gp: seconds per row of bench/scaling.sh (1 host, 2 hosts, 1 host at
# the four row's share, 4 hosts, 2 hosts + a slow third), one cluster per
# link, epochs count and variant; run as
#   gnuplot -e "datafile='F'; outfile='O.png'; what='TEXT'; share='0.5'; slow='0.25'" chart.gp
# datafile rows: "label" one two half four slow (seconds; "-" where a row
# was not run).
set terminal png size 1400,650 font ",11"
set output outfile
set termoption noenhanced
set title sprintf("Does a host pay? Seconds to train mnist_cnn (ADAG, window 5, batch 16; %s)", what)
set ylabel "seconds (train_mnist wall time)"
set xlabel "link, epochs, variant"
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
# A cluster of 5 bars (gap 1) puts bar k (1..5) at x + (k - 3) / 6.
plot datafile using 2:xtic(1) title "1 host, 1 core" lc rgb "#b03a2e", \
     '' using 3 title "2 hosts, 1 core each" lc rgb "#1f618d", \
     '' using 4 title sprintf("1 host, %s core", share) lc rgb "#d68910", \
     '' using 5 title sprintf("4 hosts, %s core each", share) lc rgb "#117a65", \
     '' using 6 title sprintf("2 hosts + a third at %s core", slow) lc rgb "#85c1e9", \
     '' using ($0 - 2.0/6):2:(sprintf("%.1f", $2)) with labels offset 0,0.7 notitle, \
     '' using ($0 - 1.0/6):3:(sprintf("%.1f", $3)) with labels offset 0,0.7 notitle, \
     '' using ($0):4:(sprintf("%.1f", $4)) with labels offset 0,0.7 notitle, \
     '' using ($0 + 1.0/6):5:(sprintf("%.1f", $5)) with labels offset 0,0.7 notitle, \
     '' using ($0 + 2.0/6):6:(sprintf("%.1f", $6)) with labels offset 0,0.7 notitle
