// Process-wide runtime settings: glibc malloc tuning, the OpenMP pool, library versions.
#include <malloc.h>
#include <omp.h>
#include <cblas.h>
#include <dnnl.hpp>
#include <cstdio>
#include <cstdlib>
#include "kernels.h"

namespace fm {

// tfjs allocates a fresh Float32Array for every kernel output (MBs per conv layer). With glibc's
// defaults those large blocks are mmap'ed and unmapped each time, and every page faults on first use;
// keeping them on the heap (mmap threshold at its 32 MiB maximum, no eager trimming) measured +5-15 %
// images/s in training.
void tune_malloc() {
  mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
  mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024);
  mallopt(M_TOP_PAD, 16 * 1024 * 1024);
}

int omp_threads() { return omp_get_max_threads(); }

// Measured on the 2-core machines (single-image small-CNN latency; the MLP's training step, where
// 8 MFLOP products ran in 85-90 us on one thread and 110-200 us on two): see native/README.md.
// FMNIST_NATIVE_SERIAL_WORK overrides it (0 turns it off) for measuring.
static double serial_work() {
  static const double v = [] {
    const char* e = std::getenv("FMNIST_NATIVE_SERIAL_WORK");
    return e != nullptr ? std::atof(e) : 3e7;
  }();
  return v;
}

SerialIfSmall::SerialIfSmall(double work) {
  if (work < serial_work() && !omp_in_parallel()) {
    const int threads = omp_get_max_threads();
    if (threads > 1) {
      omp_set_num_threads(1);
      restore_ = threads;
    }
  }
}

SerialIfSmall::~SerialIfSmall() {
  if (restore_ > 0) omp_set_num_threads(restore_);
}

std::string onednn_version() {
  const dnnl_version_t* v = dnnl_version();
  char buf[64];
  std::snprintf(buf, sizeof buf, "%d.%d.%d", v->major, v->minor, v->patch);
  return buf;
}

std::string openblas_info() {
  return openblas_get_config();
}

}  // namespace fm
