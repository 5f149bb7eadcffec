# Fig. 1b: convergence slows down with label corruption
# Reads only fig1b.data.csv; run `gnuplot fig1b.gp` in this folder to redraw fig1b.png and fig1b.svg.
set datafile separator ','
set datafile columnheaders
set datafile missing NaN
set encoding utf8
do for [format in "png svg"] {
  if (format eq "png") {
    set terminal pngcairo size 640,480 noenhanced font 'sans,10'
  } else {
    set terminal svg size 640,480 noenhanced font 'sans,10' background '#ffffff'
  }
  set output 'fig1b.'.format
  set title 'Fig. 1b: convergence slows down with label corruption'
  set xlabel 'label corruption p'
  set ylabel 'steps until training accuracy >= 99%'
  set size noratio
  set xtics
  set ytics
  set key noenhanced
  unset logscale x
  unset logscale y
  set autoscale xfix
  set xrange [*:*] noreverse
  set yrange [0:*] noreverse
  set offsets graph 0.02, graph 0.02, graph 0.05, graph 0.05
  plot 'fig1b.data.csv' using (column('label_corruption')):(strcol('series') eq 'zf|fitted' ? column('steps') : NaN):(column('steps_std')) with yerrorlines title 'ZF-style ConvNet', \
       'fig1b.data.csv' using (column('label_corruption')):(strcol('series') eq 'mlp|fitted' ? column('steps') : NaN):(column('steps_std')) with yerrorlines title 'MLP 1x512'
  unset output
}
