// memfdCreate(name, size) -> fd: an anonymous shared-memory file of `size` zero bytes, the same
// kind of object QEMU's memory-backend-memfd hands us as guest RAM. Tests use it to play the
// proxy's part; it is close-on-exec like every descriptor this addon creates.
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "addon.h"
#include "js-args.h"
#include "system-error.h"

namespace hvmio {

namespace {

// memfd_create(2): the name, shown in /proc/PID/maps, is at most 249 bytes.
constexpr size_t kMaxNameBytes = 249;

Napi::Value MemfdCreate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) throw Napi::TypeError::New(env, "memfdCreate: name must be a string");
  const std::string name = info[0].As<Napi::String>().Utf8Value();
  if (name.size() > kMaxNameBytes || name.find('\0') != std::string::npos) {
    throw Napi::RangeError::New(env, "memfdCreate: name must be at most 249 bytes without NUL");
  }
  const int64_t size = IntegerArg(info, 1, "memfdCreate: size", 0, kMaxSafeInteger);

  const int fd = memfd_create(name.c_str(), MFD_CLOEXEC);
  if (fd < 0) ThrowSystemError(env, "memfd_create", errno);
  if (ftruncate(fd, static_cast<off_t>(size)) != 0) {
    const int err = errno;
    close(fd);
    ThrowSystemError(env, "ftruncate", err);
  }
  return Napi::Number::New(env, fd);
}

}  // namespace

void RegisterMemfd(Napi::Env env, Napi::Object exports) {
  exports.Set("memfdCreate", Napi::Function::New(env, MemfdCreate, "memfdCreate"));
}

}  // namespace hvmio
