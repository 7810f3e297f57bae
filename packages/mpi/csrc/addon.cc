// N-API binding of @dft/mpi: MPI start-up and shutdown, and one entry point for every collective (src/mpi.ts
// validates the arguments and chunks the lengths; the checks here only keep a bad call from touching memory
// outside its arrays).
#include <mpi.h>
#include <napi.h>

#include <mutex>
#include <string>

#include "collectives.h"
#include "turns.h"

namespace dftmpi {
namespace {

struct World {
  bool initialized = false;
  bool finalized = false;
  int rank = 0, size = 1, localRank = 0, localSize = 1, threadLevel = 0;
  std::string processorName, library;
};

std::mutex worldMutex;
World world;  // one per process, whichever JS thread loads the addon first

std::string firstLine(const char* text) {
  std::string s(text);
  size_t end = s.find('\n');
  return end == std::string::npos ? s : s.substr(0, end);
}

const char* levelName(int level) {
  switch (level) {
    case MPI_THREAD_SINGLE: return "single";
    case MPI_THREAD_FUNNELED: return "funneled";
    case MPI_THREAD_SERIALIZED: return "serialized";
    case MPI_THREAD_MULTIPLE: return "multiple";
  }
  return "unknown";
}

/** MPI_Init_thread once per process; later calls (other threads, reloads) return the same world. */
Napi::Value Init(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::lock_guard<std::mutex> lock(worldMutex);
  if (world.finalized) throw Napi::Error::New(env, "MPI has been finalized in this process (MPI cannot be initialised twice)");
  if (!world.initialized) {
    int already = 0;
    MPI_Initialized(&already);
    // Collectives run on libuv's pool threads and on the threads that call the Sync ones, one at a time (turns.h):
    // MPI_THREAD_SERIALIZED is what that needs.
    if (!already && MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &world.threadLevel) != MPI_SUCCESS) {
      throw Napi::Error::New(env, "MPI_Init_thread failed");
    }
    if (already) MPI_Query_thread(&world.threadLevel);
    if (world.threadLevel < MPI_THREAD_SERIALIZED) {
      MPI_Finalize();
      world.finalized = true;
      throw Napi::Error::New(env, std::string("the MPI library provides only MPI_THREAD_") + levelName(world.threadLevel) +
                                      " (MPI_THREAD_SERIALIZED is needed to run collectives off the JS thread)");
    }
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &world.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &world.size);
    MPI_Comm local;
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, world.rank, MPI_INFO_NULL, &local);
    MPI_Comm_rank(local, &world.localRank);
    MPI_Comm_size(local, &world.localSize);
    MPI_Comm_free(&local);
    char name[MPI_MAX_PROCESSOR_NAME];
    int nameLength = 0;
    MPI_Get_processor_name(name, &nameLength);
    world.processorName.assign(name, nameLength);
    char version[MPI_MAX_LIBRARY_VERSION_STRING];
    int versionLength = 0;
    MPI_Get_library_version(version, &versionLength);
    world.library = firstLine(std::string(version, versionLength).c_str());
    world.initialized = true;
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("rank", world.rank);
  o.Set("size", world.size);
  o.Set("localRank", world.localRank);
  o.Set("localSize", world.localSize);
  o.Set("processorName", world.processorName);
  o.Set("library", world.library);
  o.Set("threadLevel", levelName(world.threadLevel));
  return o;
}

void RequireRunning(Napi::Env env) {
  std::lock_guard<std::mutex> lock(worldMutex);
  if (!world.initialized || world.finalized) {
    throw Napi::Error::New(env, world.finalized ? "MPI has been finalized: no collective may follow" : "MPI is not initialised");
  }
}

/** Runs one collective on libuv's pool and settles a promise. Holds the arrays so they outlive the call. */
class CollectiveWorker : public Napi::AsyncWorker {
 public:
  CollectiveWorker(Napi::Env env, const Collective& c, Napi::Value a, Napi::Value b)
      : Napi::AsyncWorker(env, name(c.kind)), collective_(c), turn_(turns().take()), deferred_(Napi::Promise::Deferred::New(env)) {
    if (a.IsObject()) a_ = Napi::Persistent(a.As<Napi::Object>());
    if (b.IsObject()) b_ = Napi::Persistent(b.As<Napi::Object>());
  }
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    std::string error = run(collective_, turn_);
    if (!error.empty()) SetError(error);
  }
  void OnOK() override { deferred_.Resolve(Env().Undefined()); }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Collective collective_;
  uint64_t turn_;
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference a_, b_;
};

/** Bytes of a typed array argument (or 0 for null), and its data pointer. */
size_t ArrayBytes(Napi::Value v, void** data, bool float32) {
  if (v.IsNull() || v.IsUndefined()) return 0;
  if (!v.IsTypedArray()) throw Napi::TypeError::New(v.Env(), "expected a typed array");
  Napi::TypedArray t = v.As<Napi::TypedArray>();
  if (float32 && t.TypedArrayType() != napi_float32_array) throw Napi::TypeError::New(v.Env(), "expected a Float32Array");
  *data = static_cast<uint8_t*>(t.ArrayBuffer().Data()) + t.ByteOffset();
  return t.ByteLength();
}

/**
 * collective(kind, a, b, offset, count, stride, root, async): see collectives.h for the meaning of each field.
 * Returns a promise when `async`, else blocks this thread until the collective is done.
 */
Napi::Value RunCollective(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireRunning(env);
  Collective c;
  c.kind = static_cast<Kind>(info[0].As<Napi::Number>().Int32Value());
  bool bytes = c.kind == Kind::Broadcast;
  size_t aBytes = ArrayBytes(info[1], &c.a, !bytes);
  size_t bBytes = ArrayBytes(info[2], &c.b, true);
  c.offset = info[3].As<Napi::Number>().Int64Value();
  int64_t count = info[4].As<Napi::Number>().Int64Value();
  c.stride = info[5].As<Napi::Number>().Int64Value();
  c.root = info[6].As<Napi::Number>().Int32Value();
  bool async = info[7].As<Napi::Boolean>().Value();
  if (count < 0 || count > INT32_MAX || c.offset < 0 || c.stride < count) throw Napi::RangeError::New(env, std::string(name(c.kind)) + ": bad chunk");
  c.count = static_cast<int>(count);
  int64_t unit = bytes ? 1 : sizeof(float);
  int64_t last = (world.size - 1) * c.stride;  // start of the last rank's block in a strided array
  int64_t aNeeds = (c.kind == Kind::ReduceScatterSum ? last : 0) + c.offset + count;
  int64_t bNeeds = c.kind == Kind::Allgather ? last + c.offset + count : c.kind == Kind::ReduceScatterSum ? c.offset + count : 0;
  if (c.kind != Kind::Barrier && aNeeds * unit > static_cast<int64_t>(aBytes)) throw Napi::RangeError::New(env, std::string(name(c.kind)) + ": chunk past the end of the input");
  if (bNeeds * unit > static_cast<int64_t>(bBytes)) throw Napi::RangeError::New(env, std::string(name(c.kind)) + ": chunk past the end of the output");
  if (async) {
    // Turn and queue position are taken together, so that the pool (first in, first out) never holds a later turn
    // of one thread ahead of an earlier turn of another: a pool thread waiting for its turn always waits for work
    // that is already running or queued before it.
    static std::mutex issuing;
    std::lock_guard<std::mutex> lock(issuing);
    auto* worker = new CollectiveWorker(env, c, info[1], info[2]);
    Napi::Promise p = worker->Promise();
    worker->Queue();
    return p;
  }
  std::string error = run(c, turns().take());
  if (!error.empty()) throw Napi::Error::New(env, error);
  return env.Undefined();
}

/** MPI_Finalize; false (and nothing done) while a collective is still unfinished. */
Napi::Value Finalize(const Napi::CallbackInfo& info) {
  std::lock_guard<std::mutex> lock(worldMutex);
  if (!world.initialized || world.finalized) return Napi::Boolean::New(info.Env(), true);
  if (!turns().idle()) return Napi::Boolean::New(info.Env(), false);
  world.finalized = true;
  MPI_Finalize();
  return Napi::Boolean::New(info.Env(), true);
}

/** MPI_Abort(MPI_COMM_WORLD, code): the launcher stops every rank. Does not return when MPI is running. */
Napi::Value Abort(const Napi::CallbackInfo& info) {
  int code = info[0].As<Napi::Number>().Int32Value();
  if (world.initialized && !world.finalized) MPI_Abort(MPI_COMM_WORLD, code);
  return info.Env().Undefined();
}

}  // namespace

Napi::Object Module(Napi::Env env, Napi::Object exports) {
  exports.Set("init", Napi::Function::New(env, Init));
  exports.Set("collective", Napi::Function::New(env, RunCollective));
  exports.Set("finalize", Napi::Function::New(env, Finalize));
  exports.Set("abort", Napi::Function::New(env, Abort));
  Napi::Object kinds = Napi::Object::New(env);
  kinds.Set("allreduceSum", static_cast<int>(Kind::AllreduceSum));
  kinds.Set("broadcast", static_cast<int>(Kind::Broadcast));
  kinds.Set("reduceScatterSum", static_cast<int>(Kind::ReduceScatterSum));
  kinds.Set("allgather", static_cast<int>(Kind::Allgather));
  kinds.Set("barrier", static_cast<int>(Kind::Barrier));
  exports.Set("kinds", kinds);
  return exports;
}

}  // namespace dftmpi

static Napi::Object RegisterModule(Napi::Env env, Napi::Object exports) { return dftmpi::Module(env, exports); }

NODE_API_MODULE(dft_mpi, RegisterModule)
