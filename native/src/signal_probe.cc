// A stand-in for a sampling profiler: SIGPROF every few microseconds of CPU time, delivered to
// whichever thread is running (OpenMP workers included). Used by the tests to show that the math
// libraries survive signals arriving mid-call (Debian's oneDNN 2.6.3 sgemm did not).
#include <signal.h>
#include <sys/time.h>
#include <atomic>
#include "kernels.h"

namespace fm {

static std::atomic<long> g_signals{0};
static struct sigaction g_previous;

static void on_signal(int) { g_signals.fetch_add(1, std::memory_order_relaxed); }

void signal_storm_start(int interval_us) {
  g_signals = 0;
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGPROF, &sa, &g_previous);
  struct itimerval t {};
  t.it_interval.tv_usec = interval_us;
  t.it_value.tv_usec = interval_us;
  setitimer(ITIMER_PROF, &t, nullptr);
}

long signal_storm_stop() {
  struct itimerval t {};
  setitimer(ITIMER_PROF, &t, nullptr);
  sigaction(SIGPROF, &g_previous, nullptr);
  return g_signals.load();
}

}  // namespace fm
