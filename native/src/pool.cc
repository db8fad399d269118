// 2-D max and average pooling (NHWC) and their gradients, parallel over images and output rows.
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <vector>
#include "kernels.h"

namespace fm {

// Window of output pixel (oh, ow) clipped to the image: rows [r0, r1), columns [c0, c1).
struct Window { int r0, r1, c0, c1; };
static inline Window window(const PoolShape& s, int oh, int ow) {
  int rc = oh * s.sh - s.pt, cc = ow * s.sw - s.pl;
  return {std::max(0, rc), std::min(s.h, rc + s.kh), std::max(0, cc), std::min(s.w, cc + s.kw)};
}

void max_pool(const PoolShape& s, const float* x, float* y) {
#pragma omp parallel for collapse(2) schedule(static)
  for (int n = 0; n < s.n; ++n)
    for (int oh = 0; oh < s.oh; ++oh) {
      const float* xn = x + (long)n * s.h * s.w * s.c;
      for (int ow = 0; ow < s.ow; ++ow) {
        Window win = window(s, oh, ow);
        float* out = y + (((long)n * s.oh + oh) * s.ow + ow) * s.c;
        for (int c = 0; c < s.c; ++c) out[c] = -INFINITY;
        for (int r = win.r0; r < win.r1; ++r)
          for (int q = win.c0; q < win.c1; ++q) {
            const float* in = xn + ((long)r * s.w + q) * s.c;
            for (int c = 0; c < s.c; ++c) out[c] = in[c] > out[c] ? in[c] : out[c];
          }
      }
    }
}

void avg_pool(const PoolShape& s, const float* x, float* y) {
#pragma omp parallel for collapse(2) schedule(static)
  for (int n = 0; n < s.n; ++n)
    for (int oh = 0; oh < s.oh; ++oh) {
      const float* xn = x + (long)n * s.h * s.w * s.c;
      for (int ow = 0; ow < s.ow; ++ow) {
        Window win = window(s, oh, ow);
        float* out = y + (((long)n * s.oh + oh) * s.ow + ow) * s.c;
        for (int c = 0; c < s.c; ++c) out[c] = 0.f;
        for (int r = win.r0; r < win.r1; ++r)
          for (int q = win.c0; q < win.c1; ++q) {
            const float* in = xn + ((long)r * s.w + q) * s.c;
            for (int c = 0; c < s.c; ++c) out[c] += in[c];
          }
        const float inv = 1.f / (float)((win.r1 - win.r0) * (win.c1 - win.c0));
        for (int c = 0; c < s.c; ++c) out[c] *= inv;
      }
    }
}

// Each output's gradient goes to the first maximum of its window (as tfjs's cpu backend picks it).
// Parallel over images only: windows of one image overlap when stride < size.
void max_pool_grad(const PoolShape& s, const float* x, const float* dy, float* dx) {
  const long image = (long)s.h * s.w * s.c;
#pragma omp parallel for schedule(static)
  for (int n = 0; n < s.n; ++n) {
    const float* xn = x + n * image;
    float* dxn = dx + n * image;
    std::memset(dxn, 0, sizeof(float) * image);
    std::vector<float> best(s.c);
    std::vector<long> where(s.c);
    for (int oh = 0; oh < s.oh; ++oh)
      for (int ow = 0; ow < s.ow; ++ow) {
        Window win = window(s, oh, ow);
        std::fill(best.begin(), best.end(), -INFINITY);
        std::fill(where.begin(), where.end(), -1L);
        for (int r = win.r0; r < win.r1; ++r)
          for (int q = win.c0; q < win.c1; ++q) {
            long base = ((long)r * s.w + q) * s.c;
            for (int c = 0; c < s.c; ++c)
              if (xn[base + c] > best[c]) { best[c] = xn[base + c]; where[c] = base + c; }
          }
        const float* g = dy + (((long)n * s.oh + oh) * s.ow + ow) * s.c;
        for (int c = 0; c < s.c; ++c)
          if (where[c] >= 0) dxn[where[c]] += g[c];
      }
  }
}

// The exact gradient of avg_pool: each input in a window receives dy / (in-bounds window size).
// (tfjs's cpu AvgPoolGrad divides by the full window size even where the forward pass did not,
// so the two differ at padded borders; finite differences agree with this one.)
void avg_pool_grad(const PoolShape& s, const float* dy, float* dx) {
  const long image = (long)s.h * s.w * s.c;
#pragma omp parallel for schedule(static)
  for (int n = 0; n < s.n; ++n) {
    float* dxn = dx + n * image;
    std::memset(dxn, 0, sizeof(float) * image);
    for (int oh = 0; oh < s.oh; ++oh)
      for (int ow = 0; ow < s.ow; ++ow) {
        Window win = window(s, oh, ow);
        const float inv = 1.f / (float)((win.r1 - win.r0) * (win.c1 - win.c0));
        const float* g = dy + (((long)n * s.oh + oh) * s.ow + ow) * s.c;
        for (int r = win.r0; r < win.r1; ++r)
          for (int q = win.c0; q < win.c1; ++q) {
            float* d = dxn + ((long)r * s.w + q) * s.c;
            for (int c = 0; c < s.c; ++c) d[c] += g[c] * inv;
          }
      }
  }
}

}  // namespace fm
