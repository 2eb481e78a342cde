// Splitting a kernel's work over XLA's intra-op thread pool.
#ifndef TORCHJAX_CSRC_PARALLEL_H_
#define TORCHJAX_CSRC_PARALLEL_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>

#include "xla/ffi/api/ffi.h"

namespace torchjax {

// Runs fn(part, begin, end) over [0, n) in `parts` contiguous chunks, on this thread and on XLA's pool. The
// calling thread may itself be one of the pool's threads, and so may every other thread busy in such a call:
// so it never waits for a task that has not started. Chunks go to whichever thread claims them first, and it
// waits only for chunks that other threads are running. A task that starts after all chunks are claimed returns.
template <typename F>
void parallel_chunks(xla::ffi::ThreadPool& pool, int64_t n, int64_t parts, F fn) {
  if (parts <= 1) {
    fn(0, 0, n);
    return;
  }
  struct Progress {
    std::atomic<int64_t> next{0}, done{0};
    std::mutex mu;
    std::condition_variable cv;
  };
  auto progress = std::make_shared<Progress>();
  auto work = [progress, parts, n, &fn] {  // fn is only touched for a claimed chunk, which the caller waits for
    for (int64_t p; (p = progress->next.fetch_add(1)) < parts;) {
      fn(p, n * p / parts, n * (p + 1) / parts);
      if (progress->done.fetch_add(1) + 1 == parts) {
        std::lock_guard<std::mutex> lock(progress->mu);
        progress->cv.notify_all();
      }
    }
  };
  for (int64_t p = 1; p < parts; ++p) pool.Schedule(decltype(work)(work));
  work();
  std::unique_lock<std::mutex> lock(progress->mu);
  progress->cv.wait(lock, [&] { return progress->done.load() == parts; });
}

}  // namespace torchjax

#endif  // TORCHJAX_CSRC_PARALLEL_H_
