// HeapLimitDump: a dump of the traces, and their top lines as text, written
// when V8 is about to run out of JS heap (Isolate::AddNearHeapLimitCallback),
// the moment JS can no longer be trusted to run. Everything happens in C++,
// in the callback: a walk of V8's profile into a ProfileTable, the .ntm bytes
// (native/dump_writer.h), the text (native/top_text.h), POSIX writes.
//
// As Node's --heapsnapshot-near-heap-limit (src/env.cc), the callback raises
// the limit for the moment, by kHeadroom: V8 itself allocates a little while
// it hands over the profile (the handles and internalized names of
// GetAllocationProfile). It fires once: it removes itself, so the program
// then runs out of memory as it would have, kHeadroom later, or gets the
// initial limit back if its heap falls under 95% of it
// (AutomaticallyRestoreInitialHeapLimit). V8 calls only the callback added
// last; once ours is gone, an earlier one (a worker's, which ends the worker
// with ERR_WORKER_OUT_OF_MEMORY) has its turn again.
#ifndef TRACEMALLOC_HEAP_LIMIT_DUMP_H_
#define TRACEMALLOC_HEAP_LIMIT_DUMP_H_

#include <v8.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "dump_writer.h"
#include "profile_table.h"

namespace tracemalloc {

class HeapLimitDump {
 public:
  // The table of the sampler's current profile, with the info fields it
  // knows (traceback limit, interval, session, view) filled in; null when
  // not tracing or the sampler is not ours any more. Called in the callback,
  // on the isolate's thread, inside a HandleScope.
  using Builder = std::function<std::unique_ptr<ProfileTable>(DumpInfo*)>;

  // What the limit is raised by while we write (and after, until the
  // program's heap fills that too).
  static constexpr size_t kHeadroom = 16 * 1024 * 1024;
  // Lines in the text beside the dump.
  static constexpr size_t kTopLines = 20;

  HeapLimitDump(v8::Isolate* isolate, Builder build);
  ~HeapLimitDump() { Disarm(); }
  HeapLimitDump(const HeapLimitDump&) = delete;
  HeapLimitDump& operator=(const HeapLimitDump&) = delete;

  // Writes to `path` (absolute) and `path` + ".txt" when the heap nears its
  // limit; `info` gives the domain and the inlining. Replaces an earlier Arm.
  void Arm(std::string path, DumpInfo info);
  void Disarm();
  bool armed() const { return registered_; }

 private:
  static size_t OnNearLimit(void* data, size_t current_limit,
                            size_t initial_limit);
  void Write(size_t limit) noexcept;

  v8::Isolate* isolate_;
  Builder build_;
  std::string path_;
  DumpInfo info_;
  bool registered_ = false;
  bool writing_ = false;
};

}  // namespace tracemalloc

#endif  // TRACEMALLOC_HEAP_LIMIT_DUMP_H_
