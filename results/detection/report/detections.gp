# Detections on test images (R-CNN: SVM score >= threshold; others: probability >= threshold)
# Reads only detections.data.csv; run `gnuplot detections.gp` in this folder to redraw detections.png and detections.svg.
set datafile separator ','
set datafile columnheaders
set datafile missing NaN
set encoding utf8
do for [format in "png svg"] {
  if (format eq "png") {
    set terminal pngcairo size 1200,960 noenhanced font 'sans,10'
  } else {
    set terminal svg size 1200,960 noenhanced font 'sans,10' background '#ffffff'
  }
  set output 'detections.'.format
  set multiplot layout 3,4 title 'Detections on test images (R-CNN: SVM score >= threshold; others: probability >= threshold)'
  set title '000401: ground truth'
  set xlabel ''
  set ylabel ''
  unset logscale x
  unset logscale y
  set offsets 0, 0, 0, 0
  set size ratio -1
  unset xtics
  unset ytics
  unset colorbox
  set xrange [-0.5:127.5] noreverse
  set yrange [127.5:-0.5] noreverse
  plot 'detections.data.csv' every ::0::16383 using (column('x')):(column('y')):(int(column('rgb'))/65536):(int(column('rgb'))/256%256):(int(column('rgb'))%256) with rgbimage notitle, \
       'detections.data.csv' every ::49152::49153 using ((column('x')+column('x2'))/2):((column('y')+column('y2'))/2):(column('x')-0.5):(column('x2')+0.5):(column('y')-0.5):(column('y2')+0.5):(column('rgb')) with boxxyerror fillstyle empty linewidth 1.5 linecolor rgb variable notitle, \
       'detections.data.csv' every ::49152::49153 using (column('x')-0.5):(column('y') >= 4 ? column('y')-2 : column('y2')+2):(strcol('label')):(column('rgb')) with labels left font 'sans,7' textcolor rgb variable notitle
  set title '000401: R-CNN'
  set xlabel ''
  set ylabel ''
  unset logscale x
  unset logscale y
  set offsets 0, 0, 0, 0
  set size ratio -1
  unset xtics
  unset ytics
  unset colorbox
  set xrange [-0.5:127.5] noreverse
  set yrange [127.5:-0.5] noreverse
  plot 'detections.data.csv' every ::0::16383 using (column('x')):(column('y')):(int(column('rgb'))/65536):(int(column('rgb'))/256%256):(int(column('rgb'))%256) with rgbimage notitle, \
       'detections.data.csv' every ::49154::49155 using ((column('x')+column('x2'))/2):((column('y')+column('y2'))/2):(column('x')-0.5):(column('x2')+0.5):(column('y')-0.5):(column('y2')+0.5):(column('rgb')) with boxxyerror fillstyle empty linewidth 1.5 linecolor rgb variable notitle, \
       'detections.data.csv' every ::49154::49155 using (column('x')-0.5):(column('y') >= 4 ? column('y')-2 : column('y2')+2):(strcol('label')):(column('rgb')) with labels left font 'sans,7' textcolor rgb variable notitle
  set title '000401: Fast R-CNN'
  set xlabel ''
  set ylabel ''
  unset logscale x
  unset logscale y
  set offsets 0, 0, 0, 0
  set size ratio -1
  unset xtics
  unset ytics
  unset colorbox
  set xrange [-0.5:127.5] noreverse
  set yrange [127.5:-0.5] noreverse
  plot 'detections.data.csv' every ::0::16383 using (column('x')):(column('y')):(int(column('rgb'))/65536):(int(column('rgb'))/256%256):(int(column('rgb'))%256) with rgbimage notitle, \
       'detections.data.csv' every ::49156::49157 using ((column('x')+column('x2'))/2):((column('y')+column('y2'))/2):(column('x')-0.5):(column('x2')+0.5):(column('y')-0.5):(column('y2')+0.5):(column('rgb')) with boxxyerror fillstyle empty linewidth 1.5 linecolor rgb variable notitle, \
       'detections.data.csv' every ::49156::49157 using (column('x')-0.5):(column('y') >= 4 ? column('y')-2 : column('y2')+2):(strcol('label')):(column('rgb')) with labels left font 'sans,7' textcolor rgb variable notitle
  set title '000401: Faster R-CNN'
  set xlabel ''
  set ylabel ''
  unset logscale x
  unset logscale y
  set offsets 0, 0, 0, 0
  set size ratio -1
  unset xtics
  unset ytics
  unset colorbox
  set xrange [-0.5:127.5] noreverse
  set yrange [127.5:-0.5] noreverse
  plot 'detections.data.csv' every ::0::16383 using (column('x')):(column('y')):(int(column('rgb'))/65536):(int(column('rgb'))/256%256):(int(column('rgb'))%256) with rgbimage notitle, \
       'detections.data.csv' every ::49158::49159 using ((column('x')+column('x2'))/2):((column('y')+column('y2'))/2):(column('x')-0.5):(column('x2')+0.5):(column('y')-0.5):(column('y2')+0.5):(column('rgb')) with boxxyerror fillstyle empty linewidth 1.5 linecolor rgb variable notitle, \
       'detections.data.csv' every ::49158::49159 using (column('x')-0.5):(column('y') >= 4 ? column('y')-2 : column('y2')+2):(strcol('label')):(column('rgb')) with labels left font 'sans,7' textcolor rgb variable notitle
  set title '000402: ground truth'
  set xlabel ''
  set ylabel ''
  unset logscale x
  unset logscale y
  set offsets 0, 0, 0, 0
  set size ratio -1
  unset xtics
  unset ytics
  unset colorbox
  set xrange [-0.5:127.5] noreverse
  set yrange [127.5:-0.5] noreverse
  plot 'detections.data.csv' every ::16384::32767 using (column('x')):(column('y')):(int(column('rgb'))/65536):(int(column('rgb'))/256%256):(int(column('rgb'))%256) with rgbimage notitle, \
       'detections.data.csv' every ::49160::49161 using ((column('x')+column('x2'))/2):((column('y')+column('y2'))/2):(column('x')-0.5):(column('x2')+0.5):(column('y')-0.5):(column('y2')+0.5):(column('rgb')) with boxxyerror fillstyle empty linewidth 1.5 linecolor rgb variable notitle, \
       'detections.data.csv' every ::49160::49161 using (column('x')-0.5):(column('y') >= 4 ? column('y')-2 : column('y2')+2):(strcol('label')):(column('rgb')) with labels left font 'sans,7' textcolor rgb variable notitle
  set title '000402: R-CNN'
  set xlabel ''
  set ylabel ''
  unset logscale x
  unset logscale y
  set offsets 0, 0, 0, 0
  set size ratio -1
  unset xtics
  unset ytics
  unset colorbox
  set xrange [-0.5:127.5] noreverse
  set yrange [127.5:-0.5] noreverse
  plot 'detections.data.csv' every ::16384::32767 using (column('x')):(column('y')):(int(column('rgb'))/65536):(int(column('rgb'))/256%256):(int(column('rgb'))%256) with rgbimage notitle, \
       'detections.data.csv' every ::49162::49164 using ((column('x')+column('x2'))/2):((column('y')+column('y2'))/2):(column('x')-0.5):(column('x2')+0.5):(column('y')-0.5):(column('y2')+0.5):(column('rgb')) with boxxyerror fillstyle empty linewidth 1.5 linecolor rgb variable notitle, \
       'detections.data.csv' every ::49162::49164 using (column('x')-0.5):(column('y') >= 4 ? column('y')-2 : column('y2')+2):(strcol('label')):(column('rgb')) with labels left font 'sans,7' textcolor rgb variable notitle
  set title '000402: Fast R-CNN'
  set xlabel ''
  set ylabel ''
  unset logscale x
  unset logscale y
  set offsets 0, 0, 0, 0
  set size ratio -1
  unset xtics
  unset ytics
  unset colorbox
  set xrange [-0.5:127.5] noreverse
  set yrange [127.5:-0.5] noreverse
  plot 'detections.data.csv' every ::16384::32767 using (column('x')):(column('y')):(int(column('rgb'))/65536):(int(column('rgb'))/256%256):(int(column('rgb'))%256) with rgbimage notitle, \
       'detections.data.csv' every ::49165::49167 using ((column('x')+column('x2'))/2):((column('y')+column('y2'))/2):(column('x')-0.5):(column('x2')+0.5):(column('y')-0.5):(column('y2')+0.5):(column('rgb')) with boxxyerror fillstyle empty linewidth 1.5 linecolor rgb variable notitle, \
       'detections.data.csv' every ::49165::49167 using (column('x')-0.5):(column('y') >= 4 ? column('y')-2 : column('y2')+2):(strcol('label')):(column('rgb')) with labels left font 'sans,7' textcolor rgb variable notitle
  set title '000402: Faster R-CNN'
  set xlabel ''
  set ylabel ''
  unset logscale x
  unset logscale y
  set offsets 0, 0, 0, 0
  set size ratio -1
  unset xtics
  unset ytics
  unset colorbox
  set xrange [-0.5:127.5] noreverse
  set yrange [127.5:-0.5] noreverse
  plot 'detections.data.csv' every ::16384::32767 using (column('x')):(column('y')):(int(column('rgb'))/65536):(int(column('rgb'))/256%256):(int(column('rgb'))%256) with rgbimage notitle, \
       'detections.data.csv' every ::49168::49169 using ((column('x')+column('x2'))/2):((column('y')+column('y2'))/2):(column('x')-0.5):(column('x2')+0.5):(column('y')-0.5):(column('y2')+0.5):(column('rgb')) with boxxyerror fillstyle empty linewidth 1.5 linecolor rgb variable notitle, \
       'detections.data.csv' every ::49168::49169 using (column('x')-0.5):(column('y') >= 4 ? column('y')-2 : column('y2')+2):(strcol('label')):(column('rgb')) with labels left font 'sans,7' textcolor rgb variable notitle
  set title '000403: ground truth'
  set xlabel ''
  set ylabel ''
  unset logscale x
  unset logscale y
  set offsets 0, 0, 0, 0
  set size ratio -1
  unset xtics
  unset ytics
  unset colorbox
  set xrange [-0.5:127.5] noreverse
  set yrange [127.5:-0.5] noreverse
  plot 'detections.data.csv' every ::32768::49151 using (column('x')):(column('y')):(int(column('rgb'))/65536):(int(column('rgb'))/256%256):(int(column('rgb'))%256) with rgbimage notitle, \
       'detections.data.csv' every ::49170::49172 using ((column('x')+column('x2'))/2):((column('y')+column('y2'))/2):(column('x')-0.5):(column('x2')+0.5):(column('y')-0.5):(column('y2')+0.5):(column('rgb')) with boxxyerror fillstyle empty linewidth 1.5 linecolor rgb variable notitle, \
       'detections.data.csv' every ::49170::49172 using (column('x')-0.5):(column('y') >= 4 ? column('y')-2 : column('y2')+2):(strcol('label')):(column('rgb')) with labels left font 'sans,7' textcolor rgb variable notitle
  set title '000403: R-CNN'
  set xlabel ''
  set ylabel ''
  unset logscale x
  unset logscale y
  set offsets 0, 0, 0, 0
  set size ratio -1
  unset xtics
  unset ytics
  unset colorbox
  set xrange [-0.5:127.5] noreverse
  set yrange [127.5:-0.5] noreverse
  plot 'detections.data.csv' every ::32768::49151 using (column('x')):(column('y')):(int(column('rgb'))/65536):(int(column('rgb'))/256%256):(int(column('rgb'))%256) with rgbimage notitle, \
       'detections.data.csv' every ::49173::49175 using ((column('x')+column('x2'))/2):((column('y')+column('y2'))/2):(column('x')-0.5):(column('x2')+0.5):(column('y')-0.5):(column('y2')+0.5):(column('rgb')) with boxxyerror fillstyle empty linewidth 1.5 linecolor rgb variable notitle, \
       'detections.data.csv' every ::49173::49175 using (column('x')-0.5):(column('y') >= 4 ? column('y')-2 : column('y2')+2):(strcol('label')):(column('rgb')) with labels left font 'sans,7' textcolor rgb variable notitle
  set title '000403: Fast R-CNN'
  set xlabel ''
  set ylabel ''
  unset logscale x
  unset logscale y
  set offsets 0, 0, 0, 0
  set size ratio -1
  unset xtics
  unset ytics
  unset colorbox
  set xrange [-0.5:127.5] noreverse
  set yrange [127.5:-0.5] noreverse
  plot 'detections.data.csv' every ::32768::49151 using (column('x')):(column('y')):(int(column('rgb'))/65536):(int(column('rgb'))/256%256):(int(column('rgb'))%256) with rgbimage notitle, \
       'detections.data.csv' every ::49176::49178 using ((column('x')+column('x2'))/2):((column('y')+column('y2'))/2):(column('x')-0.5):(column('x2')+0.5):(column('y')-0.5):(column('y2')+0.5):(column('rgb')) with boxxyerror fillstyle empty linewidth 1.5 linecolor rgb variable notitle, \
       'detections.data.csv' every ::49176::49178 using (column('x')-0.5):(column('y') >= 4 ? column('y')-2 : column('y2')+2):(strcol('label')):(column('rgb')) with labels left font 'sans,7' textcolor rgb variable notitle
  set title '000403: Faster R-CNN'
  set xlabel ''
  set ylabel ''
  unset logscale x
  unset logscale y
  set offsets 0, 0, 0, 0
  set size ratio -1
  unset xtics
  unset ytics
  unset colorbox
  set xrange [-0.5:127.5] noreverse
  set yrange [127.5:-0.5] noreverse
  plot 'detections.data.csv' every ::32768::49151 using (column('x')):(column('y')):(int(column('rgb'))/65536):(int(column('rgb'))/256%256):(int(column('rgb'))%256) with rgbimage notitle, \
       'detections.data.csv' every ::49179::49181 using ((column('x')+column('x2'))/2):((column('y')+column('y2'))/2):(column('x')-0.5):(column('x2')+0.5):(column('y')-0.5):(column('y2')+0.5):(column('rgb')) with boxxyerror fillstyle empty linewidth 1.5 linecolor rgb variable notitle, \
       'detections.data.csv' every ::49179::49181 using (column('x')-0.5):(column('y') >= 4 ? column('y')-2 : column('y2')+2):(strcol('label')):(column('rgb')) with labels left font 'sans,7' textcolor rgb variable notitle
  unset multiplot
  unset output
}
