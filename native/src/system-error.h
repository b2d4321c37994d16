// A failed system call, thrown to JavaScript in the shape Node uses for its own system errors
// (message "syscall: ENAME (text)", properties code, errno, syscall), so callers can test
// `err.code === 'EBADF'` exactly as they would for an fs call.
#pragma once

#include <napi.h>

namespace hvmio {

[[noreturn]] void ThrowSystemError(Napi::Env env, const char* syscall, int err);

}  // namespace hvmio
