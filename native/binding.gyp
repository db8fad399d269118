# Builds the `native` tfjs backend's addon (see README.md beside this file).
# Needs Debian's libdnnl-dev (oneDNN 2.6.3) and libopenblas-openmp-dev: both use GNU OpenMP, so the
# process has a single OpenMP thread pool. x86-64-v2 baseline (never -march=native: CI may run on another
# CPU); oneDNN and OpenBLAS pick AVX2/AVX-512 kernels at run time, and our own loops are memory-bound.
# -ffp-contract=off: with FMA contraction (the AVX-512 clones have FMA) a vectorised loop and its scalar
# fallback round differently, and which one runs depends on where the arrays lie, so the same seed gave
# results differing in the last bits from process to process (test/engine-native-optimizer.test.ts).
{
  "targets": [
    {
      "target_name": "fmnist_native",
      "sources": [
        "src/addon.cc",
        "src/runtime.cc",
        "src/conv.cc",
        "src/gemm.cc",
        "src/pool.cc",
        "src/eltwise.cc",
        "src/reduce.cc",
        "src/batchnorm.cc",
        "src/optim.cc",
        "src/signal_probe.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "/usr/include/x86_64-linux-gnu/openblas-openmp"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions", "-O2", "-O0"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-O2", "-O0"],
      "cflags_cc": ["-std=c++17", "-O3", "-march=x86-64-v2", "-fopenmp", "-fexceptions", "-fno-math-errno", "-ffp-contract=off"],
      # The OpenMP build of OpenBLAS by path (rpath too): the libopenblas.so.0 alternative in the
      # default search path may point at the pthreads build, which would bring a second thread pool.
      "ldflags": ["-fopenmp", "-L/usr/lib/x86_64-linux-gnu/openblas-openmp", "-Wl,-rpath,/usr/lib/x86_64-linux-gnu/openblas-openmp"],
      "libraries": ["-ldnnl", "-lopenblas", "-lgomp"]
    }
  ]
}
