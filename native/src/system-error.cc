#include "system-error.h"

#include <cstring>
#include <string>

namespace hvmio {

void ThrowSystemError(Napi::Env env, const char* syscall, int err) {
  // strerrorname_np (glibc >= 2.32) gives the symbolic name; fall back to the number.
  const char* name = strerrorname_np(err);
  const std::string code = name != nullptr ? name : "E" + std::to_string(err);
  Napi::Error error =
      Napi::Error::New(env, std::string(syscall) + ": " + code + " (" + std::strerror(err) + ")");
  error.Set("code", Napi::String::New(env, code));
  error.Set("errno", Napi::Number::New(env, -err));  // negative, as in Node's own errors
  error.Set("syscall", Napi::String::New(env, syscall));
  throw error;
}

}  // namespace hvmio
