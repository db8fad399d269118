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

// 2x2 windows at stride 2 tiling the image (the common case): four rows of channels compared
// branch-free, vectorised over channels.
static bool is_2x2_tiling(const PoolShape& s) {
  return s.kh == 2 && s.kw == 2 && s.sh == 2 && s.sw == 2 && s.pt == 0 && s.pl == 0 && s.oh * 2 == s.h && s.ow * 2 == s.w;
}

static void max_pool_2x2(const PoolShape& s, const float* x, float* y) {
#pragma omp parallel for collapse(2) schedule(static)
  for (int n = 0; n < s.n; ++n)
    for (int oh = 0; oh < s.oh; ++oh) {
      const float* r0 = x + (((long)n * s.h + 2 * oh) * s.w) * s.c;
      const float* r1 = r0 + (long)s.w * s.c;
      float* out = y + (((long)n * s.oh + oh) * s.ow) * s.c;
      for (int ow = 0; ow < s.ow; ++ow) {
        const float* __restrict a = r0 + 2L * ow * s.c;
        const float* __restrict b = r1 + 2L * ow * s.c;
        float* __restrict o = out + (long)ow * s.c;
        for (int c = 0; c < s.c; ++c) {
          const float m0 = std::max(a[c], a[c + s.c]), m1 = std::max(b[c], b[c + s.c]);
          o[c] = std::max(m0, m1);  // (tfjs propagates NaN differently; irrelevant for training)
        }
      }
    }
}

void max_pool(const PoolShape& s, const float* x, float* y) {
  if (is_2x2_tiling(s)) return max_pool_2x2(s, x, y);
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

// For 4 channels: g to the first of (p0, p1, p2, p3) holding the maximum, 0 to the others. GCC's vector
// extensions make the compare masks explicit (plain C++ here compiled to branches).
typedef float v4f __attribute__((vector_size(16)));
typedef int32_t v4i __attribute__((vector_size(16)));
static inline void route_first_max4(const float* p0, const float* p1, const float* p2, const float* p3, const float* g,
                                    float* d0, float* d1, float* d2, float* d3) {
  v4f v0, v1, v2, v3, gv;
  std::memcpy(&v0, p0, 16); std::memcpy(&v1, p1, 16); std::memcpy(&v2, p2, 16); std::memcpy(&v3, p3, 16);
  std::memcpy(&gv, g, 16);
  v4f m01 = v0 > v1 ? v0 : v1, m23 = v2 > v3 ? v2 : v3;
  v4f m = m01 > m23 ? m01 : m23;
  v4i left = ~(v4i){0, 0, 0, 0};
  v4i e0 = (v0 == m) & left; left &= ~e0;
  v4i e1 = (v1 == m) & left; left &= ~e1;
  v4i e2 = (v2 == m) & left; left &= ~e2;
  v4i bits = (v4i)gv;
  v4f o0 = (v4f)(bits & e0), o1 = (v4f)(bits & e1), o2 = (v4f)(bits & e2), o3 = (v4f)(bits & left);
  std::memcpy(d0, &o0, 16); std::memcpy(d1, &o1, 16); std::memcpy(d2, &o2, 16); std::memcpy(d3, &o3, 16);
}

// dy goes to the first maximum in window order (top-left, top-right, bottom-left, bottom-right).
static void max_pool_grad_2x2(const PoolShape& s, const float* x, const float* dy, float* dx) {
#pragma omp parallel for collapse(2) schedule(static)
  for (int n = 0; n < s.n; ++n)
    for (int oh = 0; oh < s.oh; ++oh) {
      const long row0 = (((long)n * s.h + 2 * oh) * s.w) * s.c, row1 = row0 + (long)s.w * s.c;
      const float* g = dy + (((long)n * s.oh + oh) * s.ow) * s.c;
      for (int ow = 0; ow < s.ow; ++ow) {
        const long o0 = row0 + 2L * ow * s.c, o1 = row1 + 2L * ow * s.c;
        const float* __restrict a = x + o0;
        const float* __restrict b = x + o1;
        const float* __restrict gp = g + (long)ow * s.c;
        float* __restrict da = dx + o0;
        float* __restrict db = dx + o1;
        int c = 0;
        for (; c + 4 <= s.c; c += 4) route_first_max4(a + c, a + c + s.c, b + c, b + c + s.c, gp + c, da + c, da + c + s.c, db + c, db + c + s.c);
        for (; c < s.c; ++c) {
          const float v0 = a[c], v1 = a[c + s.c], v2 = b[c], v3 = b[c + s.c];
          const float m = std::max(std::max(v0, v1), std::max(v2, v3));
          const bool s0 = v0 == m, s1 = !s0 && v1 == m, s2 = !s0 && !s1 && v2 == m;
          da[c] = s0 ? gp[c] : 0.f;
          da[c + s.c] = s1 ? gp[c] : 0.f;
          db[c] = s2 ? gp[c] : 0.f;
          db[c + s.c] = !s0 && !s1 && !s2 ? gp[c] : 0.f;
        }
      }
    }
}

void max_pool_grad(const PoolShape& s, const float* x, const float* dy, float* dx) {
  if (is_2x2_tiling(s)) return max_pool_grad_2x2(s, x, dy, dx);
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
