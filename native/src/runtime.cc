// Process-wide runtime settings: glibc malloc tuning, the OpenMP pool, library versions.
#include <malloc.h>
#include <omp.h>
#include <cblas.h>
#include <dnnl.hpp>
#include <cstdio>
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
