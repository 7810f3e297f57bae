// One call of an MPI collective on MPI_COMM_WORLD, described by plain values so that it can run on any thread.
#pragma once
#include <cstdint>
#include <string>

namespace dftmpi {

enum class Kind { AllreduceSum, Broadcast, ReduceScatterSum, Allgather, Barrier };

/**
 * `count` elements (float32, or bytes for Broadcast) at element `offset` of `a` (in place) or from `a` to `b`.
 * For ReduceScatterSum the input `a` holds one block per rank, `stride` elements apart, and rank r receives the sum
 * of every rank's `a[r*stride + offset ..+count)` in `b[offset ..+count)`; Allgather is the reverse (rank r's
 * `a[offset ..+count)` lands in everyone's `b[r*stride + offset ..+count)`). `count` fits an int: the caller chunks.
 */
struct Collective {
  Kind kind;
  void* a = nullptr;
  void* b = nullptr;
  int64_t offset = 0;
  int count = 0;
  int64_t stride = 0;
  int root = 0;
};

/** Runs `c` when its turn comes; returns an empty string, or MPI's message for the failure. */
std::string run(const Collective& c, uint64_t turn);

/** The collective's name as the JS API spells it, for error messages. */
const char* name(Kind kind);

}  // namespace dftmpi
