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

// best = max(best, in), where = position of the first maximum; branch-free so that it vectorises.
static inline void argmax_step(const float* __restrict in, int32_t base, int channels, float* __restrict best,
                               int32_t* __restrict where) {
  for (int c = 0; c < channels; ++c) {
    const int32_t mask = -(int32_t)(in[c] > best[c]);
    where[c] = (where[c] & ~mask) | ((base + c) & mask);
    best[c] = std::max(best[c], in[c]);
  }
}

// Each output's gradient goes to the first maximum of its window (as tfjs's cpu backend picks it).
// The arg-max runs across channels (contiguous in NHWC) with int32 positions so that it vectorises.
// Parallel over images only: windows of one image overlap when stride < size.
// Windows that tile the image exactly (stride = size, no padding, e.g. 2x2/2 on even sizes) are cleared
// one by one while in cache, instead of zero-filling the whole gradient up front.
static bool tiles_exactly(const PoolShape& s) {
  return s.sh == s.kh && s.sw == s.kw && s.pt == 0 && s.pl == 0 && s.oh * s.sh == s.h && s.ow * s.sw == s.w;
}

void max_pool_grad(const PoolShape& s, const float* x, const float* dy, float* dx) {
  const long image = (long)s.h * s.w * s.c;
  const bool exact = tiles_exactly(s);
#pragma omp parallel
  {
    std::vector<float> best(s.c);
    std::vector<int32_t> where(s.c);
#pragma omp for schedule(static)
    for (int n = 0; n < s.n; ++n) {
      const float* xn = x + n * image;
      float* dxn = dx + n * image;
      if (!exact) std::memset(dxn, 0, sizeof(float) * image);
      float* bp = best.data();
      int32_t* wp = where.data();
      for (int oh = 0; oh < s.oh; ++oh)
        for (int ow = 0; ow < s.ow; ++ow) {
          Window win = window(s, oh, ow);
          if (win.r0 >= win.r1 || win.c0 >= win.c1) continue;
          const int32_t first = (win.r0 * s.w + win.c0) * s.c;
          for (int c = 0; c < s.c; ++c) { bp[c] = xn[first + c]; wp[c] = first + c; }
          for (int r = win.r0; r < win.r1; ++r)
            for (int q = win.c0; q < win.c1; ++q) {
              const int32_t base = (r * s.w + q) * s.c;
              argmax_step(xn + base, base, s.c, bp, wp);
            }
          const float* g = dy + (((long)n * s.oh + oh) * s.ow + ow) * s.c;
          if (exact) {  // clear this window (in cache now), then place dy
            for (int r = win.r0; r < win.r1; ++r) std::memset(dxn + (r * s.w + win.c0) * s.c, 0, sizeof(float) * s.c * (win.c1 - win.c0));
            for (int c = 0; c < s.c; ++c) dxn[wp[c]] = g[c];
          } else {
            for (int c = 0; c < s.c; ++c) dxn[wp[c]] += g[c];
          }
        }
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
