// Validation of the JavaScript arguments every addon function takes. A bad argument is a bug
// in the caller (the TypeScript wrapper validates too), so it throws TypeError/RangeError
// before any system call is made.
#pragma once

#include <napi.h>

#include <cstdint>
#include <vector>

namespace hvmio {

// Largest integer a JS number holds exactly (2^53 - 1).
constexpr int64_t kMaxSafeInteger = (int64_t{1} << 53) - 1;

// info[index] as a file descriptor: an integer in [0, INT_MAX].
int FdArg(const Napi::CallbackInfo& info, size_t index, const char* what);

// info[index] as an integer in [min, max] (max at most kMaxSafeInteger).
int64_t IntegerArg(const Napi::CallbackInfo& info, size_t index, const char* what, int64_t min, int64_t max);

// info[index] as an array of at most maxCount file descriptors.
std::vector<int> FdArrayArg(const Napi::CallbackInfo& info, size_t index, const char* what, size_t maxCount);

}  // namespace hvmio
