#include "heap_limit_dump.h"

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <ctime>
#include <utility>
#include <vector>

#include "top_text.h"

namespace tracemalloc {

namespace {

// One line on stderr, with write(2): no JS, no stdio buffer.
void Say(const std::string& message) {
  const std::string line = "node-tracemalloc: " + message + "\n";
  size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = write(2, line.data() + done, line.size() - done);
    if (n <= 0) return;  // stderr closed: nowhere left to say it
    done += static_cast<size_t>(n);
  }
}

std::string IsoTime(double ms) {
  const auto seconds = static_cast<time_t>(ms / 1000);
  struct tm utc;
  char text[32] = "";
  if (gmtime_r(&seconds, &utc) != nullptr) {
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  }
  return text;
}

const char* const kViews[] = {"live", "allocated", "peak"};

}  // namespace

HeapLimitDump::HeapLimitDump(v8::Isolate* isolate, Builder build)
    : isolate_(isolate), build_(std::move(build)) {}

void HeapLimitDump::Arm(std::string path, DumpInfo info) {
  path_ = std::move(path);
  info_ = info;
  if (!registered_) {
    isolate_->AddNearHeapLimitCallback(OnNearLimit, this);
    registered_ = true;
  }
}

void HeapLimitDump::Disarm() {
  // V8 aborts on removing a callback it does not hold: only ours, once.
  if (!registered_) return;
  registered_ = false;
  isolate_->RemoveNearHeapLimitCallback(OnNearLimit, 0);
}

size_t HeapLimitDump::OnNearLimit(void* data, size_t current_limit,
                                  size_t initial_limit) {
  auto* self = static_cast<HeapLimitDump*>(data);
  // Above the current limit, or V8 ends the process at once.
  const size_t raised = current_limit + kHeadroom;
  // Called again from inside our own write (V8 collecting for the names it
  // makes): the raise alone.
  if (self->writing_) return raised;
  self->writing_ = true;
  self->Write(current_limit);
  // Once per process (Node removes its own the same way, from inside).
  self->Disarm();
  self->isolate_->AutomaticallyRestoreInitialHeapLimit(0.95);
  self->writing_ = false;
  static_cast<void>(initial_limit);
  return raised;
}

void HeapLimitDump::Write(size_t limit) noexcept {
  try {
    v8::HandleScope scope(isolate_);
    v8::HeapStatistics heap;
    isolate_->GetHeapStatistics(&heap);
    DumpInfo info = info_;
    info.timestamp_ms = static_cast<double>(
        std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::system_clock::now().time_since_epoch())
            .count());
    std::unique_ptr<ProfileTable> table = build_(&info);
    const std::string when =
        "the JS heap neared its limit (" +
        FormatSize(static_cast<double>(heap.used_heap_size())) +
        " used; the old generation's limit: " +
        FormatSize(static_cast<double>(limit)) + ")";
    if (!table) {
      Say(when + ", but tracing had stopped: no dump");
      return;
    }
    const TableColumns columns = table->Columns();
    const std::vector<uint8_t> bytes = EncodeDump(columns, info);
    if (bytes.empty()) {
      Say(when +
          ": cannot write the dump: its strings pass the format's 4 GiB limit");
      return;
    }
    std::string error = WriteFileAtomic(path_, bytes);
    if (!error.empty()) {
      Say(when + ": cannot write the dump: " + error);
      return;
    }
    const TopLines top = TopByLine(columns, kTopLines);
    const bool exact = info.interval <= 1;
    std::string text =
        "node-tracemalloc: " + when + " in process " +
        std::to_string(getpid()) + " (thread " + std::to_string(info.domain) +
        ") at " + IsoTime(info.timestamp_ms) +
        "\nDump: " + EscapeControlChars(path_) +
        " (tracemalloc top, diff, export read it)\n" + "Top " +
        std::to_string(top.lines.size()) + " of " + std::to_string(top.keys) +
        " lines by size; " +
        (exact ? std::string("exact: every allocation recorded")
               : "estimated: sampled every " + FormatSize(info.interval)) +
        ", traceback limit " + std::to_string(info.traceback_limit) +
        " frames; " + (exact ? "" : "~") + FormatSize(top.size) + " in " +
        (exact ? "" : "~") +
        std::to_string(static_cast<uint64_t>(top.count + 0.5)) +
        " objects\nview: " + kViews[info.view < 3 ? info.view : 0] + "\n\n";
    for (const std::string& line : top.lines) text += line + "\n";
    error = WriteFileAtomic(path_ + ".txt",
                            std::vector<uint8_t>(text.begin(), text.end()));
    Say(when + ": wrote " + path_ +
        (error.empty() ? " and its top lines, " + path_ + ".txt"
                       : "; cannot write its top lines: " + error));
  } catch (...) {
    // std::bad_alloc, most likely: the process is short of memory. A literal:
    // building a message could throw again.
    static const char kLine[] =
        "node-tracemalloc: the JS heap neared its limit: cannot write the "
        "dump (out of memory)\n";
    static_cast<void>(write(2, kLine, sizeof kLine - 1));
  }
}

}  // namespace tracemalloc
