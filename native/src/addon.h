// Registration entry points of the hvmio native addon, one per source file. Each adds its
// functions to the module's exports object; addon.cc calls them all at load time.
#pragma once

#include <napi.h>

namespace hvmio {

void RegisterSocketMessages(Napi::Env env, Napi::Object exports);  // recvMsg, sendMsg, socketpair
void RegisterPollIn(Napi::Env env, Napi::Object exports);          // pollIn
void RegisterSharedMapping(Napi::Env env, Napi::Object exports);   // mapShared, mappingCount
void RegisterMemfd(Napi::Env env, Napi::Object exports);           // memfdCreate
void RegisterFdWatch(Napi::Env env, Napi::Object exports);         // watchReadable
void RegisterTap(Napi::Env env, Napi::Object exports);             // tapOpen, tapRead, tapWritev

}  // namespace hvmio
