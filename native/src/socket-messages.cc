// Byte-stream messages with file descriptors over AF_UNIX sockets: the part of the QEMU
// multi-process protocol Node's net module cannot do (spec/mpqemu.md sections 1, 4 and 8).
//
//   recvMsg(fd, maxBytes) -> { data, fds, ctrunc, again } | null
//   sendMsg(fd, bytes, fds?) -> undefined
//   socketpair() -> [a, b]
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "addon.h"
#include "js-args.h"
#include "system-error.h"

namespace hvmio {

namespace {

// Room for 16 descriptors in one SCM_RIGHTS message, as QEMU's own reader has: the protocol
// sends at most 8, so a sender exceeding 16 is misbehaving and gets MSG_CTRUNC (the kernel
// closes the descriptors that do not fit).
constexpr size_t kMaxFdsPerMessage = 16;
// The kernel's own limit on descriptors in one SCM_RIGHTS message (SCM_MAX_FD). The sending
// side allows that many, so tests can play a peer that sends too many.
constexpr size_t kMaxFdsToSend = 253;
// Upper bound on one read; protocol messages are at most 16 + 192 bytes.
constexpr int64_t kMaxRecvBytes = 1 << 20;

Napi::Object RecvResult(Napi::Env env, const uint8_t* data, size_t length, const std::vector<int>& fds,
                        bool ctrunc, bool again) {
  Napi::Object result = Napi::Object::New(env);
  result.Set("data", Napi::Buffer<uint8_t>::Copy(env, data, length));
  Napi::Array fdArray = Napi::Array::New(env, fds.size());
  for (size_t i = 0; i < fds.size(); i++) fdArray.Set(static_cast<uint32_t>(i), Napi::Number::New(env, fds[i]));
  result.Set("fds", fdArray);
  result.Set("ctrunc", Napi::Boolean::New(env, ctrunc));
  result.Set("again", Napi::Boolean::New(env, again));
  return result;
}

// Every descriptor carried by SCM_RIGHTS control messages in `msg`. The walk is bounded by the
// control buffer, which the kernel filled and sized.
std::vector<int> ReceivedFds(msghdr* msg) {
  std::vector<int> fds;
  for (cmsghdr* c = CMSG_FIRSTHDR(msg); c != nullptr; c = CMSG_NXTHDR(msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS || c->cmsg_len < CMSG_LEN(0)) continue;
    const size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    const unsigned char* at = CMSG_DATA(c);
    for (size_t i = 0; i < count; i++) {
      int fd;
      std::memcpy(&fd, at + i * sizeof(int), sizeof fd);  // CMSG_DATA need not be int-aligned
      fds.push_back(fd);
    }
  }
  return fds;
}

// recvMsg(fd, maxBytes): one recvmsg() of at most maxBytes bytes. The caller asks for exactly
// what the current message still lacks, so a read never swallows the next message's start (and
// the descriptors riding on it). Returns null at end of stream; on a non-blocking socket with
// nothing to read, an empty result with again = true.
Napi::Value RecvMsg(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int fd = FdArg(info, 0, "recvMsg: fd");
  const size_t maxBytes = static_cast<size_t>(IntegerArg(info, 1, "recvMsg: maxBytes", 1, kMaxRecvBytes));

  std::vector<uint8_t> data(maxBytes);
  alignas(cmsghdr) unsigned char control[CMSG_SPACE(kMaxFdsPerMessage * sizeof(int))];
  msghdr msg;
  iovec iov;
  ssize_t n;
  do {
    // Set up afresh on every attempt: the kernel rewrites msg_controllen and msg_flags.
    std::memset(&msg, 0, sizeof msg);
    iov.iov_base = data.data();
    iov.iov_len = maxBytes;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);

  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return RecvResult(env, data.data(), 0, {}, false, true);
    ThrowSystemError(env, "recvmsg", errno);
  }
  const std::vector<int> fds = ReceivedFds(&msg);
  if (n == 0) {
    // A stream socket cannot deliver descriptors without bytes; close any, to be safe.
    for (int received : fds) close(received);
    return env.Null();
  }
  return RecvResult(env, data.data(), static_cast<size_t>(n), fds, (msg.msg_flags & MSG_CTRUNC) != 0, false);
}

// sendMsg(fd, bytes, fds?): writes all of `bytes` (fds, at most 253, ride on the first byte). It
// behaves like a blocking write even on a non-blocking socket (it waits for POLLOUT), so a
// message is never left half-sent. MSG_NOSIGNAL: a vanished peer is an EPIPE error, not a
// SIGPIPE that would kill the process.
Napi::Value SendMsg(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int fd = FdArg(info, 0, "sendMsg: fd");
  if (!info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw Napi::TypeError::New(env, "sendMsg: bytes must be a Uint8Array or Buffer");
  }
  Napi::Uint8Array bytes = info[1].As<Napi::Uint8Array>();
  const std::vector<int> fds =
      info.Length() > 2 && !info[2].IsUndefined() ? FdArrayArg(info, 2, "sendMsg: fds", kMaxFdsToSend)
                                                  : std::vector<int>{};
  const uint8_t* data = bytes.Data();
  const size_t length = bytes.ElementLength();
  if (length == 0 && !fds.empty()) {
    // A stream socket silently drops descriptors sent with zero bytes.
    throw Napi::RangeError::New(env, "sendMsg: descriptors need at least one byte to ride on");
  }

  // Control buffer only when descriptors go out (RET, the hot path, has none); cmsghdr
  // elements give it cmsghdr alignment.
  std::vector<cmsghdr> control;
  if (!fds.empty()) control.resize((CMSG_SPACE(fds.size() * sizeof(int)) + sizeof(cmsghdr) - 1) / sizeof(cmsghdr));
  size_t sent = 0;
  bool fdsPending = !fds.empty();
  while (sent < length) {
    msghdr msg;
    std::memset(&msg, 0, sizeof msg);
    iovec iov{const_cast<uint8_t*>(data + sent), length - sent};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    if (fdsPending) {
      std::memset(control.data(), 0, control.size() * sizeof(cmsghdr));
      msg.msg_control = control.data();
      msg.msg_controllen = CMSG_SPACE(fds.size() * sizeof(int));
      cmsghdr* c = CMSG_FIRSTHDR(&msg);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN(fds.size() * sizeof(int));
      std::memcpy(CMSG_DATA(c), fds.data(), fds.size() * sizeof(int));
    }
    const ssize_t n = sendmsg(fd, &msg, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        pollfd p{fd, POLLOUT, 0};
        if (poll(&p, 1, -1) < 0 && errno != EINTR) ThrowSystemError(env, "poll", errno);
        continue;
      }
      ThrowSystemError(env, "sendmsg", errno);
    }
    sent += static_cast<size_t>(n);
    fdsPending = false;
  }
  return env.Undefined();
}

// socketpair(): a connected AF_UNIX stream pair, close-on-exec. One end can be handed to QEMU
// as `-device x-pci-proxy-dev,fd=N` (child_process.spawn's stdio array dup2()s it, which clears
// close-on-exec on the child's copy); tests talk over both ends.
Napi::Value SocketPair(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) ThrowSystemError(env, "socketpair", errno);
  Napi::Array pair = Napi::Array::New(env, 2);
  pair.Set(0u, Napi::Number::New(env, sv[0]));
  pair.Set(1u, Napi::Number::New(env, sv[1]));
  return pair;
}

}  // namespace

void RegisterSocketMessages(Napi::Env env, Napi::Object exports) {
  exports.Set("recvMsg", Napi::Function::New(env, RecvMsg, "recvMsg"));
  exports.Set("sendMsg", Napi::Function::New(env, SendMsg, "sendMsg"));
  exports.Set("socketpair", Napi::Function::New(env, SocketPair, "socketpair"));
}

}  // namespace hvmio
