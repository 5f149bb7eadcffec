# Linear classifiers on each layer's features
# Reads only accuracy_vs_layer.data.csv; run `gnuplot accuracy_vs_layer.gp` in this folder to redraw accuracy_vs_layer.png and accuracy_vs_layer.svg.
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
  set output 'accuracy_vs_layer.'.format
  set title 'accuracy vs tapped layer'
  set xlabel 'layer'
  set ylabel 'test accuracy (%)'
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
  plot 'accuracy_vs_layer.data.csv' using (column('layer')):(strcol('series') eq 'svm' ? column('accuracy') : NaN):(column('std')) with yerrorlines title 'SVM, mnist-digits 30/class', \
       'accuracy_vs_layer.data.csv' using (column('layer')):(strcol('series') eq 'softmax' ? column('accuracy') : NaN):(column('std')) with yerrorlines title 'softmax, mnist-digits 30/class', \
       'accuracy_vs_layer.data.csv' using (column('layer')):(strcol('series') eq 'paper_svm' ? column('accuracy') : NaN) with linespoints title 'paper: SVM, Caltech-101 30/class', \
       'accuracy_vs_layer.data.csv' using (column('layer')):(strcol('series') eq 'paper_softmax' ? column('accuracy') : NaN) with points title 'paper: softmax, Caltech-101 30/class'
  unset output
}
