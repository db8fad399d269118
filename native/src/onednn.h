// The oneDNN engine and stream the addon's primitives share (conv.cc, gemm.cc).
#pragma once
#include <dnnl.hpp>

namespace fm {
dnnl::engine& cpu_engine();
dnnl::stream& cpu_stream();
}  // namespace fm
