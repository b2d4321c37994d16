// pollIn(fds, timeoutMs) -> readyFds: waits until at least one descriptor is readable, hung up
// or in error, or the timeout passes. It lets one synchronous worker loop wait on the protocol
// socket, the resamplefd and a wake-up fd at once (spec/mpqemu.md section 8).
#include <poll.h>
#include <time.h>

#include <cerrno>
#include <climits>
#include <string>
#include <vector>

#include "addon.h"
#include "js-args.h"
#include "system-error.h"

namespace hvmio {

namespace {

constexpr size_t kMaxPollFds = 1024;

int64_t MonotonicMs() {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<int64_t>(now.tv_sec) * 1000 + now.tv_nsec / 1000000;
}

// timeoutMs: -1 waits forever, 0 only checks. An interrupted poll (EINTR) resumes with the time
// that is left, so a signal never shortens or lengthens the wait.
Napi::Value PollIn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::vector<int> fds = FdArrayArg(info, 0, "pollIn: fds", kMaxPollFds);
  const int timeoutMs = static_cast<int>(IntegerArg(info, 1, "pollIn: timeoutMs", -1, INT_MAX));

  std::vector<pollfd> polled(fds.size());
  for (size_t i = 0; i < fds.size(); i++) polled[i] = pollfd{fds[i], POLLIN, 0};

  const int64_t deadline = timeoutMs > 0 ? MonotonicMs() + timeoutMs : 0;
  int wait = timeoutMs;
  int n;
  for (;;) {
    n = poll(polled.data(), polled.size(), wait);
    if (n >= 0 || errno != EINTR) break;
    if (timeoutMs > 0) {
      const int64_t left = deadline - MonotonicMs();
      wait = left > 0 ? static_cast<int>(left) : 0;
    }
  }
  if (n < 0) ThrowSystemError(env, "poll", errno);

  Napi::Array ready = Napi::Array::New(env);
  uint32_t count = 0;
  for (const pollfd& p : polled) {
    // A closed descriptor is a bug in the caller's bookkeeping, not a readiness state.
    if (p.revents & POLLNVAL) {
      Napi::Error error = Napi::Error::New(env, "pollIn: fd " + std::to_string(p.fd) + " is not open");
      error.Set("code", Napi::String::New(env, "EBADF"));
      throw error;
    }
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) ready.Set(count++, Napi::Number::New(env, p.fd));
  }
  return ready;
}

}  // namespace

void RegisterPollIn(Napi::Env env, Napi::Object exports) {
  exports.Set("pollIn", Napi::Function::New(env, PollIn, "pollIn"));
}

}  // namespace hvmio
