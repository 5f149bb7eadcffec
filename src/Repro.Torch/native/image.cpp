// OpenCV: image files in and out, and selective-search proposals (ximgproc, as R-CNN uses).
#include <cstdlib>
#include "shim.h"
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/ximgproc/segmentation.hpp>

// Reads an image file into a uint8 tensor [H,W,C] (C = 1 grey or 3 RGB).
REPRO_API Tensor THSImage_read(const char* path, int grey) {
  REPRO_TRY
  cv::Mat m = cv::imread(path, grey ? cv::IMREAD_GRAYSCALE : cv::IMREAD_COLOR);
  TORCH_CHECK(!m.empty(), "cannot read image '", path, "' (missing, unreadable or not an image)");
  if (!grey) cv::cvtColor(m, m, cv::COLOR_BGR2RGB);
  int c = m.channels();
  at::Tensor t = at::empty({m.rows, m.cols, c}, at::kByte);
  for (int r = 0; r < m.rows; r++) std::memcpy(t.data_ptr<uint8_t>() + (int64_t)r * m.cols * c, m.ptr(r), (size_t)m.cols * c);
  return repro::wrap(t);
  REPRO_CATCH(nullptr)
}

// Writes a uint8 tensor [H,W,C] (C = 1 or 3, RGB) to a file; the format follows the extension.
REPRO_API int THSImage_write(const char* path, Tensor image) {
  REPRO_TRY
  at::Tensor t = image->to(at::kCPU, at::kByte).contiguous();
  TORCH_CHECK(t.dim() == 3 && (t.size(2) == 1 || t.size(2) == 3), "image must be [H,W,1|3] uint8, got ", t.sizes());
  cv::Mat m((int)t.size(0), (int)t.size(1), t.size(2) == 1 ? CV_8UC1 : CV_8UC3, t.data_ptr<uint8_t>());
  cv::Mat out;
  if (t.size(2) == 3) cv::cvtColor(m, out, cv::COLOR_RGB2BGR); else out = m;
  TORCH_CHECK(cv::imwrite(path, out), "cannot write image '", path, "'");
  return 0;
  REPRO_CATCH(-1)
}

// Selective search (fast mode) on a uint8 [H,W,3] RGB image: float boxes [N,4] as x1,y1,x2,y2
// (inclusive pixels), at most max_boxes.
REPRO_API Tensor THSImage_selective_search(Tensor image, int max_boxes, int base_k, int inc_k, double sigma, int segment_min_size) {
  REPRO_TRY
  at::Tensor t = image->to(at::kCPU, at::kByte).contiguous();
  TORCH_CHECK(t.dim() == 3 && t.size(2) == 3, "selective search needs [H,W,3] uint8, got ", t.sizes());
  cv::Mat rgb((int)t.size(0), (int)t.size(1), CV_8UC3, t.data_ptr<uint8_t>());
  cv::Mat bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  cv::setNumThreads(1);  // deterministic output
  // The region ranks that order the boxes are drawn at random (level * a random number); without resetting the
  // generators the same image gives different boxes on every call. Reset both OpenCV's thread-local generator and
  // C's rand() to their start-up states, so each image's boxes depend on the image alone.
  cv::theRNG() = cv::RNG();
  std::srand(1);
  auto ss = cv::ximgproc::segmentation::createSelectiveSearchSegmentation();
  ss->setBaseImage(bgr);
  ss->switchToSelectiveSearchFast(base_k, inc_k, (float)sigma);
  // Fast mode keeps the graph segmentations' default minimum region of 100 px, which caps a small image's
  // initial regions (a 128x128 canvas has room for ~160); the same strategy with a smaller minimum rebuilds the
  // segmentations exactly as switchToSelectiveSearchFast does (k = base_k, +inc_k, +2 inc_k; HSV and Lab).
  if (segment_min_size != 100) {
    ss->clearGraphSegmentations();
    for (int k = base_k; k <= base_k + inc_k * 2; k += inc_k)
      ss->addGraphSegmentation(cv::ximgproc::segmentation::createGraphSegmentation(sigma, (float)k, segment_min_size));
  }
  std::vector<cv::Rect> rects;
  ss->process(rects);
  int64_t n = std::min<int64_t>((int64_t)rects.size(), max_boxes);
  at::Tensor out = at::empty({n, 4}, at::kFloat);
  float* o = out.data_ptr<float>();
  for (int64_t k = 0; k < n; k++) {
    o[4 * k] = (float)rects[k].x;
    o[4 * k + 1] = (float)rects[k].y;
    o[4 * k + 2] = (float)(rects[k].x + rects[k].width - 1);
    o[4 * k + 3] = (float)(rects[k].y + rects[k].height - 1);
  }
  return repro::wrap(out);
  REPRO_CATCH(nullptr)
}
