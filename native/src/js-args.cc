#include "js-args.h"

#include <climits>
#include <cmath>
#include <string>

namespace hvmio {

namespace {

bool IsIntegerInRange(const Napi::Value& value, int64_t min, int64_t max, int64_t* out) {
  if (!value.IsNumber()) return false;
  const double d = value.As<Napi::Number>().DoubleValue();
  // The range test on the double comes first so that the cast below is always defined.
  if (!std::isfinite(d) || d != std::trunc(d) || d < static_cast<double>(min) || d > static_cast<double>(max)) {
    return false;
  }
  *out = static_cast<int64_t>(d);
  return true;
}

}  // namespace

int64_t IntegerArg(const Napi::CallbackInfo& info, size_t index, const char* what, int64_t min, int64_t max) {
  int64_t result = 0;
  if (!IsIntegerInRange(info[index], min, max, &result)) {
    throw Napi::RangeError::New(info.Env(), std::string(what) + " must be an integer in [" + std::to_string(min) +
                                                ", " + std::to_string(max) + "]");
  }
  return result;
}

int FdArg(const Napi::CallbackInfo& info, size_t index, const char* what) {
  return static_cast<int>(IntegerArg(info, index, what, 0, INT_MAX));
}

std::vector<int> FdArrayArg(const Napi::CallbackInfo& info, size_t index, const char* what, size_t maxCount) {
  if (!info[index].IsArray()) throw Napi::TypeError::New(info.Env(), std::string(what) + " must be an array of fds");
  const Napi::Array array = info[index].As<Napi::Array>();
  if (array.Length() > maxCount) {
    throw Napi::RangeError::New(info.Env(),
                                std::string(what) + " holds more than " + std::to_string(maxCount) + " fds");
  }
  std::vector<int> fds;
  fds.reserve(array.Length());
  for (uint32_t i = 0; i < array.Length(); i++) {
    int64_t fd = 0;
    if (!IsIntegerInRange(array.Get(i), 0, INT_MAX, &fd)) {
      throw Napi::RangeError::New(info.Env(), std::string(what) + "[" + std::to_string(i) + "] is not an fd");
    }
    fds.push_back(static_cast<int>(fd));
  }
  return fds;
}

}  // namespace hvmio
