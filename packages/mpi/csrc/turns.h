// Collectives in issue order, one at a time.
//
// MPI requires every rank to enter the collectives of a communicator in the same order, and the library is
// initialised with MPI_THREAD_SERIALIZED (never two MPI calls at once). Async collectives run on libuv's pool,
// whose threads may pick up queued work in any order and in parallel, and Sync ones run on whichever thread calls
// them. So each collective takes a numbered turn when it is issued (on the issuing thread, in program order) and
// its MPI call waits until every earlier turn has finished.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace dftmpi {

class Turns {
 public:
  /** Numbers the next collective; called on the issuing thread, before it is queued. */
  uint64_t take() {
    std::lock_guard<std::mutex> lock(mutex_);
    return issued_++;
  }

  /** Blocks until `turn` is the next to run. */
  void wait(uint64_t turn) {
    std::unique_lock<std::mutex> lock(mutex_);
    ready_.wait(lock, [&] { return serving_ == turn; });
  }

  /** Lets the next turn run. */
  void done() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      serving_++;
    }
    ready_.notify_all();
  }

  /** True when no collective is issued and unfinished (finalize must not pull MPI from under one). */
  bool idle() {
    std::lock_guard<std::mutex> lock(mutex_);
    return serving_ == issued_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  uint64_t issued_ = 0;
  uint64_t serving_ = 0;
};

/** One process-wide order, shared by every JS thread that loads the addon. */
Turns& turns();

}  // namespace dftmpi
