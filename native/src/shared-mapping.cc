// mapShared(fd, length, offset) -> SharedArrayBuffer over mmap(MAP_SHARED) memory, and
// mappingCount() -> number of such mappings not yet unmapped (process-wide, for tests).
//
// Guest RAM arrives from QEMU as memfds (spec/mpqemu.md 5.1) and must be readable and writable
// by every device worker without copies (DESIGN.md, "Guest RAM"). N-API can only make an
// ArrayBuffer over foreign memory, not a SharedArrayBuffer, so this file uses V8's own API:
// the mapping becomes an external BackingStore whose deleter munmaps it. V8 shares one
// BackingStore between every SharedArrayBuffer that refers to it, in any isolate (each worker
// thread is one), and runs the deleter when the last of them has been collected. That is
// exactly the lifetime guest RAM needs: QEMU re-sends its RAM layout about 20 times per boot,
// and an old mapping must disappear only once no worker can touch it any more. Nothing ever
// munmaps explicitly, so use after unmap cannot happen.
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <v8.h>

#include <atomic>
#include <cerrno>
#include <memory>
#include <string>

#include "addon.h"
#include "js-args.h"
#include "system-error.h"

namespace hvmio {

namespace {

std::atomic<int64_t> liveMappings{0};

// Runs on whichever thread drops the last reference (possibly a GC helper thread).
void UnmapDeleter(void* data, size_t length, void* /*deleterData*/) {
  munmap(data, length);
  liveMappings.fetch_sub(1, std::memory_order_relaxed);
}

// napi_value is, in Node's implementation, the address of a V8 handle slot: the same
// conversion Node's own js_native_api_v8.cc does for every value it returns.
Napi::Value FromV8(Napi::Env env, v8::Local<v8::Value> value) {
  return Napi::Value(env, reinterpret_cast<napi_value>(*value));
}

Napi::Value MapShared(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int fd = FdArg(info, 0, "mapShared: fd");
  const int64_t length = IntegerArg(info, 1, "mapShared: length", 1, kMaxSafeInteger);
  const int64_t offset = IntegerArg(info, 2, "mapShared: offset", 0, kMaxSafeInteger);
  const int64_t page = sysconf(_SC_PAGESIZE);
  if (offset % page != 0) {
    throw Napi::RangeError::New(env, "mapShared: offset " + std::to_string(offset) + " is not a multiple of the " +
                                         std::to_string(page) + "-byte page size");
  }

  struct stat st;
  if (fstat(fd, &st) != 0) ThrowSystemError(env, "fstat", errno);
  // Touching a page of a shared file mapping beyond the file's end raises SIGBUS, which would
  // kill the whole process: refuse such a mapping up front. (A memfd is a regular file.)
  if (S_ISREG(st.st_mode) && (offset > st.st_size || length > st.st_size - offset)) {
    throw Napi::RangeError::New(env, "mapShared: [" + std::to_string(offset) + ", +" + std::to_string(length) +
                                         ") extends beyond the end of the " + std::to_string(st.st_size) +
                                         "-byte file");
  }

  void* data = mmap(nullptr, static_cast<size_t>(length), PROT_READ | PROT_WRITE, MAP_SHARED, fd,
                    static_cast<off_t>(offset));
  if (data == MAP_FAILED) ThrowSystemError(env, "mmap", errno);
  liveMappings.fetch_add(1, std::memory_order_relaxed);

  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  std::unique_ptr<v8::BackingStore> store =
      v8::SharedArrayBuffer::NewBackingStore(data, static_cast<size_t>(length), UnmapDeleter, nullptr);
  v8::Local<v8::SharedArrayBuffer> buffer = v8::SharedArrayBuffer::New(isolate, std::move(store));
  return FromV8(env, buffer);
}

Napi::Value MappingCount(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(liveMappings.load(std::memory_order_relaxed)));
}

}  // namespace

void RegisterSharedMapping(Napi::Env env, Napi::Object exports) {
  exports.Set("mapShared", Napi::Function::New(env, MapShared, "mapShared"));
  exports.Set("mappingCount", Napi::Function::New(env, MappingCount, "mappingCount"));
}

}  // namespace hvmio
