// Detection primitives that aten lacks: greedy non-maximum suppression (torchvision.ops.nms).
#include "shim.h"

// boxes [N,4] (x1,y1,x2,y2), scores [N]; returns the kept indices (int64) by decreasing score.
// `offset` is 0 for continuous coordinates or 1 for VOC's inclusive-pixel convention.
REPRO_API Tensor THSVision_nms(Tensor boxes, Tensor scores, double iou_threshold, double offset) {
  REPRO_TRY
  TORCH_CHECK(boxes->dim() == 2 && boxes->size(1) == 4, "nms: boxes must be [N,4], got ", boxes->sizes());
  TORCH_CHECK(scores->dim() == 1 && scores->size(0) == boxes->size(0), "nms: scores must be [N] with N = ",
              boxes->size(0), ", got ", scores->sizes());
  at::Tensor b = boxes->detach().to(at::kCPU, at::kFloat).contiguous();
  at::Tensor order = std::get<1>(scores->detach().to(at::kCPU, at::kFloat).sort(0, /*descending=*/true));
  int64_t n = b.size(0);
  const float* bp = b.data_ptr<float>();
  const int64_t* op = order.contiguous().data_ptr<int64_t>();
  std::vector<float> area(n);
  for (int64_t k = 0; k < n; k++)
    area[k] = (bp[4 * k + 2] - bp[4 * k] + (float)offset) * (bp[4 * k + 3] - bp[4 * k + 1] + (float)offset);
  std::vector<char> suppressed(n, 0);
  std::vector<int64_t> keep;
  for (int64_t a = 0; a < n; a++) {
    int64_t i = op[a];
    if (suppressed[i]) continue;
    keep.push_back(i);
    for (int64_t c = a + 1; c < n; c++) {
      int64_t j = op[c];
      if (suppressed[j]) continue;
      float w = std::min(bp[4 * i + 2], bp[4 * j + 2]) - std::max(bp[4 * i], bp[4 * j]) + (float)offset;
      float h = std::min(bp[4 * i + 3], bp[4 * j + 3]) - std::max(bp[4 * i + 1], bp[4 * j + 1]) + (float)offset;
      if (w <= 0 || h <= 0) continue;
      float inter = w * h;
      if (inter / (area[i] + area[j] - inter) > iou_threshold) suppressed[j] = 1;
    }
  }
  at::Tensor out = at::empty({(int64_t)keep.size()}, at::kLong);
  std::copy(keep.begin(), keep.end(), out.data_ptr<int64_t>());
  return repro::wrap(out.to(boxes->device()));
  REPRO_CATCH(nullptr)
}
