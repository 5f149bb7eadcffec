# ZF-style net on Fashion-MNIST
# Reads only curves.data.csv; run `gnuplot curves.gp` in this folder to redraw curves.png and curves.svg.
set datafile separator ','
set datafile columnheaders
set datafile missing NaN
set encoding utf8
do for [format in "png svg"] {
  if (format eq "png") {
    set terminal pngcairo size 840,320 noenhanced font 'sans,10'
  } else {
    set terminal svg size 840,320 noenhanced font 'sans,10' background '#ffffff'
  }
  set output 'curves.'.format
  set multiplot layout 1,2 title 'ZF-style net on Fashion-MNIST'
  set title 'training loss'
  set xlabel 'step'
  set ylabel 'cross-entropy'
  set size noratio
  set xtics
  set ytics
  set key noenhanced
  unset logscale x
  unset logscale y
  set autoscale xfix
  set xrange [*:*] noreverse
  set yrange [*:*] noreverse
  set offsets graph 0.02, graph 0.02, graph 0.05, graph 0.05
  plot 'curves.data.csv' using (column('step')):(strcol('curve') eq 'train_loss:3dc9aadb53f9' ? column('value') : NaN) with lines title 'seed 0'
  set title 'test accuracy'
  set xlabel 'step'
  set ylabel 'accuracy'
  set size noratio
  set xtics
  set ytics
  set key noenhanced
  unset logscale x
  unset logscale y
  set autoscale xfix
  set xrange [*:*] noreverse
  set yrange [*:*] noreverse
  set offsets graph 0.02, graph 0.02, graph 0.05, graph 0.05
  plot 'curves.data.csv' using (column('step')):(strcol('curve') eq 'test_accuracy:3dc9aadb53f9' ? column('value') : NaN) with linespoints title 'seed 0'
  unset multiplot
  unset output
}
