# Pretrained vs from scratch with K training images per class (Zeiler & Fergus Caltech-table analogue)
# Reads only accuracy_vs_k.data.csv; run `gnuplot accuracy_vs_k.gp` in this folder to redraw accuracy_vs_k.png and accuracy_vs_k.svg.
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
  set output 'accuracy_vs_k.'.format
  set title 'accuracy vs training images per class'
  set xlabel 'training images per class K'
  set ylabel 'test accuracy (%)'
  set size noratio
  set xtics
  set ytics
  set key noenhanced
  set key bottom right
  set logscale x
  unset logscale y
  set autoscale xfix
  set xrange [*:*] noreverse
  set yrange [0:100] noreverse
  set offsets graph 0.02, graph 0.02, graph 0.05, graph 0.05
  plot 'accuracy_vs_k.data.csv' using (column('k')):(strcol('series') eq 'scratch' ? column('accuracy') : NaN):(column('std')) with yerrorlines linecolor rgb '#d62728' title 'mnist-digits: from scratch', \
       'accuracy_vs_k.data.csv' using (column('k')):(strcol('series') eq 'off_the_shelf' ? column('accuracy') : NaN):(column('std')) with yerrorlines linecolor rgb '#1f77b4' title 'mnist-digits: pretrained, classifier retrained', \
       'accuracy_vs_k.data.csv' using (column('k')):(strcol('series') eq 'fine_tuned' ? column('accuracy') : NaN):(column('std')) with yerrorlines linecolor rgb '#2ca02c' title 'mnist-digits: pretrained, fine-tuned', \
       'accuracy_vs_k.data.csv' using (column('k')):(strcol('series') eq 'paper_caltech101_non-pretrained' ? column('accuracy') : NaN) with linespoints linecolor rgb '#ff9896' title 'paper: Caltech-101 non-pretrained', \
       'accuracy_vs_k.data.csv' using (column('k')):(strcol('series') eq 'paper_caltech101_imagenet-pretrained' ? column('accuracy') : NaN) with linespoints linecolor rgb '#aec7e8' title 'paper: Caltech-101 ImageNet-pretrained', \
       'accuracy_vs_k.data.csv' using (column('k')):(strcol('series') eq 'paper_caltech256_non-pretrained' ? column('accuracy') : NaN) with points linecolor rgb '#ff9896' title 'paper: Caltech-256 non-pretrained', \
       'accuracy_vs_k.data.csv' using (column('k')):(strcol('series') eq 'paper_caltech256_imagenet-pretrained' ? column('accuracy') : NaN) with points linecolor rgb '#aec7e8' title 'paper: Caltech-256 ImageNet-pretrained'
  unset output
}
