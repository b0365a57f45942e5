#include "dump_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

namespace tracemalloc {

namespace {

// lib/model/dump/layout.ts, in the same order.
constexpr char kMagic[8] = {'N', 'T', 'M', 'A', 'L', 'L', 'O', 'C'};
constexpr uint16_t kFormatVersion = 2;
constexpr uint16_t kFlagZlib = 0x0001;
constexpr size_t kHeaderSize = 36;
constexpr size_t kInfoSize = 56;
constexpr int kLevel = 1;  // lib/model/dump/container.ts DEFAULT_LEVEL

void PutU8(std::vector<uint8_t>* out, uint8_t v) { out->push_back(v); }
void PutU16(std::vector<uint8_t>* out, uint16_t v) {
  for (int i = 0; i < 2; i++)
    out->push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void PutU32(std::vector<uint8_t>* out, uint32_t v) {
  for (int i = 0; i < 4; i++)
    out->push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void PutU64(std::vector<uint8_t>* out, uint64_t v) {
  for (int i = 0; i < 8; i++)
    out->push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void PutF64(std::vector<uint8_t>* out, double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  PutU64(out, bits);
}
template <typename T>
void PutColumn(std::vector<uint8_t>* out, const T& column) {
  for (auto v : column) {
    if constexpr (sizeof(v) == 8) {
      PutF64(out, v);
    } else {
      PutU32(out, static_cast<uint32_t>(v));
    }
  }
}

uint32_t Crc32(const uint8_t* data, size_t length) {
  uLong crc = crc32(0L, Z_NULL, 0);
  while (length > 0) {  // uInt lengths: 4 GiB at a time
    const uInt chunk =
        length > 0x40000000 ? 0x40000000 : static_cast<uInt>(length);
    crc = crc32(crc, data, chunk);
    data += chunk;
    length -= chunk;
  }
  return static_cast<uint32_t>(crc);
}

// zlib's format (RFC 1950), as Node's zlib.deflateSync writes; false on
// failure.
bool Deflate(const std::vector<uint8_t>& in, std::vector<uint8_t>* out) {
  if (in.size() > 0x7fffffff) return false;
  uLongf length = compressBound(static_cast<uLong>(in.size()));
  out->resize(length);
  if (compress2(out->data(), &length, in.data(), static_cast<uLong>(in.size()),
                kLevel) != Z_OK) {
    return false;
  }
  out->resize(length);
  return true;
}

bool WriteAll(int fd, const uint8_t* data, size_t length) {
  while (length > 0) {
    const ssize_t n = write(fd, data, length);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += n;
    length -= static_cast<size_t>(n);
  }
  return true;
}

std::string Failed(const char* what, const std::string& path) {
  return std::string(what) + " " + path + ": " + std::strerror(errno);
}

}  // namespace

std::string ValidUtf8(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char c = p[i];
    size_t len = 0;
    uint32_t min = 0, cp = 0;
    if (c < 0x80) {
      len = 1;
      cp = c;
    } else if ((c & 0xe0) == 0xc0) {
      len = 2, min = 0x80, cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3, min = 0x800, cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4, min = 0x10000, cp = c & 0x07;
    }
    bool ok = len > 0 && i + len <= n;
    for (size_t k = 1; ok && k < len; k++) {
      if ((p[i + k] & 0xc0) != 0x80) ok = false;
      cp = (cp << 6) | (p[i + k] & 0x3f);
    }
    // Overlong forms, surrogates and code points past U+10FFFF are invalid.
    if (ok && (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))) {
      ok = false;
    }
    if (ok) {
      out.append(s, i, len);
      i += len;
    } else {
      out.append("\xef\xbf\xbd");
      i += 1;
    }
  }
  return out;
}

std::vector<uint8_t> EncodeDump(const TableColumns& t, const DumpInfo& info) {
  std::vector<std::string> strings;
  strings.reserve(t.strings.size());
  uint64_t string_bytes = 0;
  for (const std::string& s : t.strings) {
    strings.push_back(ValidUtf8(s));
    string_bytes += strings.back().size();
  }
  // The format's limit (lib/model/dump/payload.ts throws there): no dump at
  // all.
  if (string_bytes > 0xffffffffu) return {};
  std::vector<uint8_t> payload;
  payload.reserve(kInfoSize + 4 * strings.size() + string_bytes +
                  24 * t.frame_name.size() + 8 * t.stack_frame.size() +
                  32 * t.sample_stack.size());
  PutU32(&payload, info.traceback_limit);
  PutF64(&payload, info.interval);
  PutF64(&payload, info.timestamp_ms);
  PutU32(&payload, static_cast<uint32_t>(strings.size()));
  PutU32(&payload, static_cast<uint32_t>(string_bytes));
  PutU32(&payload, static_cast<uint32_t>(t.frame_name.size()));
  PutU32(&payload, static_cast<uint32_t>(t.stack_frame.size()));
  PutU32(&payload, static_cast<uint32_t>(t.sample_stack.size()));
  PutF64(&payload, info.session);
  PutU8(&payload, info.view);
  PutU8(&payload, info.inlining);
  payload.resize(kInfoSize, 0);  // 6 reserved bytes
  for (const std::string& s : strings) {
    PutU32(&payload, static_cast<uint32_t>(s.size()));
  }
  for (const std::string& s : strings)
    payload.insert(payload.end(), s.begin(), s.end());
  PutColumn(&payload, t.frame_name);
  PutColumn(&payload, t.frame_file);
  PutColumn(&payload, t.frame_line);
  PutColumn(&payload, t.frame_column);
  PutColumn(&payload, t.frame_script_id);
  PutColumn(&payload, t.frame_start);
  PutColumn(&payload, t.stack_frame);
  PutColumn(&payload, t.stack_parent);
  PutColumn(&payload, t.sample_stack);
  PutColumn(&payload, t.sample_size);
  PutColumn(&payload, t.sample_count);
  PutColumn(&payload, t.sample_id);
  for (size_t i = 0; i < t.sample_stack.size(); i++)
    PutU32(&payload, info.domain);

  std::vector<uint8_t> body;
  const bool deflated = Deflate(payload, &body);
  std::vector<uint8_t> file;
  file.reserve(kHeaderSize + (deflated ? body.size() : payload.size()));
  file.insert(file.end(), kMagic, kMagic + sizeof kMagic);
  PutU16(&file, kFormatVersion);
  PutU16(&file, deflated ? kFlagZlib : 0);
  PutU64(&file, payload.size());
  PutU64(&file, deflated ? body.size() : payload.size());
  PutU32(&file, Crc32(payload.data(), payload.size()));
  PutU32(&file, Crc32(file.data(), file.size()));
  const std::vector<uint8_t>& stored = deflated ? body : payload;
  file.insert(file.end(), stored.begin(), stored.end());
  return file;
}

std::string WriteFileAtomic(const std::string& path,
                            const std::vector<uint8_t>& bytes) {
  const size_t slash = path.rfind('/');
  const std::string dir =
      slash == std::string::npos ? "" : path.substr(0, slash + 1);
  const std::string name =
      slash == std::string::npos ? path : path.substr(slash + 1);
  const auto ticks = static_cast<uint64_t>(
      std::chrono::steady_clock::now().time_since_epoch().count());
  char unique[40];
  std::snprintf(unique, sizeof unique, "%ld-%08x", static_cast<long>(getpid()),
                static_cast<unsigned>(ticks ^ (ticks >> 32)));
  const std::string temp = dir + "." + name + "." + unique + ".tmp";
  const int fd =
      open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) return Failed("cannot create", temp);
  std::string error;
  if (!WriteAll(fd, bytes.data(), bytes.size())) {
    error = Failed("cannot write", temp);
  } else if (fsync(fd) != 0) {
    // As lib/helpers/atomic-write.ts: without it a power loss can leave an
    // empty file.
    error = Failed("cannot flush", temp);
  }
  if (close(fd) != 0 && error.empty()) error = Failed("cannot close", temp);
  if (error.empty() && rename(temp.c_str(), path.c_str()) != 0) {
    error = Failed("cannot rename to", path);
  }
  if (!error.empty()) unlink(temp.c_str());
  return error;
}

}  // namespace tracemalloc
