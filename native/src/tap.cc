// tapOpen(ifname) -> { fd, ifname }, tapRead(fd, buffer) -> bytes | -1, tapWritev(fd, buffers)
// -> bytes | -1: a TAP network interface for `--netdev tap`. The descriptor comes from
// /dev/net/tun with TUNSETIFF and IFF_TAP | IFF_NO_PI (Linux Documentation/networking/tuntap.rst:
// Ethernet frames, no 4-byte packet-information prefix), non-blocking and close-on-exec. Reads
// and writes are one frame each (the TAP contract); -1 means EAGAIN (nothing to read, or the
// interface's queue is full), any other failure throws a system error. The read goes straight
// into the caller's buffer and the write takes the caller's segments as an iovec, so neither
// copies in between.
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "addon.h"
#include "js-args.h"
#include "system-error.h"

namespace hvmio {

namespace {

// UIO_MAXIOV is 1024; a frame has a handful of segments, anything near this is a caller bug.
constexpr size_t kMaxSegments = 1024;

Napi::Value TapOpen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) throw Napi::TypeError::New(env, "tapOpen: ifname must be a string");
  const std::string name = info[0].As<Napi::String>().Utf8Value();
  if (name.size() >= IFNAMSIZ || name.find('\0') != std::string::npos) {
    throw Napi::RangeError::New(env, "tapOpen: ifname must be shorter than 16 bytes, without NUL");
  }
  const int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) ThrowSystemError(env, "open /dev/net/tun", errno);
  struct ifreq req;
  std::memset(&req, 0, sizeof req);
  req.ifr_flags = IFF_TAP | IFF_NO_PI;
  std::memcpy(req.ifr_name, name.data(), name.size());
  if (ioctl(fd, TUNSETIFF, &req) != 0) {
    const int err = errno;
    close(fd);
    ThrowSystemError(env, "ioctl TUNSETIFF", err);
  }
  Napi::Object result = Napi::Object::New(env);
  result.Set("fd", Napi::Number::New(env, fd));
  result.Set("ifname", Napi::String::New(env, req.ifr_name));
  return result;
}

Napi::Value TapRead(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int fd = FdArg(info, 0, "tapRead: fd");
  if (!info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw Napi::TypeError::New(env, "tapRead: buffer must be a Uint8Array");
  }
  Napi::Uint8Array buf = info[1].As<Napi::Uint8Array>();
  for (;;) {
    const ssize_t n = read(fd, buf.Data(), buf.ByteLength());
    if (n >= 0) return Napi::Number::New(env, static_cast<double>(n));
    if (errno == EINTR) continue;
    if (errno == EAGAIN) return Napi::Number::New(env, -1);
    ThrowSystemError(env, "read", errno);
  }
}

Napi::Value TapWritev(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int fd = FdArg(info, 0, "tapWritev: fd");
  if (!info[1].IsArray()) throw Napi::TypeError::New(env, "tapWritev: segments must be an array");
  Napi::Array segs = info[1].As<Napi::Array>();
  if (segs.Length() > kMaxSegments) throw Napi::RangeError::New(env, "tapWritev: too many segments");
  std::vector<struct iovec> iov(segs.Length());
  for (uint32_t i = 0; i < segs.Length(); i++) {
    Napi::Value v = segs.Get(i);
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
      throw Napi::TypeError::New(env, "tapWritev: every segment must be a Uint8Array");
    }
    Napi::Uint8Array u = v.As<Napi::Uint8Array>();
    iov[i].iov_base = u.Data();
    iov[i].iov_len = u.ByteLength();
  }
  for (;;) {
    const ssize_t n = writev(fd, iov.data(), static_cast<int>(iov.size()));
    if (n >= 0) return Napi::Number::New(env, static_cast<double>(n));
    if (errno == EINTR) continue;
    if (errno == EAGAIN) return Napi::Number::New(env, -1);
    ThrowSystemError(env, "writev", errno);
  }
}

}  // namespace

void RegisterTap(Napi::Env env, Napi::Object exports) {
  exports.Set("tapOpen", Napi::Function::New(env, TapOpen, "tapOpen"));
  exports.Set("tapRead", Napi::Function::New(env, TapRead, "tapRead"));
  exports.Set("tapWritev", Napi::Function::New(env, TapWritev, "tapWritev"));
}

}  // namespace hvmio
