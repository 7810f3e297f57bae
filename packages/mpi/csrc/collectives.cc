#include "collectives.h"

#include <mpi.h>

#include "turns.h"

namespace dftmpi {

namespace {

/**
 * One block of `count` floats whose next block starts `stride` floats later: lets one allgather call place a
 * chunk of every rank's block when the blocks themselves are longer than an int can count.
 */
class StridedBlock {
 public:
  StridedBlock(int count, int64_t stride) {
    MPI_Type_contiguous(count, MPI_FLOAT, &contiguous_);
    MPI_Type_create_resized(contiguous_, 0, static_cast<MPI_Aint>(stride) * static_cast<MPI_Aint>(sizeof(float)), &type_);
    MPI_Type_commit(&type_);
  }
  ~StridedBlock() {
    MPI_Type_free(&type_);
    MPI_Type_free(&contiguous_);
  }
  MPI_Datatype type() const { return type_; }

 private:
  MPI_Datatype contiguous_ = MPI_DATATYPE_NULL;
  MPI_Datatype type_ = MPI_DATATYPE_NULL;
};

int call(const Collective& c) {
  float* a = static_cast<float*>(c.a) + (c.kind == Kind::Broadcast ? 0 : c.offset);
  float* b = static_cast<float*>(c.b);
  switch (c.kind) {
    case Kind::AllreduceSum:
      return MPI_Allreduce(MPI_IN_PLACE, a, c.count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    case Kind::Broadcast:
      return MPI_Bcast(static_cast<uint8_t*>(c.a) + c.offset, c.count, MPI_BYTE, c.root, MPI_COMM_WORLD);
    case Kind::Barrier:
      return MPI_Barrier(MPI_COMM_WORLD);
    case Kind::ReduceScatterSum: {
      if (c.stride == c.count) return MPI_Reduce_scatter_block(a, b + c.offset, c.count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
      // A chunk of blocks longer than an int can count: predefined reductions do not take the strided datatype
      // (Open MPI answers MPI_ERR_OP), so each block's chunk is reduced to its rank.
      int rank = 0, size = 1;
      MPI_Comm_rank(MPI_COMM_WORLD, &rank);
      MPI_Comm_size(MPI_COMM_WORLD, &size);
      for (int r = 0; r < size; r++) {
        int rc = MPI_Reduce(a + r * c.stride, r == rank ? b + c.offset : nullptr, c.count, MPI_FLOAT, MPI_SUM, r, MPI_COMM_WORLD);
        if (rc != MPI_SUCCESS) return rc;
      }
      return MPI_SUCCESS;
    }
    case Kind::Allgather:
      if (c.stride == c.count) return MPI_Allgather(a, c.count, MPI_FLOAT, b + c.offset, c.count, MPI_FLOAT, MPI_COMM_WORLD);
      {
        StridedBlock block(c.count, c.stride);
        return MPI_Allgather(a, c.count, MPI_FLOAT, b + c.offset, 1, block.type(), MPI_COMM_WORLD);
      }
  }
  return MPI_ERR_OP;
}

}  // namespace

const char* name(Kind kind) {
  switch (kind) {
    case Kind::AllreduceSum: return "allreduceSum";
    case Kind::Broadcast: return "broadcast";
    case Kind::ReduceScatterSum: return "reduceScatterSum";
    case Kind::Allgather: return "allgather";
    case Kind::Barrier: return "barrier";
  }
  return "collective";
}

std::string run(const Collective& c, uint64_t turn) {
  turns().wait(turn);
  int rc = call(c);
  turns().done();
  if (rc == MPI_SUCCESS) return "";
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(rc, text, &length);
  return std::string(name(c.kind)) + ": " + std::string(text, length);
}

Turns& turns() {
  static Turns order;
  return order;
}

}  // namespace dftmpi
